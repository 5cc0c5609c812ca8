"""Config sanity: sections without the input they need, time columns that are not dates, and
contact addresses that are not e-mail addresses are errors naming the key or column and the fix
(exit code 2 from the CLI), never silently ignored or misread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import essex_standard
from essex_standard.cli import main
from essex_standard.config import parse_config
from essex_standard.errors import ConfigError, DataError

N = 60


def _frame(**extra) -> pd.DataFrame:
    df = pd.DataFrame({"y": [0, 1] * (N // 2), "p": [0, 1, 1, 0] * (N // 4),
                       "g": ["a", "b", "c"] * (N // 3)})
    for k, v in extra.items():
        df[k] = v
    return df


def _config(tmp_path, df: pd.DataFrame, **sections):
    """Write d.csv and audit.yaml; ``data`` in ``sections`` is merged into the data section."""
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = {"data": {"path": "d.csv", "y_true": "y", "y_pred": "p", **sections.pop("data", {})},
           "protected": ["g"], "bootstrap": 0, **sections}
    path = tmp_path / "audit.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _cli_error(path, capsys, tmp_path) -> str:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(path), "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not out.exists()
    return err


# --------------------------------------------------------------------------- sections


def test_a_drift_section_without_a_reference_file_is_an_error(tmp_path, capsys):
    path = _config(tmp_path, _frame(), drift={"bins": 5})
    err = _cli_error(path, capsys, tmp_path)
    assert "'drift'" in err and "'data.reference' is missing" in err
    assert "reference: data/reference.csv" in err


def test_an_over_time_section_without_a_time_column_is_an_error(tmp_path, capsys):
    path = _config(tmp_path, _frame(), over_time={"window": "quarterly"})
    err = _cli_error(path, capsys, tmp_path)
    assert "'over_time'" in err and "'data.time' is missing" in err
    assert "time: referral_date" in err


def test_an_empty_drift_section_counts_as_given():
    raw = {"data": {"y_true": "y", "y_pred": "p"}, "protected": ["g"], "drift": None}
    with pytest.raises(ConfigError, match=r"'data\.reference' is missing"):
        parse_config(raw, require_path=False)


def test_audit_frame_names_its_own_arguments():
    df = _frame(d=["2024-01-15"] * N)
    with pytest.raises(ConfigError, match="reference_df="):
        essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                                   bootstrap=0, drift={"bins": 5})
    with pytest.raises(ConfigError, match="time="):
        essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                                   bootstrap=0, over_time={"window": 2})


def test_drift_with_a_reference_frame_and_no_reference_file_is_fine():
    df = _frame(x=np.arange(N) % 7)
    r = essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                                   bootstrap=0, drift={"features": ["x"]}, reference_df=df)
    assert r.doc["drift"]["available"] is True


def test_sections_with_their_inputs_still_parse():
    raw = {"data": {"y_true": "y", "y_pred": "p", "reference": "r.csv", "time": "d"},
           "protected": ["g"], "drift": {"bins": 5}, "over_time": {"window": "quarterly"}}
    cfg = parse_config(raw, require_path=False)
    assert cfg.data.time == "d" and cfg.data.reference is not None


# --------------------------------------------------------------------------- time column


def test_a_numeric_time_column_is_an_error_naming_the_column_and_row(tmp_path, capsys):
    path = _config(tmp_path, _frame(t=[0, 1] * (N // 2)), data={"time": "t"})
    err = _cli_error(path, capsys, tmp_path)
    assert "time column 't'" in err and "holds numbers" in err
    assert "row 2" in err and "1970" in err and "'data.time'" in err


def test_a_numeric_time_column_names_its_first_present_value(tmp_path):
    t = [np.nan, np.nan, 20240115.0] + [20240215.0] * (N - 3)
    path = _config(tmp_path, _frame(t=t), data={"time": "t"})
    with pytest.raises(DataError, match=r"'t'.*20240115\.0 at row 4"):
        essex_standard.audit(path)


def test_a_time_value_that_is_not_a_date_names_its_row_as_in_the_file(tmp_path, capsys):
    d = ["2024-01-15"] * 10 + ["2024-02-30"] + ["2024-03-01"] * (N - 11)
    path = _config(tmp_path, _frame(d=d), data={"time": "d"})
    err = _cli_error(path, capsys, tmp_path)
    # header = row 1, ten good rows = rows 2 to 11, the bad one is row 12
    assert "time column 'd'" in err and "'2024-02-30' at row 12" in err and "not a date" in err


def test_the_time_column_is_checked_for_audit_frame_too():
    df = _frame(t=[True, False] * (N // 2))
    with pytest.raises(DataError, match=r"time column 't'.*holds numbers"):
        essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["g"],
                                   bootstrap=0, time="t")


def test_dates_with_gaps_are_fine(tmp_path):
    d = ["2024-01-15", "", "2024-04-02"] * (N // 3)
    path = _config(tmp_path, _frame(d=d), data={"time": "d"},
                   over_time={"window": "quarterly", "min_window_size": 5})
    ot = essex_standard.audit(path).doc["over_time"]
    assert ot["available"] and ot["rows_without_time"] == N // 3
    assert [w["label"] for w in ot["windows"]] == ["2024Q1", "2024Q2"]


# --------------------------------------------------------------------------- contact e-mail


@pytest.mark.parametrize("email", [
    "Transparency team", "transparency.example.gov.uk", "a@b@example.gov.uk",
    "team@localhost", "team @example.gov.uk", "@example.gov.uk", "team@example.", "team@.uk",
])
def test_a_contact_email_that_is_not_an_address_is_an_error(email):
    raw = {"model": {"contact_email": email}, "data": {"y_true": "y", "y_pred": "p"},
           "protected": ["g"]}
    with pytest.raises(ConfigError, match=r"'model\.contact_email'") as exc:
        parse_config(raw, require_path=False)
    assert "one @, a dot in the domain, no spaces" in str(exc.value)


@pytest.mark.parametrize("email", ["team@example.gov.uk", " a.b+audit@sub.example.org "])
def test_a_plain_contact_email_is_accepted(email):
    raw = {"model": {"contact_email": email}, "data": {"y_true": "y", "y_pred": "p"},
           "protected": ["g"]}
    assert parse_config(raw, require_path=False).model["contact_email"] == email.strip()


def test_a_bad_contact_email_exits_2_from_the_cli(tmp_path, capsys):
    path = _config(tmp_path, _frame(), model={"contact_email": "ring the duty desk"})
    err = _cli_error(path, capsys, tmp_path)
    assert "'model.contact_email'" in err and "'ring the duty desk'" in err
