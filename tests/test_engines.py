"""Engines: DuckDB (the default for files) reads what ``io.read_table`` reads, and every engine
gives the same results.json up to the engine's name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_engines_weights import differences as _differences

import essex_standard
from essex_standard.config import load_config, parse_config
from essex_standard.engines import frequency_table
from essex_standard.engines.files import Fallback, read_frequencies
from essex_standard.errors import ConfigError
from essex_standard.io import read_table

#: results.json keeps 12 significant digits (result.FLOAT_DIGITS): two figures equal to 1e-15
#: before rounding can then differ by one unit in the 12th digit (0.701067621362 and ...363),
#: so rounded documents agree to one unit there; the figures themselves are compared to 1e-12
#: before rounding in test_engines_weights.py.
ROUNDED = 2e-11


def differences(a, b):
    return _differences(a, b, tol=ROUNDED)


ROOT = Path(__file__).resolve().parents[1]


def _same_table(a: pd.DataFrame, wa: np.ndarray, b: pd.DataFrame, wb: np.ndarray) -> None:
    """Two frequency tables hold the same rows with the same counts and column types."""
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        assert str(a[c].dtype) == str(b[c].dtype), (c, a[c].dtype, b[c].dtype)

    def rows(t: pd.DataFrame, w: np.ndarray) -> list[tuple]:
        keyed = t.astype(object).where(t.notna(), "<NA>").astype(str)
        return sorted(zip(*(keyed[c] for c in t.columns), w.tolist(), strict=True))

    assert rows(a, wa) == rows(b, wb)


CSVS = {
    "plain": "y,score,sex\n1,0.5,F\n0,0.25,M\n1,0.5,F\n",
    "semicolon, BOM, CRLF": "\ufeffy;score;sex\r\n1;0,5;F\r\n0;0.25;M\r\n",
    "quoted separators and quotes": 'y,score,sex\n1,0.5,"F, x"\n0,0.25,"say ""hi"""\n1,.5,M\n',
    "spaces after separators": "y, score, sex\n1, 0.5, F\n0, 0.25,  M\n",
    "codes and tokens": "y,score,sex\n1,0.5,01\n0,NA,1\n1,0.7,NA\n0,0.1,\n",
    "blank lines": "y,score,sex\n1,0.5,F\n\n0,0.25,M\n\n",
    "empty cells": "y,score,sex\n1,,F\n,0.25,\n,,\n",
    "text in a number column": "y,score,sex\n1,high,F\n0,0.25,M\n",
    "booleans": "y,score,sex\nTrue,0.5,F\nFalse,0.25,M\n",
    "pipes and tabs": "y|score|sex\n1|0.5|F\n0|0.25|M\n",
}


