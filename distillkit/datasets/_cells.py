"""Reading the cells of a user table: what is missing, what is a number (with a decimal
comma or not), what looks like dates or row numbers; the CSV file read as text. Used by
:mod:`distillkit.datasets._tables`."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from distillkit.datasets._registry import DataError

MIN_ROWS = 10
#: spellings read as missing in a NUMERIC column (they cannot be numbers); never in a categorical one
NUMERIC_NA = frozenset({"na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "nat", "-", "?", "."})
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")
INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
DATE_TEXT = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2})?)?$")


def na_sets(na_values) -> tuple[set, set]:
    """``na_values`` as (texts, numbers)."""
    if na_values is None:
        return set(), set()
    items = [na_values] if isinstance(na_values, (str, int, float)) else list(na_values)
    texts, numbers = set(), set()
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (str, int, float, np.number)):
            raise DataError(f"na_values must be text or numbers, got {v!r}")
        texts.add(str(v).strip())
        try:
            numbers.add(float(v))
        except ValueError:
            pass
    return texts, numbers


def missing_cells(s: pd.Series, na_texts: set, na_numbers: set) -> pd.Series:
    """True where a cell is missing: None/NaN/empty text, or listed in ``na_values``."""
    miss = s.isna()
    if is_numeric(s):
        if na_numbers:
            miss |= s.isin(na_numbers)
        return miss
    if pd.api.types.is_bool_dtype(s):
        return miss
    text = s.map(lambda v: v.strip() if isinstance(v, str) else None)
    miss |= text.eq("")
    if na_texts:
        miss |= s.map(lambda v: (v.strip() if isinstance(v, str) else str(v)) in na_texts)
    return miss.astype(bool)


def column_numbers(s: pd.Series, miss: pd.Series, decimal: str | None):
    """(float values with NaN where missing, extra missing mask) when every present cell is a
    number (numeric-column NA spellings count as missing), else None."""
    if is_numeric(s):
        return s.astype(float).where(~miss), pd.Series(False, index=s.index)
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return None
    present = s[~miss]
    if any(isinstance(v, (bool, np.bool_)) for v in present):
        return None
    def norm(v):
        if not isinstance(v, str):
            return v
        v = v.strip()
        return v.replace(",", ".") if decimal == "," else v
    text = present.map(norm)
    try:
        nums = pd.to_numeric(text, errors="coerce")
    except (TypeError, ValueError, OverflowError):
        return None
    if not is_numeric(nums) or pd.api.types.is_complex_dtype(nums):
        return None
    bad = nums.isna()
    words = text[bad].map(lambda v: str(v).strip().lower())
    if bad.all() or not words.isin(NUMERIC_NA).all():
        return None
    extra = pd.Series(False, index=s.index)
    extra[bad[bad].index] = True
    out = pd.Series(np.nan, index=s.index, dtype=float)
    out[present.index] = nums.astype(float)
    return out, extra


def decimal_commas(s: pd.Series, miss: pd.Series) -> bool:
    """Every present cell an integer or a decimal-comma number (``3,14``), at least one the latter."""
    text = s[~miss]
    if not len(text) or not all(isinstance(v, str) for v in text):
        return False
    text = text.str.strip()
    comma = text.str.match(DECIMAL_COMMA)
    return bool(comma.any() and (comma | text.str.match(INTEGER_TEXT)).all())


def decimal_error(col: str, s: pd.Series, miss: pd.Series) -> DataError:
    example = next(v for v in s[~miss] if isinstance(v, str) and DECIMAL_COMMA.match(v.strip()))
    return DataError(
        f"Column {col!r} holds numbers written with a decimal comma (e.g. {example.strip()!r}); "
        "pass decimal=',' (--decimal ,) to read them as numbers.")


def looks_like_dates(s: pd.Series, miss: pd.Series) -> bool:
    text = s[~miss]
    if not len(text) or not all(isinstance(v, str) for v in text):
        return False
    return bool(text.str.strip().str.match(DATE_TEXT).mean() >= 0.8)


def row_numbers(values: pd.Series) -> bool:
    """Consecutive integers, one per row (an index written into the file)."""
    v = values.dropna().to_numpy()
    if len(v) < MIN_ROWS or not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
        return False
    v = np.sort(v)
    return bool(np.all(np.diff(v) == 1))


def read_csv_text(path: Path, sep: str | None, na_texts: set) -> pd.DataFrame:
    """Every cell as text; only empty fields (and ``na_values``) are missing."""
    import csv

    try:
        blank = not path.read_bytes()[:65536].replace(b"\xef\xbb\xbf", b"").strip()
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    if blank:
        raise DataError(f"{path} is empty; a CSV file with a header row is needed.")
    try:
        kw = dict(sep=None, engine="python") if sep is None else dict(sep=sep)
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False,
                         na_values=[""] + sorted(na_texts), **kw)
        header = pd.read_csv(path, encoding="utf-8-sig", header=None, nrows=1, dtype=str,
                             keep_default_na=False, **kw)
    except csv.Error as exc:
        raise DataError(
            f"Could not tell the field separator of {path} ({exc}); pass it with sep= (--sep)."
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse {path} as CSV: {first}.") from exc
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    names = [clean_name(c) for c in header.iloc[0].tolist()] if len(header) else []
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DataError(f"{path}: duplicated column name(s) in the header: {', '.join(map(repr, dupes))}.")
    return df




def clean_name(c) -> str:
    """A column name without a UTF-8 byte-order mark or surrounding blanks."""
    return str(c).replace("\ufeff", "").strip()


def is_numeric(s: pd.Series) -> bool:
    """Numbers, not bool (a category here) and not complex (unsupported)."""
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and not pd.api.types.is_complex_dtype(s))
