"""Your own tables: a DataFrame or CSV into a :class:`Dataset` (numeric columns, one-hot categories).

:func:`prepare_table` does the reading and says what it did (:class:`PreparedTable`: rows
dropped or filled, columns dropped, warnings); :func:`from_frame` / :func:`from_csv` return
its ``dataset``. The rules:

* a CSV file is read as text; a column is **numeric** when every non-missing value is a
  number (with ``decimal=","`` read as ``3,14``), else **categorical** and one-hot encoded
  (``<col>_<level>``; at most 100 levels);
* **missing** is an empty field, Python ``None``/NaN, or a value listed in ``na_values``;
  in a numeric column the usual spellings (``NA``, ``NaN``, ``null``, ``n/a``, ...) are
  missing too, since they cannot be numbers; a categorical level spelled ``None`` or ``NA``
  stays a level;
* ``impute="drop"`` (default) drops the rows with a missing feature, ``"median"`` fills a
  numeric column with its median and a categorical one with its most frequent level, None
  refuses missing values; rows whose target is missing are always dropped; counts in the
  result and in a :class:`TableWarning`;
* a categorical column with one level per row, or with more than half of its values
  distinct, identifies rows (or is free text): it is dropped with a named warning;
* numbers written with a decimal comma, without ``decimal=","``, are refused with that hint;
  a target with two values, a column that looks like dates or consecutive row numbers get a
  warning.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from distillkit.datasets._cells import (NUMERIC_NA, clean_name, column_numbers, decimal_commas, decimal_error, is_numeric,
                                        looks_like_dates, missing_cells, na_sets, read_csv_text, row_numbers)
from distillkit.datasets._registry import DataError, Dataset

_MIN_ROWS = 10
_MAX_LEVELS = 100  # one-hot columns per categorical column; more is an ID or a broken number
_MAX_UNIQUE_SHARE = 0.5  # a text column with more distinct values than this share of rows is dropped
IMPUTE = ("drop", "median")


class TableWarning(UserWarning):
    """A table was read, but something in it deserves a word (rows dropped, a binary target...)."""


@dataclass
class PreparedTable:
    """What :func:`prepare_table` made of a table.

    ``dataset``: numeric features (one-hot categories) and target; ``frame``: the kept
    original feature columns after cleaning (numbers float64, categories as read), rows
    aligned with ``y``; ``encodings``: per kept column ``{"kind": "numeric", "columns": [col]}``
    or ``{"kind": "one-hot", "levels": [...], "columns": [...]}``; ``imputed``: values filled
    per column and ``fill_values`` the value used; ``dropped_rows``: rows dropped for a
    missing feature (``impute="drop"``) or target; ``dropped_columns``: column -> reason;
    ``warnings``: every one-line note, also issued as :class:`TableWarning`.
    """

    dataset: Dataset
    frame: pd.DataFrame
    y: pd.Series
    target: str
    encodings: dict
    impute: str | None
    imputed: dict = field(default_factory=dict)
    fill_values: dict = field(default_factory=dict)
    dropped_rows: int = 0
    dropped_target_rows: int = 0
    dropped_columns: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    def summary(self) -> dict:
        """The counts, JSON-ready (for a report)."""
        return {"impute": self.impute, "imputed": dict(self.imputed),
                "fill_values": {k: (float(v) if isinstance(v, (int, float, np.number)) else str(v))
                                for k, v in self.fill_values.items()},
                "dropped_rows": int(self.dropped_rows), "dropped_target_rows": int(self.dropped_target_rows),
                "dropped_columns": dict(self.dropped_columns), "warnings": list(self.warnings)}


def is_categorical(s: pd.Series) -> bool:
    return (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
            or isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s))


def as_numbers(s: pd.Series) -> pd.Series | None:
    """A text/object column whose every value is a number (e.g. "1.5"), as float; else None."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return None
    if any(isinstance(v, (bool, np.bool_)) for v in s):
        return None
    try:
        out = pd.to_numeric(s, errors="coerce")
    except (TypeError, ValueError, OverflowError):
        return None
    if out.isna().any() or not is_numeric(out):
        return None
    return out.astype(float)