@pytest.mark.parametrize("name", sorted(CSVS))
def test_duckdb_reads_csv_as_read_table(tmp_path: Path, name: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(CSVS[name], encoding="utf-8", newline="")
    cols, text, tokens = ["y", "score", "sex"], ["sex"], ["NA"]
    expected = frequency_table(read_table(path, cols, text_columns=text, missing_values=tokens))
    try:
        table, weights, files = read_frequencies(path, cols, text, "data", tokens)
    except Fallback:  # refused: the caller reads it with read_table, which is then exact
        pytest.skip("DuckDB refused this file; read_table reads it")
    assert files == [path]
    _same_table(table, weights, *expected)


def test_duckdb_refusals_fall_back(tmp_path: Path) -> None:
    """A ragged row or bad UTF-8 is not read by DuckDB: read_table gives its own message."""
    ragged = tmp_path / "r.csv"
    ragged.write_text("y,score,sex\n1,0.5,F,extra\n0,0.2,M\n")
    latin = tmp_path / "l.csv"
    latin.write_bytes("y,score,sex\n1,0.5,Fé\n".encode("latin-1"))
    for path in (ragged, latin):
        with pytest.raises(Fallback):
            read_frequencies(path, ["y", "score", "sex"], ["sex"], "data", ())


def _write_config(tmp_path: Path, data: str) -> Path:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(f"""
model: {{name: engines}}
data:
{data}
  y_true: two_year_recid
  y_score: decile_score
  threshold: 5
protected:
  - column: race
  - column: sex
intersections: [[race, sex]]
bootstrap: 100
""")
    return cfg


def _doc(path: Path) -> dict:
    doc = json.loads(essex_standard.audit(path).to_json())
    doc["tool"].pop("libraries", None)
    doc["inputs"] = [{k: v for k, v in i.items() if k not in ("path", "sha256")}
                     for i in doc["inputs"]]
    doc.pop("config")
    return doc


@pytest.fixture(scope="module")
def compas() -> pd.DataFrame:
    cols = ["two_year_recid", "decile_score", "race", "sex"]
    return pd.read_csv(ROOT / "examples/compas/data/compas-two-years.csv", usecols=cols)


@pytest.mark.slow
def test_csv_parquet_folder_and_database_agree(tmp_path: Path, compas: pd.DataFrame,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rows as CSV, Parquet, a folder of Parquet parts, a DuckDB table and a query,
    and read by pandas (memory): one results.json up to the engine's name."""
    import duckdb

    compas.to_csv(tmp_path / "d.csv", index=False)
    compas.to_parquet(tmp_path / "d.parquet", index=False)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, lo in enumerate(range(0, len(compas), 2500)):
        compas.iloc[lo:lo + 2500].to_parquet(parts / f"part-{i}.parquet", index=False)
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE cases AS SELECT * FROM read_parquet('{tmp_path / 'd.parquet'}')")
    con.close()
    monkeypatch.setenv("AUDIT_DB", str(db))
    variants = {
        "csv": "  path: d.csv",
        "memory": "  path: d.csv\n  engine: memory",
        "parquet": "  path: d.parquet",
        "folder": "  path: parts",
        "glob": "  path: parts/*.parquet",
        "table": "  table: cases\n  connection: AUDIT_DB",
        "query": "  query: SELECT * FROM cases WHERE sex IS NOT NULL\n  connection: AUDIT_DB",
    }
    docs = {}
    for name, data in variants.items():
        sub = tmp_path / name
        sub.mkdir()
        for f in ("d.csv", "d.parquet"):
            (sub / f).symlink_to(tmp_path / f)
        (sub / "parts").symlink_to(parts)
        docs[name] = _doc(_write_config(sub, data))
    assert docs["memory"]["data"]["engine"] == "memory"
    assert docs["csv"]["data"]["engine"] == "duckdb"
    base = docs.pop("memory")
    base["data"].pop("engine")
    for name, doc in docs.items():
        doc["data"].pop("engine")
        assert differences(doc, base) == [], name


def test_engine_config_is_checked(tmp_path: Path) -> None:
    base = {"model": {"name": "m"}, "protected": [{"column": "sex"}]}

    def parse(data: dict) -> None:
        parse_config({**base, "data": {"y_true": "y", "y_pred": "p", **data}}, source="a.yaml",
                     base_dir=tmp_path)

    with pytest.raises(ConfigError, match=r"data\.engine"):
        parse({"path": "d.csv", "engine": "oracle"})
    with pytest.raises(ConfigError, match="only one of"):
        parse({"path": "d.csv", "table": "cases"})
    with pytest.raises(ConfigError, match="environment variable"):
        parse({"table": "cases", "connection": "postgres://user:secret@host/db"})
    with pytest.raises(ConfigError, match="needs an engine"):
        parse({"table": "cases", "engine": "memory"})
    parse({"table": "cases", "connection": "AUDIT_DB"})


def test_unset_connection_variable_is_named(tmp_path: Path) -> None:
    os.environ.pop("ESSEX_TEST_UNSET", None)
    cfg = _write_config(tmp_path, "  table: cases\n  connection: ESSEX_TEST_UNSET")
    with pytest.raises(ConfigError, match="ESSEX_TEST_UNSET"):
        essex_standard.audit(load_config(cfg))


@pytest.mark.slow
@pytest.mark.parametrize("config", [
    "examples/compas/audit.yaml",
    "examples/childrens-social-care/audit.yaml",
    "examples/childrens-social-care/audit-later.yaml",
])
def test_bundled_examples_duckdb_equals_memory(config: str) -> None:
    from essex_standard.pipeline import audit

    cfg = load_config(ROOT / config)
    a = json.loads(audit(cfg).to_json())
    raw = dict(cfg.raw)
    raw["data"] = {**raw["data"], "engine": "memory"}
    b = json.loads(audit(parse_config(raw, source=cfg.source, base_dir=cfg.base_dir)).to_json())
    assert (a["data"]["engine"], b["data"]["engine"]) == ("duckdb", "memory")
    for doc in (a, b):
        doc["data"].pop("engine")
        doc["config"]["data"].pop("engine", None)
        doc["tool"].pop("libraries", None)
    # to 1e-12: sums over weights and over rows differ in the last bits
    assert differences(a, b) == []


def test_views_with_a_text_outcome_equal_memory(tmp_path: Path) -> None:
    """The engine's time view reads flags it computed itself; a text outcome with
    positive_label still reads the same way there, and the audit equals the memory engine's."""
    import dataclasses

    from essex_standard.load import load_audit_data
    from essex_standard.pipeline import build_document, measure

    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({
        "outcome": rng.choice(["re-referred", "closed"], n),
        "risk": np.round(rng.random(n), 2),
        "sex": rng.choice(["F", "M", ""], n, p=[0.49, 0.49, 0.02]),
        "when": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), "D"),
        "need": rng.choice(["a", "b"], n),
    })
    frame.to_csv(tmp_path / "cur.csv", index=False)
    frame.iloc[: n // 2].to_csv(tmp_path / "ref.csv", index=False)
    (tmp_path / "audit.yaml").write_text("""
model: {name: views}
data:
  path: cur.csv
  y_true: outcome
  positive_label: re-referred
  y_score: risk
  threshold: {top_percent: 25}
  reference: ref.csv
  time: when
protected: [{column: sex}]
bootstrap: 100
drift: {features: [need]}
over_time: {window: monthly}
""")
    cfg = load_config(tmp_path / "audit.yaml")
    on_duckdb = load_audit_data(cfg)
    assert set(on_duckdb.views) == {"time", "features"}
    memory_cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, engine="memory"))
    rows = load_audit_data(memory_cfg)
    a = build_document(rows, cfg, measure(rows, cfg))
    b = build_document(on_duckdb, cfg, measure(on_duckdb, cfg))
    assert (a["data"].pop("engine"), b["data"].pop("engine")) == ("memory", "duckdb")
    assert a["over_time"]["available"] and a["drift"]["available"]
    assert differences(a, b) == []
