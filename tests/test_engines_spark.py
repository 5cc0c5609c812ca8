"""Spark through the same Ibis expression: the bundled examples on one local Spark session give
the same results.json as DuckDB, up to the engine's name (and the input's name and hash: a
table has no file)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_engines_weights import differences as _differences

from essex_standard.config import load_config, parse_config
from essex_standard.io import read_table
from essex_standard.load import _columns_needed
from essex_standard.pipeline import audit

#: results.json keeps 12 significant digits (result.FLOAT_DIGITS): two figures equal to 1e-15
#: before rounding can then differ by one unit in the 12th digit (0.701067621362 and ...363),
#: so rounded documents agree to one unit there; the figures themselves are compared to 1e-12
#: before rounding in test_engines_weights.py.
ROUNDED = 2e-11


def differences(a, b):
    return _differences(a, b, tol=ROUNDED)


ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("ibis")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("essex-standard-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _spark_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings with None for missing (Spark's own nulls)."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def _comparable(doc: dict) -> dict:
    doc["tool"].pop("libraries", None)
    doc.pop("config")
    doc["data"].pop("engine")
    doc["inputs"] = [{k: v for k, v in i.items() if k not in ("path", "sha256")}
                     for i in doc["inputs"]]
    return doc


@pytest.mark.parametrize("config", [
    "examples/compas/audit.yaml",
    "examples/childrens-social-care/audit.yaml",
    "examples/childrens-social-care/audit-later.yaml",
])
def test_bundled_examples_spark_equals_duckdb(spark, config: str) -> None:
    cfg = load_config(ROOT / config)
    columns, protected = _columns_needed(cfg)
    frame = read_table(cfg.data.path, columns, text_columns=protected,
                       missing_values=cfg.data.missing_values)
    where = Path(config)
    view = f"audited_{where.parent.name}_{where.stem}".replace("-", "_")
    spark.createDataFrame(_spark_ready(frame)).createOrReplaceTempView(view)
    raw = dict(cfg.raw)
    raw["data"] = {**{k: v for k, v in raw["data"].items() if k != "path"},
                   "engine": "spark", "table": view}
    on_spark = parse_config(raw, source=cfg.source, base_dir=cfg.base_dir)
    a = json.loads(audit(cfg).to_json())
    b = json.loads(audit(on_spark).to_json())
    assert (a["data"]["engine"], b["data"]["engine"]) == ("duckdb", "spark")
    assert differences(_comparable(a), _comparable(b)) == []


def test_spark_reads_a_parquet_path(spark, tmp_path: Path) -> None:
    """``data.path`` to Parquet files on the spark engine: Spark reads them."""
    cols = ["two_year_recid", "decile_score", "race", "sex"]
    frame = pd.read_csv(ROOT / "examples/compas/data/compas-two-years.csv", usecols=cols)
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    text = """
model: {{name: spark parquet}}
data:
  path: d.parquet
  engine: {engine}
  y_true: two_year_recid
  y_score: decile_score
  threshold: 5
protected: [{{column: race}}, {{column: sex}}]
bootstrap: 100
"""
    docs = []
    for engine in ("duckdb", "spark"):
        (tmp_path / "audit.yaml").write_text(text.format(engine=engine))
        docs.append(json.loads(audit(load_config(tmp_path / "audit.yaml")).to_json()))
    assert [d["data"]["engine"] for d in docs] == ["duckdb", "spark"]
    assert differences(*(_comparable(d) for d in docs)) == []