def check_numbers_with_words(s: pd.Series, col: str) -> None:
    """Many distinct numbers plus a few words: a broken number column, which one-hot encoding
    would silently turn into one column per number (or dropping, into nothing): refused."""
    if pd.api.types.is_bool_dtype(s):
        return
    numbers = pd.to_numeric(s.astype(str), errors="coerce")
    if numbers.notna().mean() >= 0.5 and numbers.nunique() > 10:
        odd = s[numbers.isna()].astype(str).unique()[:3]
        raise DataError(
            f"Column {col!r} holds numbers and text such as {', '.join(map(repr, odd))}; "
            "replace those values (missing values? pass na_values=) or convert the column to numbers."
        )


def one_hot(s: pd.Series, col: str) -> pd.DataFrame:
    levels = s.nunique()
    check_numbers_with_words(s, col)
    if levels > _MAX_LEVELS:
        raise DataError(
            f"Column {col!r} is categorical with {levels} distinct values (more than "
            f"{_MAX_LEVELS}); one-hot encoding would add a column per value. "
            "Drop it or convert it to numbers first."
        )
    if not (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s)):
        s = s.astype(str)  # mixed types (1, "a") cannot be sorted into levels otherwise
    return pd.get_dummies(s, prefix=col, dtype=float)


# --------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------
def _check_options(impute, decimal, sep) -> None:
    if impute is not None and impute not in IMPUTE:
        raise DataError(f"impute must be one of {', '.join(IMPUTE)} (or None to refuse missing values), "
                        f"got {impute!r}")
    if decimal not in (None, ".", ","):
        raise DataError(f"decimal must be '.' or ',', got {decimal!r}")
    if decimal == "," and sep == ",":
        raise DataError("decimal=',' needs another field separator than ','; pass sep=';' (--sep ';')")


