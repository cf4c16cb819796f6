"""Your own tables: a DataFrame or CSV into a :class:`Dataset` (numeric columns, one-hot categories)."""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
import os
import re
import urllib.error
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pooch
from sklearn.model_selection import train_test_split

from distillkit.datasets._registry import DataError, Dataset

# --------------------------------------------------------------------------
# User data
# --------------------------------------------------------------------------
_MIN_ROWS = 10
_MAX_LEVELS = 100  # one-hot columns per categorical column; more is an ID or a broken number


def _is_numeric(s: pd.Series) -> bool:
    # bool is "numeric" to pandas but is treated as categorical here; complex is unsupported.
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and not pd.api.types.is_complex_dtype(s))


def _is_categorical(s: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s)
    )


def _as_numbers(s: pd.Series) -> pd.Series | None:
    """A text/object column whose every value is a number (e.g. "1.5"), as float; else None."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return None
    if any(isinstance(v, (bool, np.bool_)) for v in s):
        return None
    try:
        out = pd.to_numeric(s, errors="coerce")
    except (TypeError, ValueError, OverflowError):
        return None
    if out.isna().any() or not _is_numeric(out):
        return None
    return out.astype(float)


def _clean_name(c) -> str:
    # a UTF-8 byte-order mark or stray blanks would hide a column's name
    return str(c).replace("\ufeff", "").strip()


def _one_hot(s: pd.Series, col: str) -> pd.DataFrame:
    levels = s.nunique()
    if not pd.api.types.is_bool_dtype(s):
        numbers = pd.to_numeric(s.astype(str), errors="coerce")
        # many distinct numbers plus a few words ("?", "n/a"): a broken number column,
        # which one-hot encoding would silently turn into one column per number
        if numbers.notna().mean() >= 0.5 and numbers.nunique() > 10:
            odd = s[numbers.isna()].astype(str).unique()[:3]
            raise DataError(
                f"Column {col!r} holds numbers and text such as {', '.join(map(repr, odd))}; "
                "replace those values (missing values?) or convert the column to numbers."
            )
    if levels > _MAX_LEVELS:
        raise DataError(
            f"Column {col!r} is categorical with {levels} distinct values (more than "
            f"{_MAX_LEVELS}); one-hot encoding would add a column per value. "
            "Drop it or convert it to numbers first."
        )
    if not (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s)):
        s = s.astype(str)  # mixed types (1, "a") cannot be sorted into levels otherwise
    return pd.get_dummies(s, prefix=col, dtype=float)


def from_frame(df: pd.DataFrame, target: str, name: str = "custom") -> Dataset:
    """Wrap a DataFrame as a :class:`Dataset`.

    Numeric columns are kept (as float), as are text columns whose every value is a
    number; other object, string, category and bool columns are one-hot encoded in
    place (``<col>_<value>``, float 0/1; at most 100 values per column). Column names
    lose a UTF-8 byte-order mark and surrounding blanks.

    Parameters
    ----------
    df : pandas.DataFrame
        Features and target.
    target : str
        Name of the numeric target column.
    name : str
        Name given to the dataset.

    Raises
    ------
    DataError
        Missing, constant or non-numeric target, NaN/inf values (the offending
        columns are named), unsupported column types, categorical columns with
        too many values, or fewer than 10 rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"from_frame expects a pandas DataFrame, got {type(df).__name__}.")
    if df.shape[1] == 0:
        raise DataError("The table has no columns.")
    df = df.copy()
    df.columns = [_clean_name(c) for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise DataError(f"Column names must be unique; duplicated: {', '.join(map(repr, dupes))}.")
    target = _clean_name(target)
    if target not in df.columns:
        raise DataError(
            f"Target column {target!r} not found; available columns: {', '.join(df.columns)}."
        )
    if len(df) < _MIN_ROWS:
        raise DataError(f"Need at least {_MIN_ROWS} rows to build a dataset, got {len(df)}.")
    if df.shape[1] < 2:
        raise DataError("The frame has no feature columns besides the target.")

    nan_cols = [c for c in df.columns if df[c].isna().any()]
    if nan_cols:
        raise DataError(
            f"Missing values (NaN) in column(s): {', '.join(nan_cols)}; drop or impute them first."
        )
    y = df.pop(target)
    y_num = _as_numbers(y)
    if y_num is not None:
        y = y_num
    if not _is_numeric(y):
        raise DataError(f"Target column {target!r} must be numeric, got dtype {y.dtype}.")

    parts = []
    for col in df.columns:
        s = df[col]
        numbers = _as_numbers(s)
        if _is_numeric(s):
            parts.append(s.astype(float).to_frame())
        elif numbers is not None:
            parts.append(numbers.to_frame())
        elif _is_categorical(s):
            parts.append(_one_hot(s, col))
        else:
            raise DataError(
                f"Column {col!r} has unsupported dtype {s.dtype}; convert it to numbers or strings."
            )
    X = pd.concat(parts, axis=1).reset_index(drop=True)
    y = y.astype(float).reset_index(drop=True)

    bad = [c for c in X.columns if not np.isfinite(X[c].to_numpy()).all()]
    if not np.isfinite(y.to_numpy()).all():
        bad.append(target)
    if bad:
        raise DataError(f"Infinite values in column(s): {', '.join(bad)}; remove them first.")
    if y.nunique() < 2:
        raise DataError(
            f"Target column {target!r} is constant ({y.iloc[0]:g} in every row); "
            "there is nothing to learn."
        )
    if X.columns.duplicated().any():
        dup = ", ".join(sorted(set(X.columns[X.columns.duplicated()])))
        raise DataError(f"One-hot encoding produced duplicate column names ({dup}); rename columns.")
    return Dataset(name=name, X=X, y=y, description=f"User data (target {target!r}).", source="")


def from_csv(path, target: str, sep: str | None = None, name: str | None = None) -> Dataset:
    """Read a CSV file and wrap it as a :class:`Dataset` (see :func:`from_frame`).

    The file is read as UTF-8 (a byte-order mark is dropped); duplicated header
    names are an error rather than pandas' silent ``x.1`` renaming.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.
    target : str
        Name of the target column.
    sep : str or None
        Field separator; None sniffs it (``,``, ``;``, tab, ...).
    name : str or None
        Dataset name; defaults to the file's stem.
    """
    import csv

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}.")
    try:
        blank = not path.read_bytes()[:65536].replace(b"\xef\xbb\xbf", b"").strip()
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    if blank:
        raise DataError(f"{path} is empty; a CSV file with a header row is needed.")
    try:
        kw = dict(sep=None, engine="python") if sep is None else dict(sep=sep)
        df = pd.read_csv(path, encoding="utf-8-sig", **kw)
        header = pd.read_csv(path, encoding="utf-8-sig", header=None, nrows=1, dtype=str, **kw)
    except csv.Error as exc:
        raise DataError(
            f"Could not tell the field separator of {path} ({exc}); pass it with sep= (--sep)."
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse {path} as CSV: {first}.") from exc
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    names = [_clean_name(c) for c in header.iloc[0].fillna("").tolist()] if len(header) else []
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DataError(f"{path}: duplicated column name(s) in the header: {', '.join(map(repr, dupes))}.")
    ds = from_frame(df, target=target, name=name if name is not None else path.stem)
    return replace(ds, source=str(path))


