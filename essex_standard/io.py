"""Reading data files: CSV or Parquet, with hashes so every result names its inputs.

Only the columns an audit needs are read (``usecols``), which keeps memory flat for wide
extracts, and protected columns are read as text so that a code such as ``01`` is not turned
into the number 1 and a blank stays missing (it becomes the group ``(missing)`` later).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, shown

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


#: A header line longer than this is not a header (a file of one huge line, a binary file
#: renamed .csv); refusing it keeps the error message and the memory small.
MAX_HEADER_CHARS = 1_000_000


def check_path(path: Path, role: str = "data", key: str = "data.path") -> str:
    """The path as shown in messages, after checking it is a readable regular file.

    A folder, a pipe or a device gets its own message: "does not exist" would send the user
    looking in the wrong place, and opening a pipe would wait for ever.
    """
    shown_path = _display(path)
    if not path.exists():
        raise DataError(f"{shown_path}: the {role} file does not exist. Check '{key}' in the "
                        "config.")
    if path.is_dir():
        raise DataError(f"{shown_path} is a folder, not a {role} file. Set '{key}' to the CSV or "
                        "Parquet file inside it.")
    if not path.is_file():
        raise DataError(f"{shown_path} is not a regular file (a pipe, socket or device); save "
                        f"the {role} as a .csv or .parquet file and name that.")
    return shown_path


def read_table(
    path: Path, columns: Iterable[str], text_columns: Iterable[str] = (), role: str = "data",
    missing_values: Iterable[str] = (), optional: Iterable[str | None] = (),
) -> pd.DataFrame:
    """Read the named columns of a CSV or Parquet file, checking each one exists.

    Only an empty cell is missing, plus the tokens in ``missing_values``
    (``data.missing_values``): pandas' own list (``None``, ``NA``, ``null``...) would turn a
    religion recorded as "None" into "not recorded".  Spaces after a separator are dropped
    in every column alike (Adult's ``", >50K"``).  ``optional`` columns are read too when the
    file has them (the reference data's outcome and score), found in the same header with the
    same separator as the required ones.  Raises :class:`DataError` naming the file and the
    problem: a missing or duplicated column, a row with the wrong number of fields (naming the
    line), an over-long header, an empty file.
    """
    import pandas as pd

    wanted = list(dict.fromkeys(columns))
    text = set(text_columns)
    tokens = list(dict.fromkeys(["", *missing_values]))
    shown_path = check_path(path, role, "data.path" if role == "data" else "data.reference")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(
            f"{shown_path}: cannot read {shown(suffix or 'no extension')} files; save the {role} "
            "as .csv or .parquet."
        )
    if path.stat().st_size == 0:
        raise DataError(f"{shown_path}: the {role} file is empty; it needs a header row and "
                        "data rows.")
    try:
        if suffix == ".csv":
            sep, header = read_header(path, shown_path, role)
            _check_columns(shown_path, wanted, header, role)
            check_field_counts(path, sep, len(header), shown_path, role)
            wanted += [c for c in dict.fromkeys(optional) if c and c in header and c not in wanted]
            frame = pd.read_csv(
                path,
                sep=sep,
                usecols=wanted,
                dtype={c: "string" for c in wanted if c in text},
                encoding="utf-8-sig",
                low_memory=False,
                keep_default_na=False,
                na_values=tokens,
                skipinitialspace=True,
            )
        else:
            try:
                import pyarrow.parquet as pq
            except ImportError:  # pragma: no cover - depends on the environment
                raise DataError(
                    f"{shown_path}: reading Parquet needs pyarrow: "
                    "pip install 'essex-standard[parquet]'."
                ) from None
            names = pq.read_schema(path).names
            _check_columns(shown_path, wanted, names, role)
            twice = [c for c in wanted if names.count(c) > 1]
            if twice:
                raise DataError(f"{shown_path}: the column name {shown(twice[0], 40)} appears "
                                "more than once. Rename one; the audit will not guess which one "
                                "is meant.")
            wanted += [c for c in dict.fromkeys(optional) if c and c in names and c not in wanted]
            frame = pd.read_parquet(path, columns=wanted)
            for c in text:
                if c in frame:
                    frame[c] = frame[c].astype("string")
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown_path}: the {role} file is empty; it needs a header and rows.") \
            from None
    except UnicodeDecodeError:
        raise DataError(
            f"{shown_path}: the {role} file is not UTF-8 text. Re-save it as UTF-8 CSV (in "
            "Excel: 'CSV UTF-8'), or as Parquet."
        ) from None
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise DataError(f"{shown_path}: could not read the {role} file: "
                        f"{shown(str(exc), 300)}.") from None
    if len(frame) == 0:
        raise DataError(f"{shown_path}: the {role} file has a header but no rows.")
    return frame


def read_header(path: Path, shown_path: str, role: str = "data") -> tuple[str, list[str]]:
    """The separator and column names of a CSV file, refusing an over-long header line and
    duplicated names (pandas would silently rename the second ``score`` to ``score.1`` and
    audit the first)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        line = fh.readline(MAX_HEADER_CHARS + 1)
    if len(line) > MAX_HEADER_CHARS:
        raise DataError(
            f"{shown_path}: the first line of the {role} file is longer than "
            f"{MAX_HEADER_CHARS:,} characters, so it is not a header row. Check that this is a "
            "CSV file with column names on its first line."
        )
    sep = _separator(line)
    names = next(csv.reader([line.rstrip("\r\n")], delimiter=sep, skipinitialspace=True), [])
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen and name.strip():
            raise DataError(
                f"{shown_path}: the column name {shown(name, 40)} appears twice in the header "
                f"(columns {seen[name] + 1} and {i + 1}). Rename one; the audit will not guess "
                "which one is meant."
            )
        seen[name] = i
    return sep, names


def check_field_counts(path: Path, sep: str, expected: int, shown_path: str,
                       role: str = "data") -> None:
    """Refuse a row whose number of fields differs from the header's.

    An unquoted comma inside a value shifts every later field of its row: pandas would
    quietly read part of a name as someone's ethnicity and make a one-person group.  Files
    without quotes are checked with numpy (fast); others with the csv module.
    """
    with open(path, "rb") as fh:
        sample = fh.read(1 << 16)
        fh.seek(0)
        quoted = b'"' in sample
        if not quoted:
            bad = _count_fields_fast(fh, sep.encode("ascii"), expected)
            if bad is None:
                return
            if bad[0] != -1:
                _ragged(shown_path, role, *bad, expected)
                return
    # Quotes somewhere: parse properly (slower, but exact about quoted separators).
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, skipinitialspace=True)
        next(reader, None)
        for row in reader:
            if row and len(row) != expected and any(cell.strip() for cell in row):
                _ragged(shown_path, role, reader.line_num, len(row), expected)


def _count_fields_fast(fh, sep: bytes, expected: int) -> tuple[int, int] | None:
    """(line, fields) of the first bad row; ``None`` if all rows are fine; (-1, 0) if a quote
    appears later in the file (the caller then parses properly)."""
    import numpy as np

    carry = b""
    line_no = 0
    first = True
    while True:
        chunk = fh.read(1 << 23)
        if not chunk and not carry:
            return None
        if b'"' in chunk:
            return (-1, 0)
        data = carry + chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            data, carry = data[:cut], data[cut:]
        else:
            carry = b""
            if not data.endswith(b"\n"):
                data += b"\n"
        arr = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        before = np.searchsorted(np.flatnonzero(arr == sep[0]), ends)  # separators before
        counts = np.diff(before, prepend=0) + 1
        starts = np.concatenate(([0], ends[:-1] + 1))
        skip = 0
        if first:  # the header line is the first line of the first chunk
            skip, line_no, first = 1, 1, False
        for i in np.flatnonzero(counts[skip:] != expected).tolist():
            j = i + skip
            if data[starts[j]:ends[j]].strip():  # whitespace-only lines are skipped, as pandas does
                return (line_no + i + 1, int(counts[j]))
        counts = counts[skip:]
        line_no += len(counts)


def _ragged(shown_path: str, role: str, line: int, fields: int, expected: int) -> None:
    why = ("an unquoted separator inside a value (e.g. \"Smith, J\" needs quotes)"
           if fields > expected else "a missing value or a line broken in two")
    raise DataError(
        f"{shown_path}: line {line:,} of the {role} file has {fields} field(s) but the header "
        f"has {expected}; most likely {why}. Fix that line: the audit will not guess which "
        "value belongs to which column."
    )


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
        header = fh.readline(MAX_HEADER_CHARS)
    return _separator(header)


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] > 0 else ","


def _check_columns(where: str, wanted: list[str], present: list[str], role: str) -> None:
    import difflib

    for col in wanted:
        if col not in present:
            close = difflib.get_close_matches(col, present[:1000], n=1)
            hint = f" Did you mean {shown(close[0], 40)}?" if close else ""
            listed = ", ".join(shown(p, 40) for p in present[:30]) + \
                (" ..." if len(present) > 30 else "")
            raise DataError(
                f"{where}: there is no column {shown(col, 40)}.{hint} The columns are: {listed}. "
                + (
                    "Fix the column name in the config."
                    if role == "data"
                    else f"The {role} file needs the same columns as the data file."
                )
            )
