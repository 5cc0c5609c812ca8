"""Reading data files: CSV or Parquet, with hashes so every result names its inputs.

Only the columns an audit needs are read (``usecols``), which keeps memory flat for wide
extracts, and protected columns are read as text so that a code such as ``01`` is not turned
into the number 1 and a blank stays missing (it becomes the group ``(missing)`` later).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SUPPORTED = (".csv", ".parquet", ".pq")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks (a 1 GB extract must not be loaded twice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_table(
    path: Path,
    columns: Iterable[str],
    text_columns: Iterable[str] = (),
    role: str = "data",
    optional: Iterable[str | None] = (),
) -> pd.DataFrame:
    """Read the named columns of a CSV or Parquet file, checking each one exists.

    ``optional`` columns are read too when the file has them (the reference data's outcome and
    score), found in the same header with the same separator as the required ones.

    Raises :class:`DataError` naming the file and the missing column (with the columns that do
    exist), or saying the file is empty.
    """
    import pandas as pd

    wanted = list(dict.fromkeys(columns))
    text = set(text_columns)
    shown = _display(path)
    if not path.is_file():
        raise DataError(
            f"{shown}: the {role} file does not exist. Check 'data.path' in the config."
        )
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(
            f"{shown}: cannot read '{suffix or 'no extension'}' files; save the {role} as .csv "
            "or .parquet."
        )
    if path.stat().st_size == 0:
        raise DataError(f"{shown}: the {role} file is empty; it needs a header row and data rows.")
    try:
        if suffix == ".csv":
            sep = sniff_separator(path)
            header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", sep=sep).columns
            _check_columns(shown, wanted, list(header), role)
            wanted += [c for c in dict.fromkeys(optional) if c and c in header and c not in wanted]
            frame = pd.read_csv(
                path,
                sep=sep,
                usecols=wanted,
                dtype={c: "string" for c in wanted if c in text},
                encoding="utf-8-sig",
                low_memory=False,
            )
        else:
            try:
                import pyarrow.parquet as pq
            except ImportError:  # pragma: no cover - depends on the environment
                raise DataError(
                    f"{shown}: reading Parquet needs pyarrow: "
                    "pip install 'essex-standard[parquet]'."
                ) from None
            names = pq.read_schema(path).names
            _check_columns(shown, wanted, names, role)
            wanted += [c for c in dict.fromkeys(optional) if c and c in names and c not in wanted]
            frame = pd.read_parquet(path, columns=wanted)
            for c in text:
                if c in frame:
                    frame[c] = frame[c].astype("string")
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown}: the {role} file is empty; it needs a header and rows.") from None
    except UnicodeDecodeError:
        raise DataError(
            f"{shown}: the {role} file is not UTF-8 text. Re-save it as UTF-8 CSV (in Excel: "
            "'CSV UTF-8'), or as Parquet."
        ) from None
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise DataError(f"{shown}: could not read the {role} file: {exc}.") from None
    if len(frame) == 0:
        raise DataError(f"{shown}: the {role} file has a header but no rows.")
    return frame


SEPARATORS = (",", ";", "\t", "|")


def sniff_separator(path: Path) -> str:
    r"""The field separator of a CSV file, judged from its header line.

    Spreadsheets in much of Europe save "CSV" with semicolons, and extracts from case systems
    often use tabs or pipes; the separator most frequent in the header wins, comma on a tie.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("outcome;risk;sex\n1;0.5;F\n")
    >>> sniff_separator(Path(f.name)); os.unlink(f.name)
    ';'
    """
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] > 0 else ","


def _check_columns(shown: str, wanted: list[str], present: list[str], role: str) -> None:
    import difflib

    for col in wanted:
        if col not in present:
            close = difflib.get_close_matches(col, present, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            listed = ", ".join(present[:30]) + (" ..." if len(present) > 30 else "")
            raise DataError(
                f"{shown}: there is no column '{col}'.{hint} The columns are: {listed}. "
                + (
                    "Fix the column name in the config."
                    if role == "data"
                    else f"The {role} file needs the same columns as the data file."
                )
            )