def prepare_table(data, target: str, *, sep: str | None = None, impute: str | None = "drop",
                  na_values=None, decimal: str | None = None, name: str | None = None) -> PreparedTable:
    """Read a DataFrame or a CSV path into a :class:`PreparedTable` (see the module docstring).

    Raises
    ------
    DataError
        One line: unknown or non-numeric target, too few rows, decimal commas without
        ``decimal=","``, missing values with ``impute=None``, infinite values, unsupported
        column types, categorical columns with too many levels.
    """
    _check_options(impute, decimal, sep)
    na_texts, na_numbers = na_sets(na_values)
    source = ""
    if isinstance(data, pd.DataFrame):
        df = data.copy()
        name = "custom" if name is None else name
    elif isinstance(data, (str, Path)) or hasattr(data, "__fspath__"):
        path = Path(data).expanduser()
        if not path.is_file():
            raise DataError(f"CSV file not found: {path}.")
        df = read_csv_text(path, sep, na_texts)
        name, source = (path.stem if name is None else name), str(path)
    else:
        raise DataError(f"from_frame expects a pandas DataFrame, got {type(data).__name__}.")
    if df.shape[1] == 0:
        raise DataError("The table has no columns.")
    df.columns = [clean_name(c) for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise DataError(f"Column names must be unique; duplicated: {', '.join(map(repr, dupes))}.")
    target = clean_name(target)
    if target not in df.columns:
        raise DataError(f"Target column {target!r} not found; available columns: {', '.join(df.columns)}.")
    if len(df) < _MIN_ROWS:
        raise DataError(f"Need at least {_MIN_ROWS} rows to build a dataset, got {len(df)}.")
    if df.shape[1] < 2:
        raise DataError("The frame has no feature columns besides the target.")
    df = df.reset_index(drop=True)
    notes: list[str] = []

    # the target: numbers, rows without one dropped
    y_raw = df.pop(target)
    y_miss = missing_cells(y_raw, na_texts, na_numbers)
    y_num = column_numbers(y_raw, y_miss, decimal)
    if y_num is None:
        if decimal is None and decimal_commas(y_raw, y_miss):
            raise decimal_error(target, y_raw, y_miss)
        raise DataError(f"Target column {target!r} must be numeric, got dtype {y_raw.dtype}.")
    y, extra = y_num
    y_miss = y_miss | extra
    keep = ~y_miss

    # the features: numeric or categorical, each with its missing cells
    cols: dict[str, tuple[str, pd.Series, pd.Series]] = {}
    dropped_columns: dict[str, str] = {}
    for col in df.columns:
        s = df[col]
        if not (is_numeric(s) or is_categorical(s)):
            raise DataError(f"Column {col!r} has unsupported dtype {s.dtype}; convert it to numbers or strings.")
        miss = missing_cells(s, na_texts, na_numbers)
        num = column_numbers(s, miss, decimal)
        if num is not None:
            values, extra = num
            cols[col] = ("numeric", values, miss | extra)
            continue
        if decimal is None and decimal_commas(s, miss):
            raise decimal_error(col, s, miss)
        cols[col] = ("categorical", s, miss)

    n = int(keep.sum())
    for col, (kind, values, miss) in list(cols.items()):
        present = values[keep & ~miss]
        if present.empty:
            dropped_columns[col] = "every value missing"
            notes.append(f"column {col!r} dropped: every value is missing")
            del cols[col]
            continue
        if kind == "categorical":
            check_numbers_with_words(present, col)
            dates = looks_like_dates(values, miss)
            distinct = present.astype(str).nunique() if not pd.api.types.is_bool_dtype(values) else 2
            if distinct > _MAX_UNIQUE_SHARE * n and not pd.api.types.is_bool_dtype(values):
                what = "dates" if dates else ("a row identifier" if distinct == len(present) else "free text")
                dropped_columns[col] = f"{distinct} distinct values in {len(present)} rows ({what})"
                notes.append(f"column {col!r} dropped: {distinct} distinct text values in {len(present)} rows "
                             f"look like {what}; one-hot encoding would give a column per row")
                del cols[col]
            elif dates:
                notes.append(f"column {col!r} looks like dates; it is used as {distinct} categorical levels, "
                             "not as time (convert it to numbers, e.g. days, if time matters)")
        elif row_numbers(present):
            notes.append(f"column {col!r} looks like a row number (consecutive integers, one per row); "
                         "drop it unless it means something")
    if not cols:
        raise DataError("No feature columns are left besides the target (see the dropped columns).")

    # missing feature cells: drop the rows, fill them, or refuse
    missing_by_col = {c: int((m & keep).sum()) for c, (_, _, m) in cols.items() if (m & keep).any()}
    imputed, fill_values, dropped_rows = {}, {}, 0
    if missing_by_col:
        where = ", ".join(f"{c}: {k}" for c, k in missing_by_col.items())
        if impute is None:
            raise DataError(f"Missing values (NaN) in column(s): {', '.join(missing_by_col)}; "
                            "pass impute='drop' or impute='median' (--impute), or fill them first.")
        if impute == "drop":
            any_miss = np.zeros(len(df), dtype=bool)
            for c in missing_by_col:
                any_miss |= cols[c][2].to_numpy(dtype=bool)
            dropped_rows = int((any_miss & keep.to_numpy()).sum())
            keep = keep & ~any_miss
            notes.append(f"dropped {dropped_rows} of {n} rows with missing values ({where}); "
                         "impute='median' (--impute median) fills them instead")
        else:
            for c, k in missing_by_col.items():
                kind, values, miss = cols[c]
                present = values[keep & ~miss]
                fill = float(present.median()) if kind == "numeric" else present.astype(object).mode().iloc[0]
                values = values.astype(object).where(~miss, fill) if kind != "numeric" else values.where(~miss, fill)
                if kind == "categorical" and isinstance(cols[c][1].dtype, pd.CategoricalDtype):
                    values = pd.Series(pd.Categorical(values, categories=cols[c][1].cat.categories))
                cols[c] = (kind, values, pd.Series(False, index=miss.index))
                imputed[c], fill_values[c] = k, fill
            notes.append(f"filled missing values with the column's median (numbers) or most frequent "
                         f"level (categories): {where}")
    dropped_target = int(y_miss.sum())
    if dropped_target:
        notes.insert(0, f"dropped {dropped_target} rows whose target {target!r} is missing")
    rows = keep.to_numpy(dtype=bool)
    if rows.sum() < _MIN_ROWS:
        raise DataError(f"Only {int(rows.sum())} rows are left after dropping rows with missing values "
                        f"(need {_MIN_ROWS}); pass impute='median' (--impute median) or fill them first.")

    # encode
    parts, frame, enc = [], {}, {}
    for col, (kind, values, _) in cols.items():
        v = values[rows].reset_index(drop=True)
        if kind == "numeric":
            v = v.astype(float)
            parts.append(v.rename(col).to_frame())
            enc[col] = {"kind": "numeric", "columns": [col]}
        else:
            if isinstance(values.dtype, pd.CategoricalDtype):
                v = pd.Series(pd.Categorical(v, categories=values.cat.categories))
            elif pd.api.types.is_bool_dtype(values):
                v = v.astype(bool)
            onehot = one_hot(v, col)
            parts.append(onehot)
            names = [str(c) for c in onehot.columns]
            enc[col] = {"kind": "one-hot", "levels": [c[len(col) + 1:] for c in names], "columns": names}
        frame[col] = v
    X = pd.concat(parts, axis=1).reset_index(drop=True)
    y = y[rows].astype(float).reset_index(drop=True).rename(target)
    frame = pd.DataFrame(frame)

    bad = [c for c in X.columns if not np.isfinite(X[c].to_numpy()).all()]
    if not np.isfinite(y.to_numpy()).all():
        bad.append(target)
    if bad:
        raise DataError(f"Infinite values in column(s): {', '.join(bad)}; remove them first.")
    if y.nunique() < 2:
        raise DataError(f"Target column {target!r} is constant ({y.iloc[0]:g} in every row); "
                        "there is nothing to learn.")
    if X.columns.duplicated().any():
        dup = ", ".join(sorted(set(X.columns[X.columns.duplicated()])))
        raise DataError(f"One-hot encoding produced duplicate column names ({dup}); rename columns.")
    if y.nunique() == 2:
        lo, hi = sorted(y.unique())
        notes.append(f"the target {target!r} takes only two values ({lo:g} and {hi:g}): it looks like a "
                     "class label; a regression formula will predict numbers between them")
    for note in notes:
        warnings.warn(note, TableWarning, stacklevel=3)
    ds = Dataset(name=name, X=X, y=y, description=f"User data (target {target!r}).", source=source)
    return PreparedTable(dataset=ds, frame=frame, y=y, target=target, encodings=enc, impute=impute,
                         imputed=imputed, fill_values=fill_values, dropped_rows=dropped_rows,
                         dropped_target_rows=dropped_target, dropped_columns=dropped_columns,
                         warnings=notes)


def from_frame(df: pd.DataFrame, target: str, name: str = "custom", *, impute: str | None = "drop",
               na_values=None, decimal: str | None = None) -> Dataset:
    """Wrap a DataFrame as a :class:`Dataset` (the rules: the module docstring).

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
    impute : {"drop", "median"} or None
        Rows with a missing feature are dropped (default), filled (median / most frequent
        level), or refused (None).
    na_values : text or numbers, optional
        Extra cell values read as missing (e.g. ``["?", -999]``).
    decimal : {".", ","}, optional
        ``","`` reads ``3,14`` as 3.14; without it such columns are refused with that hint.

    Raises
    ------
    DataError
        Missing, constant or non-numeric target, missing values with ``impute=None``,
        infinite values (the offending columns are named), unsupported column types,
        categorical columns with too many values, or fewer than 10 rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"from_frame expects a pandas DataFrame, got {type(df).__name__}.")
    return prepare_table(df, target, impute=impute, na_values=na_values, decimal=decimal, name=name).dataset


def from_csv(path, target: str, sep: str | None = None, name: str | None = None, *,
             impute: str | None = "drop", na_values=None, decimal: str | None = None) -> Dataset:
    """Read a CSV file and wrap it as a :class:`Dataset` (see :func:`from_frame`).

    The file is read as UTF-8 text (a byte-order mark is dropped); only empty fields (and
    ``na_values``) are missing, so a level spelled ``None`` stays a level; duplicated header
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
    impute, na_values, decimal
        As for :func:`from_frame`.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}.")
    return prepare_table(path, target, sep=sep, impute=impute, na_values=na_values, decimal=decimal,
                         name=name).dataset


__all__ = ["IMPUTE", "NUMERIC_NA", "PreparedTable", "TableWarning", "from_csv", "from_frame", "prepare_table",
           "as_numbers", "check_numbers_with_words", "clean_name", "is_categorical", "is_numeric", "one_hot"]
