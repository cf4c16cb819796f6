"""How the book shows numbers: glue, data-set names, λ as text, styled tables.

Nothing here computes a result; a chapter module's tables and verdicts do.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from distillkit.experiments import paper
from distillkit.vocab import SR_READINGS

PAPER = "paper"


def glue(name: str, value) -> None:
    """``myst_nb.glue(name, value, display=False)`` with numpy scalars made plain Python.

    (numpy 2 writes ``np.float64(0.5)`` as its text form, which ``{glue:text}`` cannot format.)
    """
    from myst_nb import glue as _glue

    if isinstance(value, np.bool_):
        value = bool(value)
    elif isinstance(value, np.integer):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    _glue(name, value, display=False)


def name_of(dataset: str) -> str:
    """The paper's display name of a data set ("concrete" -> "Concrete Strength")."""
    return paper.NAMES.get(dataset, dataset)


def ours_label(reading: str) -> str:
    """The label of our numbers under one SR reading, as used in every table."""
    return f"ours ({reading})"


def fmt_lam(lam) -> str:
    """λ as text: 0, 0.001, 0.5; 'none' for NaN."""
    if lam is None or not np.isfinite(lam):
        return "none"
    return f"{float(lam):g}"


def glue_by_reading(prefix: str, values: dict, readings=SR_READINGS) -> None:
    """Glue ``values[r]`` as ``{prefix}_{r}`` for every SR reading (NaN where missing),
    so a chapter's prose never refers to a missing key when run with fewer readings."""
    for r in readings:
        glue(f"{prefix}_{r}", values.get(r, math.nan))


def _column_format(name, precision: int):
    """A formatter for one table column, chosen by its name."""
    text = " ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    if "%" in text:
        return "{:.1f}"
    if "×" in text or "median s" in text or "seconds" in text:
        return "{:.3g}"
    if "R²" in text:  # an R² column whatever λ its name mentions ("student R² (λ=0)")
        return f"{{:.{precision}f}}"
    if "λ" in text and "values" not in text:
        return lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt_lam(v)
    if any(k in text for k in ("leaves", "nodes", "complexity", "values")):
        return "{:.3g}"
    return f"{{:.{precision}f}}"


def styled(df: pd.DataFrame, precision: int = 3, caption: str | None = None, highlight_paper: bool = True,
           fmt: str | None = None):
    """A pandas Styler: per-column formats (λ as 0.001, % with one decimal, R² with
    ``precision`` decimals; or ``fmt`` for every column; one precision per column), blank
    NaNs, data-set names as the paper writes them, no pandas row numbers, the paper's rows
    shaded."""
    df = paper_names(df)
    formats = {c: fmt or ("{:d}" if pd.api.types.is_integer_dtype(df[c]) else _column_format(c, precision))
               for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}  # counts as counts
    sty = df.style.format(formats, na_rep="")
    if isinstance(df.index, pd.RangeIndex):  # pandas row numbers are no data: hide them
        sty = sty.hide(axis="index")
    if isinstance(df.index, pd.MultiIndex) or df.index.dtype.kind == "f":
        sty = sty.format_index(lambda v: fmt_lam(v) if isinstance(v, float) else v, axis=0)
    if caption:
        sty = sty.set_caption(caption)
    if highlight_paper and isinstance(df.index, pd.MultiIndex) and "source" in df.index.names:
        def shade(row):
            src = row.name[df.index.names.index("source")]
            return ["background-color: #f0f0f0" if src == PAPER else "" for _ in row]
        sty = sty.apply(shade, axis=1)
    return sty


def paper_names(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with data-set keys ("concrete") written as the paper does ("Concrete Strength"),
    in a ``dataset`` column or index level; names already written so are left alone."""
    out = df
    if "dataset" in df.columns and not pd.api.types.is_numeric_dtype(df["dataset"]):
        out = df.assign(dataset=df["dataset"].map(lambda v: name_of(v) if isinstance(v, str) else v))
    names = list(out.index.names)
    if "dataset" in names:
        out = out.copy()
        if isinstance(out.index, pd.MultiIndex):
            i = names.index("dataset")
            out.index = out.index.set_levels(out.index.levels[i].map(lambda v: name_of(v) if isinstance(v, str) else v),
                                             level=i, verify_integrity=False)
        else:
            out.index = out.index.map(lambda v: name_of(v) if isinstance(v, str) else v).rename("dataset")
    return out

