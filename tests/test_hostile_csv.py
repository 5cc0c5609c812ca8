"""Hostile data files: the CSV reader refuses what it cannot read honestly, names the line,
and treats only empty cells (plus ``data.missing_values``) as missing."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from _hostile_support import base_config, frame, refused, write

import essex_standard
from essex_standard.io import MAX_HEADER_CHARS, check_field_counts, read_table

HEADER = "y,s,sex,eth\n"


def rows(n: int = 40) -> str:
    return "".join(f"{i % 2},0.{i % 9 + 1},{'FM'[i % 2]},{'ABC'[i % 3]}\n" for i in range(n))


@pytest.mark.parametrize("text,needles", [
    ("y,s,s,sex,eth\n" + "".join(f"{i % 2},0.5,0.7,F,A\n" for i in range(30)),
     ("'s' appears twice", "columns 2 and 3")),
    (HEADER + rows(3) + "1,0.5,F,Smith, J\n" + rows(5),
     ("line 5", "5 field(s)", "header has 4", "unquoted separator")),
    (HEADER + rows(6) + "1,0.5,F\n" + rows(5), ("line 8", "3 field(s)", "missing value")),
    (HEADER + '1,0.5,F,"A, quoted"\n' + rows(5) + "1,0.5,F,B,extra\n",
     ("line 8", "5 field(s)")),
    ("y;s;sex;eth\n" + rows(3).replace(",", ";") + "1;0.5;F;A;B\n", ("line 5",)),
])
def test_malformed_csv_is_refused_naming_the_line(tmp_path, capsys, text, needles):
    refused(capsys, tmp_path, write(tmp_path, data=text), "d.csv", *needles)


def test_quoted_separators_are_fine(tmp_path):
    text = HEADER + "".join(f'{i % 2},0.{i % 9 + 1},{"FM"[i % 2]},"A, {i % 2}"\n'
                            for i in range(40))
    (tmp_path / "d.csv").write_text(text)
    out = read_table(tmp_path / "d.csv", ["eth"], text_columns=["eth"])
    assert set(out["eth"]) == {"A, 0", "A, 1"}


def test_field_count_check_spans_chunks(tmp_path):
    path = tmp_path / "big.csv"
    good = "1,2,3\n" * 2_000_000  # 12 MB: more than one 8 MB chunk
    path.write_text("a,b,c\n" + good + "1,2\n")
    with pytest.raises(Exception, match="line 2,000,002"):
        check_field_counts(path, ",", 3, "big.csv")


def test_a_folder_given_as_data(tmp_path, capsys):
    (tmp_path / "folder.csv").mkdir()
    config = write(tmp_path, base_config(path="folder.csv"))
    refused(capsys, tmp_path, config, "folder.csv is a folder", "data.path")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_given_as_data_does_not_hang(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.csv")
    config = write(tmp_path, base_config(path="pipe.csv"))
    refused(capsys, tmp_path, config, "pipe.csv is not a regular file", seconds=10)


def test_a_missing_file_still_says_so(tmp_path, capsys):
    config = write(tmp_path, base_config(path="nope.csv"))
    refused(capsys, tmp_path, config, "does not exist")


def test_a_10_mb_header_gives_a_short_message(tmp_path, capsys):
    text = "y," + "x" * 10_000_000 + "\n1,2\n"
    err = refused(capsys, tmp_path, write(tmp_path, data=text), "first line",
                  f"{MAX_HEADER_CHARS:,} characters")
    assert len(err) < 600


def test_huge_column_names_are_cut_in_messages(tmp_path, capsys):
    text = "y,s,sex," + "e" * 50_000 + "\n" + rows(5)
    err = refused(capsys, tmp_path, write(tmp_path, data=text), "no column 'eth'")
    assert "eeee…" in err and len(err) < 1500


@pytest.mark.parametrize("cell,needles", [
    ("inf", ("infinite", "row 4 of the file", "value inf")),
    ("-inf", ("infinite", "row 4 of the file")),
    ("NaN", ("must be numeric", "row 4 of the file", "'NaN'")),
    ("high", ("must be numeric", "row 4 of the file", "'high'")),
    ("", ("missing value", "row 4 of the file")),
])
def test_bad_scores_name_the_row(tmp_path, capsys, cell, needles):
    lines = rows(10).splitlines()
    y, _, sex, eth = lines[2].split(",")
    lines[2] = ",".join([y, cell, sex, eth])
    text = HEADER + "\n".join(lines) + "\n"
    refused(capsys, tmp_path, write(tmp_path, data=text), "column 's' (score)", *needles)


@pytest.mark.parametrize("token", ["None", "NA", "N/A", "null", "NULL", "nan", "-"])
def test_only_empty_cells_are_missing_by_default(tmp_path, token):
    df = frame(60)
    df.loc[:9, "eth"] = token
    write(tmp_path, data=df)
    result = essex_standard.audit(tmp_path / "audit.yaml")
    groups = result.doc["fairness"]["eth"]["groups"]
    assert token in groups and "(missing)" not in groups
    assert result.doc["data"]["missing"]["columns"]["eth"] == 0


def test_missing_values_adds_tokens_and_is_recorded(tmp_path):
    df = frame(60)
    df.loc[:9, "eth"] = "Not known"
    df.loc[10:14, "eth"] = ""
    df.loc[15:16, "sex"] = "N/A"
    write(tmp_path, base_config(missing_values=["Not known", "N/A"]), data=df)
    result = essex_standard.audit(tmp_path / "audit.yaml")
    groups = result.doc["fairness"]["eth"]["groups"]
    assert "Not known" not in groups and groups["(missing)"]["n"] == 15
    missing = result.doc["data"]["missing"]
    assert missing["values"] == ["(empty cell)", "Not known", "N/A"]
    assert missing["columns"] == {"y": 0, "s": 0, "sex": 2, "eth": 15}


def test_cli_and_audit_frame_give_the_same_groups(tmp_path):
    df = frame(80)
    df.loc[:7, "eth"] = "None"
    df.loc[8:11, "eth"] = "Not known"
    df.loc[12:14, "eth"] = " "
    write(tmp_path, base_config(missing_values=["Not known"]), data=df)
    from_file = essex_standard.audit(tmp_path / "audit.yaml")
    in_memory = essex_standard.audit_frame(
        df, y_true="y", y_score="s", threshold=0.5, sensitive_features=["sex", "eth"],
        bootstrap=0, missing_values=["Not known"])
    assert from_file.doc["fairness"] == in_memory.doc["fairness"]
    assert from_file.doc["data"]["missing"] == in_memory.doc["data"]["missing"]
    assert from_file.doc["fairness"]["eth"]["groups"]["(missing)"]["n"] == 7


def test_adult_comma_space_layout_strips_outcome_and_groups_alike(tmp_path):
    lines = ["age_band, sex, income, score"]
    for i in range(80):
        lines.append(f"{'<30' if i % 3 else '30+'}, {'Male' if i % 2 else 'Female'}, "
                     f"{'>50K' if i % 4 == 0 else '<=50K'}, 0.{i % 9 + 1}")
    (tmp_path / "adult.csv").write_text("\n".join(lines) + "\n")
    cfg = {"data": {"path": "adult.csv", "y_true": "income", "positive_label": ">50K",
                    "y_score": "score", "threshold": 0.5},
           "protected": ["sex", "age_band"], "bootstrap": 0}
    write(tmp_path, cfg, data=frame(5), data_name="unused.csv")
    result = essex_standard.audit(tmp_path / "audit.yaml")
    assert set(result.doc["fairness"]["sex"]["groups"]) == {"Female", "Male"}
    assert result.overall["metrics"]["base_rate"]["value"] == pytest.approx(20 / 80)


def test_parquet_and_csv_read_the_same(tmp_path):
    pytest.importorskip("pyarrow")
    df = frame(50)
    df.loc[:4, "eth"] = None
    df.to_parquet(tmp_path / "d.parquet")
    write(tmp_path, base_config(path="d.parquet"), data=df)
    a = essex_standard.audit(tmp_path / "audit.yaml")
    write(tmp_path, base_config(), data=df)
    b = essex_standard.audit(tmp_path / "audit.yaml")
    assert a.doc["fairness"] == b.doc["fairness"]
    assert pd.isna(df.loc[0, "eth"])


def test_blank_and_whitespace_lines_are_skipped_like_pandas(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c\n1,2,3\n   \n\r\n4,5,6\n\t\n")
    check_field_counts(path, ",", 3, "d.csv")  # no error
    path.write_text('a,b,c\n1,2,"3"\n   \n4,5,6\n')
    check_field_counts(path, ",", 3, "d.csv")  # the same through the csv-module path
