"""Shared fixtures: the repository's bundled data (tests never read ../shared)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPAS_DIR = ROOT / "examples" / "compas"
CSC_DIR = ROOT / "examples" / "childrens-social-care"


@pytest.fixture(scope="session")
def compas_df() -> pd.DataFrame:
    """ProPublica COMPAS two-year data (7,214 rows) with y_pred = decile_score >= 5."""
    df = pd.read_csv(COMPAS_DIR / "data" / "compas-two-years.csv")
    df["y_pred"] = (df["decile_score"] >= 5).astype(int)
    return df


@pytest.fixture(scope="session")
def compas_result():
    """The bundled COMPAS audit, run once per test session."""
    import essex_standard

    return essex_standard.audit(COMPAS_DIR / "audit.yaml")


@pytest.fixture(scope="session")
def csc_result():
    """The bundled children's social care audit, run once per test session."""
    import essex_standard

    return essex_standard.audit(CSC_DIR / "audit.yaml")
