"""Is a verdict's baseline worth comparing against? The competence rule.

Every verdict that compares a λ > 0 result with its λ = 0 *reference* (the teacher, the
SR student, or the tree student) assumes the reference learned the data. A teacher that
never fitted the target cannot "degrade"; a student that failed at λ = 0 makes any λ
look like an improvement. So, before a cell counts as evidence, its reference must be
*competent*: its test R² at λ = 0 is at most :data:`TOLERANCE` below its yardstick
(one-sided: a reference better than its yardstick is competent).

The yardsticks, held once in :data:`RULES`:

``teacher``  the standardized-target teacher at λ = 0 on the same data set and seed
             (the book's reference pipeline, so that teacher is competent by
             definition; the rule screens the other arms, e.g. chapter 08's
             alternative target scaling);
``student``  the paper's λ = 0 SR student (Table 2), compared with the *seed mean* of
             ours per (SR reading, data set), so that a data set's seeds are kept or
             left out together (screening single seeds on a noisy baseline would bias
             the improvement they are the baseline of);
``tree``     the paper's standard 32-leaf tree (Table 3), seed mean as for ``student``;
``noisy``    at label-noise level α, the paper's λ = 0 student at that α (Table 9).

A data set the paper does not report has no yardstick and is kept (``"no yardstick"``).
Cells that fail are shown, marked and left out of the verdict; :func:`left_out_note`
writes the sentence every evidence string carries.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from distillkit.experiments import paper
from distillkit.book.show import name_of

#: how far (R²) a λ = 0 reference may fall below its yardstick and still count
TOLERANCE = 0.05

#: reference kind -> the yardstick it is held to (the text the book prints)
RULES = {
    "teacher": "the standardized-target teacher at λ = 0 on the same data set and seed",
    "student": "the paper's λ = 0 SR student (Table 2), seed mean of ours",
    "tree": "the paper's standard 32-leaf tree student (Table 3), seed mean of ours",
    "noisy": "the paper's λ = 0 SR student at the same label-noise level (Table 9)",
}


def yardstick(kind: str, dataset: str | None = None, noise: float = 0.0) -> float:
    """The paper's value a ``kind`` reference is held to; NaN where the paper has none.

    ``teacher`` has no paper yardstick (its yardstick is our standardized teacher, see
    :func:`teacher_competence`), so it returns NaN.
    """
    if kind not in RULES:
        raise ValueError(f"unknown reference kind {kind!r}; choose one of {sorted(RULES)}")
    if kind == "student":
        t = paper.TABLE2[paper.TABLE2.dataset == dataset]
        return float(t.student_r2_standard.iloc[0]) if len(t) else math.nan
    if kind == "tree":
        t = paper.TABLE3[(paper.TABLE3.dataset == dataset) & (paper.TABLE3.teacher == "standard")]
        return float(t.tree_r2.iloc[0]) if len(t) else math.nan
    if kind == "noisy":
        t = paper.TABLE9[np.isclose(paper.TABLE9.noise, float(noise))]
        return float(t.student_r2_standard.iloc[0]) if len(t) else math.nan
    return math.nan


def competent(r2, reference, tol: float = TOLERANCE):
    """True where ``r2 >= reference - tol``; a NaN reference (no yardstick) counts as
    competent, a NaN or infinite ``r2`` (a blown-up reference) does not.

    Works elementwise on arrays and Series; a scalar pair gives a bool.
    """
    if isinstance(tol, bool) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    r2 = np.asarray(r2, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    ok = np.isnan(ref) | (np.isfinite(r2) & (r2 >= ref - tol))
    return bool(ok) if ok.ndim == 0 else ok


def teacher_competence(records: pd.DataFrame, tol: float = TOLERANCE) -> pd.DataFrame:
    """Per (target scaling, data set, seed): the λ = 0 teacher against the standardized one.

    ``records`` are sweep records with ``scale_target``, ``dataset``, ``seed``, ``lam``
    and ``teacher_r2``. Returns one row per (scale_target, dataset, seed) with
    ``teacher_r2`` (λ = 0), ``yardstick`` (the standardized teacher at λ = 0, same data
    set and seed; NaN if that was not run) and ``competent``. Standardized rows are
    their own yardstick, hence competent.
    """
    df = records.copy()
    if "scale_target" not in df:
        df["scale_target"] = True
    df["teacher_r2"] = pd.to_numeric(df["teacher_r2"], errors="coerce").astype(float)
    base = (df[np.isclose(df["lam"].astype(float), 0.0)]
            .drop_duplicates(["scale_target", "dataset", "seed"])
            [["scale_target", "dataset", "seed", "teacher_r2"]])
    std = base[base.scale_target.map(_is_standardized)].set_index(["dataset", "seed"]).teacher_r2
    keys = list(zip(base.dataset, base.seed))
    base["yardstick"] = [float(std.get(k, math.nan)) for k in keys]
    base["competent"] = competent(base.teacher_r2.to_numpy(), base.yardstick.to_numpy(), tol)
    return base.reset_index(drop=True)


def _is_standardized(scale) -> bool:
    """``scale_target`` True (or the equivalent number 1) is the standardized target."""
    if isinstance(scale, (bool, np.bool_)):
        return bool(scale)
    return isinstance(scale, (int, float, np.number)) and float(scale) == 1.0


def reference_competence(table: pd.DataFrame, kind: str, value: str, tol: float = TOLERANCE,
                         by=("sr_reading", "dataset")) -> pd.DataFrame:
    """Seed-mean λ = 0 reference per group of ``by`` against the paper's yardstick.

    ``table`` holds one row per (group, seed) or already seed means, with ``value`` the
    reference's test R² at λ = 0 (e.g. the student at λ = 0) and, for ``kind="noisy"``,
    a ``noise`` column among ``by``. Returns ``by`` + ``reference_r2``, ``yardstick``,
    ``competent``.
    """
    by = [b for b in by if b in table]
    g = (table.assign(**{value: pd.to_numeric(table[value], errors="coerce").astype(float)})
         .groupby(by, sort=False)[value].mean().reset_index().rename(columns={value: "reference_r2"}))
    g["yardstick"] = [yardstick(kind, r.get("dataset"), r.get("noise", 0.0)) for r in g.to_dict("records")]
    g["competent"] = competent(g.reference_r2.to_numpy(), g.yardstick.to_numpy(), tol)
    return g


def left_out_note(n_out: int, n_all: int, what: str = "cells", kind: str = "teacher",
                  tol: float = TOLERANCE) -> str:
    """The sentence each evidence string carries: how many were left out, by which rule."""
    who = {"noisy": "student", "tree": "tree student"}.get(kind, kind)
    return (f"{n_out} of {n_all} {what} left out because their λ = 0 {who} was not competent "
            f"(more than {tol:g} R² below {RULES[kind]})")


__all__ = ["TOLERANCE", "RULES", "yardstick", "competent", "teacher_competence",
           "reference_competence", "left_out_note"]


# the competence rule on a sweep's λ = 0 references
#: reference kind -> (key columns of a cell, what one cell is called in the evidence)
COMPETENCE_CELLS = {
    "teacher": (("dataset",), "data sets"),
    "student": (("sr_reading", "dataset"), "(reading, data set) cells"),
    "tree": (("dataset",), "data sets"),
    "noisy": (("sr_reading", "noise"), "(reading, noise level) cells"),
}


def competence_table(sweep: pd.DataFrame, kind: str = "student",
                     tol: float = TOLERANCE) -> pd.DataFrame:
    """The λ = 0 references of a sweep screened by the competence rule, one row per cell.

    ``kind`` (see :data:`distillkit.book.competence.RULES`): ``"teacher"`` per data set (a data
    set counts if its λ = 0 teacher is competent on every seed); ``"student"`` per (SR
    reading, data set), noise-free rows; ``"tree"`` per data set, noise-free rows;
    ``"noisy"`` per (SR reading, noise level) of the paper's label-noise data set.
    Columns: the cell's keys, ``reference_r2``, ``yardstick``, ``competent``.
    """
    if kind not in COMPETENCE_CELLS:
        raise ValueError(f"unknown reference kind {kind!r}; choose one of {sorted(COMPETENCE_CELLS)}")
    df = sweep.copy()
    if "noise" not in df:
        df["noise"] = 0.0
    lam0 = df[np.isclose(df["lam"].astype(float), 0.0)]
    clean = lam0[np.isclose(lam0.noise.astype(float), 0.0)]
    if kind == "teacher":
        t = teacher_competence(clean, tol)
        return (t.groupby("dataset", sort=False)
                .agg(reference_r2=("teacher_r2", "mean"), yardstick=("yardstick", "mean"),
                     competent=("competent", "all")).reset_index())
    if kind == "student":
        return reference_competence(clean, "student", "student_r2", tol, by=("sr_reading", "dataset"))
    if kind == "tree":
        one = clean.drop_duplicates(["dataset", "seed"])  # a tree does not depend on the SR reading
        return reference_competence(one, "tree", "tree_r2", tol, by=("dataset",))
    # the label-noise sweep is on one data set; each α is held to Table 9's λ = 0 student
    return reference_competence(lam0, "noisy", "student_r2", tol, by=("sr_reading", "noise"))


def competent_cells(competence: pd.DataFrame | None, df: pd.DataFrame) -> pd.Series:
    """Boolean mask over the rows of ``df``: is the row's cell competent? Cells absent from
    ``competence`` (or no table at all) count as competent, as a cell with no yardstick."""
    if competence is None or competence.empty:
        return pd.Series(True, index=df.index)
    keys = [k for k in ("sr_reading", "dataset", "noise") if k in competence and k in df]
    bad = {tuple(r) for r in competence.loc[~competence.competent.astype(bool), keys].itertuples(index=False)}
    return pd.Series([tuple(r) not in bad for r in df[keys].itertuples(index=False)], index=df.index)


def competence_note(competence: pd.DataFrame | None, kind: str = "student",
                    tol: float = TOLERANCE) -> str:
    """The evidence's sentence: how many cells the competence rule left out, and by which rule."""
    if competence is None:
        return ""
    n_out = int((~competence.competent.astype(bool)).sum())
    return left_out_note(n_out, len(competence), COMPETENCE_CELLS[kind][1], kind, tol)


def competence_display(competence: pd.DataFrame, kind: str = "student") -> pd.DataFrame:
    """The screened references for a chapter's verdict cell: every cell shown, the failing
    ones marked "left out"."""
    keys = [k for k in COMPETENCE_CELLS[kind][0] if k in competence]
    out = competence[keys].copy()
    if "dataset" in out:
        out["dataset"] = out.dataset.map(name_of)
    out["λ = 0 R² (ours)"] = competence.reference_r2.to_numpy()
    out["yardstick R²"] = competence.yardstick.to_numpy()
    out["in the verdict"] = np.where(competence.competent.astype(bool), "yes", "left out")
    return out.rename(columns={"sr_reading": "SR reading", "noise": "noise α"}).set_index(keys and
        [{"sr_reading": "SR reading", "noise": "noise α"}.get(k, k) for k in keys])

