"""Tables and small computations for the chapters that reproduce the paper (chapters 1-6).

Every chapter gets its numbers from one call, :func:`paper_sweep`, made with the same
arguments everywhere, so the on-disk cache of :func:`distillkit.sweep.run_grid` is shared
between chapters. The builders below turn that sweep (one row per data set x λ x seed x
noise x SR reading) into the paper's tables, with the paper's reported values
(:mod:`distillkit.paper`) beside ours in the same table.

Conventions
-----------
* "standard" is λ = 0; "best regularized" is the maximum over λ > 0 (ties go to the
  smallest λ), so an improvement can be negative.
* improvement (%) = (best - standard) / |standard| * 100; undefined (NaN) when the
  standard score is 0 and the best differs from it.
* With several seeds every per-λ number is the mean over seeds, taken *before* the
  best λ is picked.
* The verdict rules used by the chapters are the ``verdict_*`` functions; each states
  its rule in its docstring.
"""
from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import competence as _competence
from . import paper
from .data import DATASETS, load_dataset
from .pipeline import make_split, profile_settings, resolve_config
from .students import SR_READINGS, _tokens
from .sweep import run_grid

PAPER = "paper"
REPRODUCED, PARTLY, NOT = "reproduced", "partly reproduced", "not reproduced"
#: a verdict whose every cell was left out by the competence rule decides nothing
INCONCLUSIVE = "inconclusive"


# --------------------------------------------------------------------------
# parameters and the shared sweep
# --------------------------------------------------------------------------
def as_list(value):
    """A list from a notebook parameter: papermill's ``-p x '[1, 2]'`` arrives as a string."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "(")):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = ast.literal_eval(text)
        else:
            value = [v.strip() for v in text.split(",") if v.strip()]
    elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return [value]
    return list(value)


def resolve_datasets(datasets=None) -> list[str]:
    """None means all five data sets (:data:`distillkit.data.DATASETS`)."""
    out = list(DATASETS) if datasets is None else [str(d) for d in as_list(datasets)]
    unknown = [d for d in out if d not in DATASETS]
    if unknown:
        raise ValueError(f"unknown data set(s) {unknown}; choose from {list(DATASETS)}")
    if not out:
        raise ValueError("datasets is empty")
    return out


def resolve_lams(profile: str, lams=None) -> tuple[float, ...]:
    """None means the profile's λ grid; the grid is sorted and must contain λ = 0."""
    out = profile_settings(profile)["lams"] if lams is None else as_list(lams)
    out = tuple(sorted({float(v) for v in out}))
    if 0.0 not in out:
        raise ValueError(f"the λ grid must contain 0 (the standard teacher), got {out}")
    return out


def resolve_seeds(profile: str, seeds=None) -> tuple[int, ...]:
    """None means the profile's seeds, an int n means ``range(n)``, a list is used as is."""
    if seeds is None:
        return tuple(int(s) for s in profile_settings(profile)["seeds"])
    if isinstance(seeds, str) and seeds.strip().isdigit():
        seeds = int(seeds)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        return tuple(range(int(seeds)))
    return tuple(int(s) for s in as_list(seeds))


def resolve_readings(sr_readings=("literal", "converged")) -> tuple[str, ...]:
    out = tuple(str(r) for r in as_list(sr_readings))
    bad = [r for r in out if r not in SR_READINGS]
    if bad or not out:
        raise ValueError(f"sr_readings must be a non-empty subset of {SR_READINGS}, got {out}")
    return out


def paper_sweep(profile: str = "paper", datasets=None, lams=None, seeds=None,
                sr_readings=("literal", "converged"), n_jobs: int = 2, noises=(0.0,)) -> pd.DataFrame:
    """The λ sweep every chapter 1-6 reads (cached on disk by :func:`run_grid`).

    Parameters follow the chapters' parameter cells: ``datasets`` None = all five,
    ``lams`` None = the profile's grid, ``seeds`` None = the profile's seeds (an int n
    means ``range(n)``); strings as papermill passes them (``'["diabetes"]'``) are parsed.
    """
    return run_grid(resolve_datasets(datasets), lams=list(resolve_lams(profile, lams)),
                    seeds=list(resolve_seeds(profile, seeds)), noises=tuple(float(a) for a in noises),
                    profile=profile, sr_readings=resolve_readings(sr_readings), n_jobs=int(n_jobs),
                    progress=False)


def focus_dataset(datasets: Iterable[str], preferred: str = "concrete") -> str:
    """The paper's focus data set if it is in the sweep, else the first one swept."""
    datasets = list(datasets)
    return preferred if preferred in datasets else datasets[0]


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


# --------------------------------------------------------------------------
# small computations
# --------------------------------------------------------------------------
def improvement_pct(best, standard):
    """(best - standard) / |standard| * 100; 0 if both are 0, NaN if only the baseline is 0.

    Works on scalars and arrays; non-finite inputs give NaN (or ±inf where the algebra
    says so, e.g. a finite gain over a ``-inf`` baseline gives NaN).
    """
    best = np.asarray(best, dtype=float)
    standard = np.asarray(standard, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (best - standard) / np.abs(standard) * 100.0
    out = np.where((standard == 0) & (best == 0), 0.0, out)
    out = np.where((standard == 0) & (best != 0), np.nan, out)
    out = np.where(np.isfinite(best) & np.isfinite(standard), out, np.nan)
    return float(out) if out.ndim == 0 else out


def best_lambda(curve: pd.Series, exclude_zero: bool = True, decimals: int = 10):
    """``(λ, value)`` of the maximum of a λ-indexed curve, over λ > 0 by default.

    Ties (equal after rounding to ``decimals``) go to the smallest λ. Returns
    ``(nan, nan)`` if there is no candidate λ.
    """
    c = curve.dropna().sort_index()
    if exclude_zero:
        c = c[c.index > 0]
    if c.empty:
        return math.nan, math.nan
    rounded = c.round(decimals)
    lam = rounded.index[int(np.argmax(rounded.to_numpy()))]
    return float(lam), float(c.loc[lam])


def modal_count(values, decimals: int = 4) -> int:
    """How many entries share the most common value (after rounding to ``decimals``)."""
    v = np.round(np.asarray(values, dtype=float), decimals)
    if v.size == 0:
        return 0
    _, counts = np.unique(v, return_counts=True)
    return int(counts.max())


def spearman(x, y) -> float:
    """Spearman rank correlation; NaN when either side is constant or < 3 points."""
    x, y = pd.Series(np.asarray(x, float)), pd.Series(np.asarray(y, float))
    ok = x.notna() & y.notna() & np.isfinite(x) & np.isfinite(y)
    x, y = x[ok].rank(), y[ok].rank()
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def program_complexity(program: str) -> int:
    """Node count of a gplearn program string (functions, variables and constants)."""
    return len(_tokens(program))


def snr_proxy(y_true, y_pred) -> float:
    """The paper's SNR proxy Var(y) / Var(y - ŷ) (Appendix D.1)."""
    y_true = np.asarray(y_true, dtype=float)
    resid = y_true - np.asarray(y_pred, dtype=float)
    v = float(np.var(resid))
    return math.inf if v == 0 else float(np.var(y_true)) / v


# --------------------------------------------------------------------------
# per-λ curves (means over seeds)
# --------------------------------------------------------------------------
_MEAN_COLS = ("teacher_r2", "student_r2", "xgb_r2", "linear_r2", "tree_r2", "tree_leaves", "complexity",
              "student_fidelity_r2", "teacher_jacobian_sq", "sr_generations", "teacher_seconds",
              "student_seconds")


def per_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per (dataset, noise, sr_reading, λ), with ``n_seeds``."""
    keys = ["dataset", "noise", "sr_reading", "lam"]
    cols = [c for c in _MEAN_COLS if c in sweep.columns]
    df = sweep.copy()
    if "noise" not in df.columns:
        df["noise"] = 0.0
    g = df.groupby(keys, sort=False)
    out = g[cols].mean()
    out["n_seeds"] = g["seed"].nunique() if "seed" in df.columns else 1
    return out.reset_index()


def _order(df: pd.DataFrame, col: str = "dataset") -> list[str]:
    return list(dict.fromkeys(df[col]))


def _curve(pl: pd.DataFrame, dataset: str, reading: str, value: str = "student_r2",
           noise: float = 0.0) -> pd.Series:
    sel = pl[(pl.dataset == dataset) & (pl.sr_reading == reading) & np.isclose(pl.noise, noise)]
    return sel.set_index("lam")[value].sort_index()


def paper_curve(dataset: str) -> pd.Series:
    t6 = paper.TABLE6[paper.TABLE6.dataset == dataset]
    return t6.set_index("lam")["student_r2"].sort_index()


# --------------------------------------------------------------------------
# Table 1 and Figure 1: the naive pipeline
# --------------------------------------------------------------------------
def distillation_gap(sweep: pd.DataFrame) -> pd.DataFrame:
    """λ = 0, every data set: teacher, SR student per reading, XGBoost; ours and paper.

    Long format: dataset, model, source ("ours"/"paper"), r2. The paper's teacher and
    student come from Table 1 where it has them, else Table 2; XGBoost from Table 1 only.
    """
    pl = per_lambda(sweep)
    pl = pl[(pl.lam == 0) & np.isclose(pl.noise, 0.0)]
    rows = []
    for ds in _order(pl):
        d = pl[pl.dataset == ds]
        rows.append((ds, "teacher", "ours", float(d.teacher_r2.iloc[0])))
        for reading in _order(d, "sr_reading"):
            rows.append((ds, f"SR student ({reading})", "ours",
                         float(d[d.sr_reading == reading].student_r2.iloc[0])))
        if "xgb_r2" in d:
            rows.append((ds, "XGBoost", "ours", float(d.xgb_r2.iloc[0])))
        t1 = paper.TABLE1[paper.TABLE1.dataset == ds]
        t2 = paper.TABLE2[paper.TABLE2.dataset == ds]
        if len(t1):
            rows += [(ds, "teacher", "paper", float(t1.teacher_r2.iloc[0])),
                     (ds, "SR student", "paper", float(t1.student_r2.iloc[0])),
                     (ds, "XGBoost", "paper", float(t1.xgb_r2.iloc[0]))]
        elif len(t2):
            rows += [(ds, "teacher", "paper", float(t2.teacher_r2.iloc[0])),
                     (ds, "SR student", "paper", float(t2.student_r2_standard.iloc[0]))]
    return pd.DataFrame(rows, columns=["dataset", "model", "source", "r2"])


def table1(sweep: pd.DataFrame, datasets=("california", "concrete")) -> pd.DataFrame:
    """Paper Table 1 with ours beside it: rows (data set, source), columns teacher / SR / XGBoost R²."""
    gap = distillation_gap(sweep)
    readings = [m.split("(")[1].rstrip(")") for m in _order(gap[gap.model.str.startswith("SR student (")], "model")]
    rows = []
    for ds in [d for d in datasets if d in set(gap.dataset)]:
        g = gap[gap.dataset == ds]

        def val(model, source):
            v = g[(g.model == model) & (g.source == source)].r2
            return float(v.iloc[0]) if len(v) else math.nan

        rows.append((name_of(ds), PAPER, val("teacher", PAPER), val("SR student", PAPER), val("XGBoost", PAPER)))
        for r in readings:
            rows.append((name_of(ds), ours_label(r), val("teacher", "ours"), val(f"SR student ({r})", "ours"),
                         val("XGBoost", "ours")))
    out = pd.DataFrame(rows, columns=["dataset", "source", "teacher R²", "SR student R²", "XGBoost R²"])
    return out.set_index(["dataset", "source"])


# --------------------------------------------------------------------------
# Table 2 / Table 6 / Figure 3: the λ sweep
# --------------------------------------------------------------------------
def lambda_summary(sweep: pd.DataFrame, noise: float = 0.0) -> pd.DataFrame:
    """Per (dataset, reading): teacher R² (λ=0), standard student, best λ>0, its R², improvement.

    Numbers are means over seeds; one row per dataset and reading, tidy.
    """
    pl = per_lambda(sweep)
    rows = []
    for ds in _order(pl):
        for reading in _order(pl[pl.dataset == ds], "sr_reading"):
            curve = _curve(pl, ds, reading, noise=noise)
            if curve.empty:
                continue
            teacher = _curve(pl, ds, reading, "teacher_r2", noise=noise)
            lam, best = best_lambda(curve)
            lam_any, best_any = best_lambda(curve, exclude_zero=False)
            std = float(curve.loc[0.0])
            rows.append(dict(dataset=ds, sr_reading=reading, noise=noise, teacher_r2=float(teacher.loc[0.0]),
                             student_r2_standard=std, best_lam=lam, student_r2_best=best,
                             improvement_pct=improvement_pct(best, std),
                             best_lam_any=lam_any, improvement_pct_any=improvement_pct(best_any, std),
                             n_seeds=int(pl[(pl.dataset == ds) & (pl.sr_reading == reading)].n_seeds.max())))
    return pd.DataFrame(rows)


def paper_lambda_summary() -> pd.DataFrame:
    """The paper's Table 2, with the best λ read off its Table 6 (same rules as ours)."""
    rows = []
    for _, r in paper.TABLE2.iterrows():
        curve = paper_curve(r.dataset)
        lam, _ = best_lambda(curve)
        rows.append(dict(dataset=r.dataset, teacher_r2=r.teacher_r2, student_r2_standard=r.student_r2_standard,
                         best_lam=lam, student_r2_best=r.student_r2_best, improvement_pct=r.improvement_pct,
                         improvement_pct_t6=improvement_pct(best_lambda(curve)[1], curve.loc[0.0])))
    return pd.DataFrame(rows)


def table2(sweep: pd.DataFrame) -> pd.DataFrame:
    """Paper Table 2 with ours: rows (data set, source), plus an "average" block."""
    ours = lambda_summary(sweep)
    pap = paper_lambda_summary().set_index("dataset")
    cols = ["teacher R²", "standard student R² (λ=0)", "best λ>0", "best regularized student R²",
            "improvement (%)"]
    rows = []
    for ds in _order(ours):
        if ds in pap.index:
            p = pap.loc[ds]
            rows.append((name_of(ds), PAPER, p.teacher_r2, p.student_r2_standard, p.best_lam, p.student_r2_best,
                         p.improvement_pct))
        for _, o in ours[ours.dataset == ds].iterrows():
            rows.append((name_of(ds), ours_label(o.sr_reading), o.teacher_r2, o.student_r2_standard, o.best_lam,
                         o.student_r2_best, o.improvement_pct))
    avg = average_improvement(ours)
    paper_ds = [d for d in _order(ours) if d in pap.index]
    rows.append(("average", PAPER, *[math.nan] * 4, float(pap.loc[paper_ds].improvement_pct.mean())
                 if paper_ds else math.nan))
    for reading, v in avg.items():
        rows.append(("average", ours_label(reading), *[math.nan] * 4, v))
    out = pd.DataFrame(rows, columns=["dataset", "source", *cols])
    return out.set_index(["dataset", "source"])


def average_improvement(summary: pd.DataFrame, column: str = "improvement_pct") -> dict[str, float]:
    """Plain mean over data sets of the per-dataset improvement, per reading (NaNs skipped)."""
    return {r: float(summary[summary.sr_reading == r][column].mean()) for r in _order(summary, "sr_reading")}


def table6(sweep: pd.DataFrame) -> pd.DataFrame:
    """The full sweep: rows (data set, λ), columns paper and ours per reading (means over seeds)."""
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0)]
    wide = pl.pivot_table(index=["dataset", "lam"], columns="sr_reading", values="student_r2", sort=False)
    wide.columns = [ours_label(c) for c in wide.columns]
    wide = wide.reset_index()
    wide = wide.merge(paper.TABLE6.rename(columns={"student_r2": PAPER}), on=["dataset", "lam"], how="left")
    order = {d: i for i, d in enumerate(_order(pl))}
    wide = wide.sort_values(["dataset", "lam"], key=lambda s: s.map(order) if s.name == "dataset" else s)
    wide["dataset"] = wide.dataset.map(name_of)
    wide = wide.rename(columns={"lam": "λ"})
    return wide.set_index(["dataset", "λ"])[[PAPER] + [c for c in wide.columns if c.startswith("ours")]]


def table6_pattern(sweep: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """How many λ values share the modal student R² per data set: paper vs each reading.

    The paper's Table 6 repeats one student R² across many λ (e.g. Wine Quality Red:
    0.1788 at all six), which is what an SR run that stops after its first generation
    produces. Ours is counted per seed (after rounding to ``decimals``, like Table 6) and
    averaged over seeds. The last row ("share of cells") is the total modal count divided
    by the number of (data set, λ) cells, comparable between grids of different sizes.
    """
    df = sweep[np.isclose(sweep.noise, 0.0)] if "noise" in sweep else sweep
    rows = {}
    for ds in _order(df):
        d = df[df.dataset == ds]
        row = {}
        if ds in set(paper.TABLE6.dataset):
            pc = paper_curve(ds)
            row["paper: λ values"] = len(pc)
            row[PAPER] = modal_count(pc.to_numpy(), decimals)
        row["ours: λ values"] = d.lam.nunique()
        for reading in _order(d, "sr_reading"):
            dr = d[d.sr_reading == reading]
            row[ours_label(reading)] = float(np.mean([modal_count(g.sort_values("lam").student_r2, decimals)
                                                      for _, g in dr.groupby("seed")]))
        rows[name_of(ds)] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "dataset"
    cols = [c for c in ("paper: λ values", PAPER, "ours: λ values") if c in out.columns]
    out = out[cols + [c for c in out.columns if c not in cols]]
    share = {}
    for c in out.columns:
        if c.endswith("λ values"):
            continue
        n_col = "paper: λ values" if c == PAPER else "ours: λ values"
        ok = out[c].notna()
        share[c] = float(out.loc[ok, c].sum() / out.loc[ok, n_col].sum()) if ok.any() else math.nan
    share_row = pd.DataFrame(share, index=["share of cells"])
    return pd.concat([out, share_row.reindex(columns=out.columns)])


def table6_reading(pattern: pd.DataFrame) -> str:
    """The SR reading whose share of repeated cells is closest to the paper's (ties: literal)."""
    share = pattern.loc["share of cells"]
    candidates = [c for c in pattern.columns if c.startswith("ours (")]
    if not candidates:
        raise ValueError("the pattern table has no 'ours (...)' column")
    target = share[PAPER]
    best = min(candidates, key=lambda c: (abs(share[c] - target), SR_READINGS.index(c[6:-1])))
    return best[6:-1]


# --------------------------------------------------------------------------
# Table 3: tree students
# --------------------------------------------------------------------------
def tree_table(sweep: pd.DataFrame, reading: str, datasets=("concrete", "california")) -> pd.DataFrame:
    """Paper Table 3 with ours: 32-leaf tree from the standard and the regularized teacher.

    "regularized" is the λ > 0 that is best for the SR student under ``reading``
    (the paper's regularized teacher is its best λ from Table 6).
    """
    summ = lambda_summary(sweep)
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0) & (pl.sr_reading == reading)]
    rows = []
    for ds in [d for d in datasets if d in set(pl.dataset)]:
        s = summ[(summ.dataset == ds) & (summ.sr_reading == reading)].iloc[0]
        p_lam = best_lambda(paper_curve(ds))[0] if ds in set(paper.TABLE6.dataset) else math.nan
        for kind, lam, plam in (("standard", 0.0, 0.0), ("regularized", s.best_lam, p_lam)):
            o = pl[(pl.dataset == ds) & np.isclose(pl.lam, lam)].iloc[0] if np.isfinite(lam) else None
            t3 = paper.TABLE3[(paper.TABLE3.dataset == ds) & (paper.TABLE3.teacher == kind)]
            rows.append((name_of(ds), kind, plam, lam,
                         float(t3.tree_r2.iloc[0]) if len(t3) else math.nan,
                         math.nan if o is None else float(o.tree_r2),
                         float(t3.tree_leaves.iloc[0]) if len(t3) else math.nan,
                         math.nan if o is None else float(o.tree_leaves)))
    out = pd.DataFrame(rows, columns=["dataset", "teacher", "paper: λ", "ours: λ", "paper: tree R²",
                                      "ours: tree R²", "paper: leaves", "ours: leaves"])
    return out.set_index(["dataset", "teacher"])


def tree_by_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Long table (dataset, lam, model, r2, leaves): the teacher and its 32-leaf tree student
    for every data set and λ, means over seeds (a tree does not depend on the SR reading)."""
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0)]
    pl = pl[pl.sr_reading == pl.sr_reading.iloc[0]]
    teacher = pl[["dataset", "lam"]].assign(model="teacher", r2=pl.teacher_r2, leaves=math.nan)
    tree = pl[["dataset", "lam"]].assign(model="tree student", r2=pl.tree_r2, leaves=pl.tree_leaves)
    return pd.concat([teacher, tree], ignore_index=True)


def paper_tree_points() -> pd.DataFrame:
    """The paper's Table 3 as (dataset, lam, r2) points: standard at λ = 0, regularized at
    the paper's best λ for the SR student (from its Table 6)."""
    rows = []
    for _, t in paper.TABLE3.iterrows():
        lam = 0.0 if t.teacher == "standard" else best_lambda(paper_curve(t.dataset))[0]
        rows.append((t.dataset, lam, t.tree_r2))
    return pd.DataFrame(rows, columns=["dataset", "lam", "r2"])


# --------------------------------------------------------------------------
# Table 8 and Table 9: SNR and label noise
# --------------------------------------------------------------------------
def snr_table(datasets=None, seeds=(0,), profile: str = "paper") -> pd.DataFrame:
    """The SNR proxy per data set: linear fit on all rows (in-sample) and held out.

    ``full data``: ordinary least squares on every row, Var(y)/Var(residuals) on the
    same rows. ``held out``: fitted on the training split of each seed, residuals on
    its test split, mean over seeds. Scaling of X or y does not change either ratio.
    """
    from sklearn.linear_model import LinearRegression

    config = resolve_config(profile)
    rows = []
    for ds in resolve_datasets(datasets):
        data = load_dataset(ds)
        X, y = data.X.to_numpy(float), data.y.to_numpy(float)
        full = snr_proxy(y, LinearRegression().fit(X, y).predict(X))
        held = []
        for s in seeds:
            sp = make_split(ds, int(s), 0.0, config)
            held.append(snr_proxy(sp.y_test, LinearRegression().fit(sp.X_train, sp.y_train).predict(sp.X_test)))
        t8 = paper.TABLE8[paper.TABLE8.dataset == ds]
        rows.append(dict(dataset=ds, paper=float(t8.snr_proxy.iloc[0]) if len(t8) else math.nan,
                         full=full, held_out=float(np.mean(held))))
    return pd.DataFrame(rows)


def snr_display(snr: pd.DataFrame, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 8 for display, optionally with each reading's improvement (%) beside the SNR."""
    out = snr.rename(columns={"paper": "paper: SNR proxy", "full": "ours: full data (in-sample)",
                              "held_out": "ours: held-out test split"}).copy()
    if summary is not None:
        for reading in _order(summary, "sr_reading"):
            s = summary[summary.sr_reading == reading].set_index("dataset").improvement_pct
            out[f"improvement % {ours_label(reading)}"] = out.dataset.map(s)
        p = paper.TABLE2.set_index("dataset").improvement_pct
        out["improvement % (paper)"] = out.dataset.map(p)
    out["dataset"] = out.dataset.map(name_of)
    return out.set_index("dataset")


def snr_matching_version(snr: pd.DataFrame) -> tuple[str, float]:
    """Which of our two SNR versions is closer to the paper's values: (name, max abs diff)."""
    p = snr.dropna(subset=["paper"])
    if p.empty:
        return "none", math.nan
    diffs = {v: float(np.max(np.abs(p[v] - p.paper))) for v in ("full", "held_out")}
    best = min(diffs, key=diffs.get)
    return best, diffs[best]


def noise_table(sweep: pd.DataFrame) -> pd.DataFrame:
    """Paper Table 9 with ours: rows (α, source); standard student, best λ>0, improvement.

    The improvement at each α is measured against the standard teacher trained on the
    same noisy labels (λ = 0 at that α). Also the improvement at the paper's Concrete
    optimum λ = 0.001 when the grid has it (a fixed λ can give a negative number, as in
    the paper's α = 0.10 row; a best-over-λ cannot unless every λ > 0 is worse).
    """
    rows = []
    fixed = paper.FIGURE2_BEST_LAM
    for a in sorted(sweep.noise.unique()):
        summ = lambda_summary(sweep, noise=float(a))
        t9 = paper.TABLE9[np.isclose(paper.TABLE9.noise, a)]
        if len(t9):
            rows.append((float(a), PAPER, math.nan, float(t9.student_r2_standard.iloc[0]), math.nan, math.nan,
                         float(t9.improvement_pct.iloc[0]), math.nan))
        pl = per_lambda(sweep[np.isclose(sweep.noise, a)])
        for _, s in summ.iterrows():
            c = _curve(pl, s.dataset, s.sr_reading, noise=float(a))
            at_fixed = improvement_pct(c.loc[fixed], c.loc[0.0]) if fixed in c.index else math.nan
            rows.append((float(a), ours_label(s.sr_reading), s.teacher_r2, s.student_r2_standard, s.best_lam,
                         s.student_r2_best, s.improvement_pct, at_fixed))
    out = pd.DataFrame(rows, columns=["noise α", "source", "teacher R² (λ=0)", "standard student R²",
                                      "best λ>0", "best regularized student R²", "improvement (%)",
                                      f"improvement at λ={fixed} (%)"])
    return out.set_index(["noise α", "source"])


# --------------------------------------------------------------------------
# Figure 2: training time
# --------------------------------------------------------------------------
def training_times(dataset: str = "concrete", lams=None, penalties=("exact", "jacfwd"), repeats: int = 3,
                   profile: str = "paper", seed: int = 0, epochs: int | None = None,
                   device: str | None = None) -> pd.DataFrame:
    """Wall time of *lone* teacher fits (``fit_teacher(...).fit_seconds_``) per penalty and λ.

    ``epochs`` (default: the profile's budget) sets how long each timed fit trains; the
    cost of an epoch does not change during training (no early stopping), so the time
    per epoch and the λ > 0 / λ = 0 ratio do not depend on it, and a slow penalty can be
    timed on fewer epochs. One short warm-up fit per penalty is discarded; then
    ``repeats`` rounds each fit every λ once (rounds interleave λ, so a slow spell of a
    shared machine hits all λ alike). A penalty that cannot train a lone teacher in this
    build gets NaN times and its error message in ``error``. Columns: penalty, lam,
    repeat, epochs, seconds, seconds_per_epoch, teacher_r2, device, error.

    Each entry of ``penalties`` is a Jacobian method (``"exact"``, ``"jacfwd"``, ...: the
    Jacobian penalty computed that way) or a penalty kind (``"lipschitz"``, ...: computed in
    closed form); the ``penalty`` column keeps the entry as given.
    """
    from .jacobian import METHODS
    from .teacher import fit_teacher, resolve_device

    def kind(entry):  # -> fit_teacher keywords
        return (dict(penalty="jacobian", jacobian_method=entry) if entry in METHODS
                else dict(penalty=entry, jacobian_method="exact"))

    config = resolve_config(profile)
    lams = resolve_lams(profile, lams)
    epochs = int(config["epochs"] if epochs is None else epochs)
    split = make_split(dataset, int(seed), 0.0, config)
    params = dict(hidden_layer_sizes=config["hidden_layer_sizes"], epochs=epochs,
                  batch_size=config["batch_size"], learning_rate=config["learning_rate"],
                  device=device or config["device"], random_state=int(seed))
    dev = str(resolve_device(params["device"]))
    rows = []
    for pen in penalties:
        try:  # warm-up: first-call costs (allocations, torch.func tracing) are not training time
            fit_teacher(split.X_train, split.y_train, lam=max(lams), **kind(pen), **dict(params, epochs=1))
        except Exception as exc:  # noqa: BLE001 - reported in the table, not hidden
            msg = f"{type(exc).__name__}: {exc}"
            rows += [dict(penalty=pen, lam=lam, repeat=r, epochs=epochs, seconds=math.nan,
                          seconds_per_epoch=math.nan, teacher_r2=math.nan, device=dev, error=msg)
                     for r in range(repeats) for lam in lams]
            continue
        for r in range(repeats):
            for lam in lams:
                t = fit_teacher(split.X_train, split.y_train, lam=lam, **kind(pen), **params)
                rows.append(dict(penalty=pen, lam=lam, repeat=r, epochs=epochs, seconds=float(t.fit_seconds_),
                                 seconds_per_epoch=float(t.fit_seconds_) / epochs,
                                 teacher_r2=float(t.score(split.X_test, split.y_test)), device=dev, error=""))
    return pd.DataFrame(rows)


def overhead_ratios(times: pd.DataFrame) -> pd.DataFrame:
    """Per penalty: median seconds per epoch at λ = 0 and over all fits at λ > 0, and their ratio."""
    rows = []
    col = "seconds_per_epoch" if "seconds_per_epoch" in times else "seconds"
    for pen in _order(times, "penalty"):
        t = times[times.penalty == pen]
        t0 = float(t[t.lam == 0][col].median())
        t1 = float(t[t.lam > 0][col].median())
        rows.append(dict(penalty=pen, median_s_lam0=t0, median_s_lam_pos=t1,
                         ratio=t1 / t0 if t0 > 0 else math.nan, paper_ratio=paper.TRAINING_OVERHEAD,
                         error=str(t.error.iloc[0]) if "error" in t and len(t) else ""))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# Table 7 and complexity
# --------------------------------------------------------------------------
def formula_table(sweep: pd.DataFrame, dataset: str = "concrete", seed: int | None = None) -> pd.DataFrame:
    """Paper Table 7 with ours: the formula from the standard and the best regularized teacher.

    "best regularized" is the λ > 0 with the best seed-mean student R² under each reading;
    the formula shown is the one of ``seed`` (default: the first seed swept). Columns:
    teacher, source, λ, program (gplearn), complexity, student R², latex (ours only).
    """
    df = sweep[np.isclose(sweep.noise, 0.0) & (sweep.dataset == dataset)]
    seed = int(df.seed.min()) if seed is None else int(seed)
    summ = lambda_summary(sweep)
    rows = []
    if dataset == "concrete":  # the paper's Table 7 is on Concrete
        t6 = paper_curve(dataset)
        for _, p in paper.TABLE7.iterrows():
            rows.append(dict(teacher=p.teacher, source=PAPER, lam=p.lam, program=p.formula,
                             complexity=program_complexity(p.formula), student_r2=float(t6.get(p.lam, math.nan)),
                             latex=None))
    for reading in _order(df, "sr_reading"):
        s = summ[(summ.dataset == dataset) & (summ.sr_reading == reading)].iloc[0]
        for kind, lam in (("standard", 0.0), ("regularized", s.best_lam)):
            r = df[(df.sr_reading == reading) & np.isclose(df.lam, lam) & (df.seed == seed)]
            if r.empty:
                continue
            r = r.iloc[0]
            rows.append(dict(teacher=kind, source=ours_label(reading), lam=float(lam), program=r.formula,
                             complexity=int(r.complexity), student_r2=float(r.student_r2), latex=r.formula_latex))
    out = pd.DataFrame(rows)
    order = {"standard": 0, "regularized": 1}
    return out.sort_values("teacher", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def complexity_by_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Seed-mean formula complexity (node count) per data set, reading and λ."""
    pl = per_lambda(sweep)
    return pl[np.isclose(pl.noise, 0.0)][["dataset", "sr_reading", "lam", "complexity", "student_r2"]]


#: node counts of the paper's Table 7 formulas, keyed by (data set, λ)
PAPER_COMPLEXITY = {("concrete", float(p.lam)): program_complexity(p.formula) for _, p in paper.TABLE7.iterrows()}


# --------------------------------------------------------------------------
# the competence rule (distillkit.competence) on a sweep's λ = 0 references
# --------------------------------------------------------------------------
#: reference kind -> (key columns of a cell, what one cell is called in the evidence)
COMPETENCE_CELLS = {
    "teacher": (("dataset",), "data sets"),
    "student": (("sr_reading", "dataset"), "(reading, data set) cells"),
    "tree": (("dataset",), "data sets"),
    "noisy": (("sr_reading", "noise"), "(reading, noise level) cells"),
}


def competence_table(sweep: pd.DataFrame, kind: str = "student",
                     tol: float = _competence.TOLERANCE) -> pd.DataFrame:
    """The λ = 0 references of a sweep screened by the competence rule, one row per cell.

    ``kind`` (see :data:`distillkit.competence.RULES`): ``"teacher"`` per data set (a data
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
        t = _competence.teacher_competence(clean, tol)
        return (t.groupby("dataset", sort=False)
                .agg(reference_r2=("teacher_r2", "mean"), yardstick=("yardstick", "mean"),
                     competent=("competent", "all")).reset_index())
    if kind == "student":
        return _competence.reference_competence(clean, "student", "student_r2", tol, by=("sr_reading", "dataset"))
    if kind == "tree":
        one = clean.drop_duplicates(["dataset", "seed"])  # a tree does not depend on the SR reading
        return _competence.reference_competence(one, "tree", "tree_r2", tol, by=("dataset",))
    # the label-noise sweep is on one data set; each α is held to Table 9's λ = 0 student
    return _competence.reference_competence(lam0, "noisy", "student_r2", tol, by=("sr_reading", "noise"))


def competent_cells(competence: pd.DataFrame | None, df: pd.DataFrame) -> pd.Series:
    """Boolean mask over the rows of ``df``: is the row's cell competent? Cells absent from
    ``competence`` (or no table at all) count as competent, as a cell with no yardstick."""
    if competence is None or competence.empty:
        return pd.Series(True, index=df.index)
    keys = [k for k in ("sr_reading", "dataset", "noise") if k in competence and k in df]
    bad = {tuple(r) for r in competence.loc[~competence.competent.astype(bool), keys].itertuples(index=False)}
    return pd.Series([tuple(r) not in bad for r in df[keys].itertuples(index=False)], index=df.index)


def competence_note(competence: pd.DataFrame | None, kind: str = "student",
                    tol: float = _competence.TOLERANCE) -> str:
    """The evidence's sentence: how many cells the competence rule left out, and by which rule."""
    if competence is None:
        return ""
    n_out = int((~competence.competent.astype(bool)).sum())
    return _competence.left_out_note(n_out, len(competence), COMPETENCE_CELLS[kind][1], kind, tol)


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


# --------------------------------------------------------------------------
# verdict rules
# --------------------------------------------------------------------------
def verdict_gap(gap: pd.DataFrame, readings, margin: float = 0.1,
                competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: the naive pipeline leaves a large distillation gap; SR not competitive with XGBoost.

    Rule: for each reading and data set, the claim *holds* if teacher R² - student R²
    >= ``margin`` and XGBoost R² - student R² >= ``margin``. Reproduced if it holds on
    every data set under every reading; partly reproduced if it holds on a majority of
    data sets under at least one reading; otherwise not reproduced. With ``competence``
    (:func:`competence_table`, kind ``"teacher"``) only data sets whose λ = 0 teacher is
    competent count; none left: inconclusive.
    """
    ours = gap[gap.source == "ours"].pivot_table(index="dataset", columns="model", values="r2", sort=False)
    keep = competent_cells(competence, ours.index.to_frame(index=False)).to_numpy()
    left_out = [d for d, k in zip(ours.index, keep) if not k]
    ours = ours[keep]
    if ours.empty:
        return INCONCLUSIVE, {"n_datasets": 0, "holds": {}, "left_out": left_out}
    holds = {}
    for r in readings:
        col = f"SR student ({r})"
        h = (ours["teacher"] - ours[col] >= margin) & (ours["XGBoost"] - ours[col] >= margin)
        holds[r] = int(h.sum())
    n = len(ours)
    if all(v == n for v in holds.values()):
        verdict = REPRODUCED
    elif any(v > n / 2 for v in holds.values()):
        verdict = PARTLY
    else:
        verdict = NOT
    return verdict, {"n_datasets": n, "holds": holds, "left_out": left_out}


def verdict_teacher_stable(curve: pd.Series, tol: float = 0.02, loose: float = 0.05,
                           competence: pd.DataFrame | None = None, dataset: str | None = None) -> tuple[str, float]:
    """Claim: teacher R² does not degrade with λ.

    Rule on the largest drop below the λ = 0 teacher, max(R²(0) - R²(λ)) over λ > 0:
    <= ``tol`` reproduced, <= ``loose`` partly reproduced, larger not reproduced. With
    ``competence`` (kind ``"teacher"``): inconclusive if ``dataset``'s λ = 0 teacher is
    not competent.
    """
    if dataset is not None and not competent_cells(competence, pd.DataFrame({"dataset": [dataset]})).iloc[0]:
        return INCONCLUSIVE, math.nan
    drop = float(max(0.0, (curve.loc[0.0] - curve[curve.index > 0]).max()))
    verdict = REPRODUCED if drop <= tol else PARTLY if drop <= loose else NOT
    return verdict, drop


def verdict_concrete_peak(curve: pd.Series, paper_lam: float = 0.001, paper_from: float = 0.10,
                          paper_to: float = 0.60, tol: float = 0.10, min_gain: float = 0.2,
                          competence: pd.DataFrame | None = None, reading: str | None = None,
                          dataset: str = "concrete") -> tuple[str, dict]:
    """Claim: the Concrete student peaks at λ = 0.001, rising from 0.10 to about 0.60.

    Rule: reproduced if the best λ > 0 is ``paper_lam`` and both the standard and the
    peak R² are within ``tol`` of the paper's; partly reproduced if some λ > 0 gains at
    least ``min_gain`` R² over λ = 0 (a large peak, elsewhere or of another size);
    otherwise not reproduced. With ``competence`` (kind ``"student"``): inconclusive if
    the λ = 0 student of (``reading``, ``dataset``) is not competent.
    """
    lam, best = best_lambda(curve)
    std = float(curve.loc[0.0])
    info = {"best_lam": lam, "standard": std, "best": best, "gain": best - std}
    if not competent_cells(competence, pd.DataFrame({"sr_reading": [reading], "dataset": [dataset]})).iloc[0]:
        return INCONCLUSIVE, dict(info, left_out=[(reading, dataset)])
    if (np.isclose(lam, paper_lam) and abs(std - paper_from) <= tol and abs(best - paper_to) <= tol):
        return REPRODUCED, info
    if np.isfinite(best - std) and best - std >= min_gain:
        return PARTLY, info
    return NOT, info


def verdict_average_improvement(ours, paper_value: float = paper.AVERAGE_IMPROVEMENT_PCT,
                                factor: float = 2.0, floor: float = 10.0, reading: str | None = None,
                                competence: pd.DataFrame | None = None) -> str:
    """Claim: ~120 % average improvement.

    Rule: reproduced if ours is within a factor ``factor`` of the paper's (60-240 %);
    partly reproduced if ours is above ``floor`` % (a real average gain of another
    size); otherwise (or NaN) not reproduced. ``ours`` is the average, or a
    :func:`lambda_summary` whose ``reading`` rows are averaged over the data sets whose
    λ = 0 student is competent (``competence``, kind ``"student"``); none: inconclusive.
    """
    if isinstance(ours, pd.DataFrame):
        s = ours[ours.sr_reading == reading]
        s = s[competent_cells(competence, s)]
        if s.empty:
            return INCONCLUSIVE
        ours = float(s.improvement_pct.mean())
    if not np.isfinite(ours):
        return NOT
    if paper_value / factor <= ours <= paper_value * factor:
        return REPRODUCED
    return PARTLY if ours > floor else NOT


def verdict_dataset_dependent(summary: pd.DataFrame, reading: str, n_lams_pos: int,
                              competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: the optimal λ is dataset-dependent.

    Rule: among data sets where the best λ > 0 beats λ = 0 (improvement > 0), count the
    distinct best λ. Reproduced if there are at least min(3, number of λ > 0 in the
    grid) distinct optima; partly reproduced if 2; not reproduced if 0 or 1. With
    ``competence`` (kind ``"student"``) only data sets whose λ = 0 student is competent
    count; none left: inconclusive.
    """
    s = summary[summary.sr_reading == reading]
    ok = competent_cells(competence, s)
    left_out = list(s.dataset[~ok])
    if not ok.any():
        return INCONCLUSIVE, {"optima": {}, "distinct": 0, "left_out": left_out}
    s = s[ok & (s.improvement_pct > 0)]
    optima = {d: float(lam) for d, lam in zip(s.dataset, s.best_lam)}
    k = len(set(optima.values()))
    need = min(3, n_lams_pos)
    verdict = REPRODUCED if k >= need and k >= 2 else PARTLY if k == 2 else NOT
    return verdict, {"optima": optima, "distinct": k, "left_out": left_out}


def verdict_tree(tree: pd.DataFrame, tol: float = 0.02,
                 competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: regularizing the teacher gives no gain for 32-leaf tree students.

    Rule: per data set, a *gain* is regularized tree R² - standard tree R² > ``tol`` or
    fewer leaves. Reproduced if no data set gains; not reproduced if every data set
    gains; partly reproduced otherwise. With ``competence`` (kind ``"tree"``) only data
    sets whose λ = 0 tree is competent count (the others are listed under
    ``"left out"``); none left: inconclusive.
    """
    gains = {}
    bad = set() if competence is None else {name_of(d) for d in competence.dataset[~competence.competent.astype(bool)]}
    for ds in _order(tree.reset_index()):
        if name_of(ds) in bad:
            continue
        t = tree.loc[ds]
        d_r2 = float(t.loc["regularized", "ours: tree R²"] - t.loc["standard", "ours: tree R²"])
        fewer = float(t.loc["regularized", "ours: leaves"]) < float(t.loc["standard", "ours: leaves"])
        gains[ds] = {"delta_r2": d_r2, "gain": bool(d_r2 > tol or fewer)}
    n_gain = sum(g["gain"] for g in gains.values())
    verdict = REPRODUCED if n_gain == 0 else NOT if n_gain == len(gains) else PARTLY
    if not gains:
        verdict = INCONCLUSIVE
    return verdict, gains


def verdict_snr_values(snr: pd.DataFrame, column: str = "full", tol: float = 0.05) -> tuple[str, float]:
    """Claim: Table 8's SNR proxy values (Concrete 2.60, Wine 1.56).

    Rule: reproduced if every paper value is matched within ``tol`` by ``column``;
    partly reproduced if within 5 x ``tol``; otherwise not reproduced.
    """
    p = snr.dropna(subset=["paper"])
    diff = float(np.max(np.abs(p[column] - p.paper))) if len(p) else math.nan
    if not np.isfinite(diff):
        return NOT, diff
    return (REPRODUCED if diff <= tol else PARTLY if diff <= 5 * tol else NOT), diff


def verdict_snr_explains(snr: pd.DataFrame, summary: pd.DataFrame, reading: str,
                         wine: str = "wine_red", no_gain: float = 5.0,
                         min_rho: float = 0.5, competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: Wine's low SNR explains its lack of improvement.

    Rule, with the in-sample SNR and the improvements under ``reading``: (a) Wine has
    the lowest SNR of the data sets, (b) Wine's improvement is at most ``no_gain`` %,
    (c) across the data sets, Spearman ρ(SNR, improvement) >= ``min_rho`` (a weaker
    rank correlation over five data sets explains nothing). Reproduced if (a), (b) and
    (c) hold; partly reproduced if (a) and one of (b), (c); otherwise not reproduced.
    With ``competence`` (kind ``"student"``) only data sets whose λ = 0 student is
    competent count; inconclusive if Wine's is not.
    """
    s = summary[summary.sr_reading == reading]
    ok = competent_cells(competence, s)
    left_out = list(s.dataset[~ok])
    s = s[ok].set_index("dataset").improvement_pct
    if wine in left_out:
        return INCONCLUSIVE, {"wine_lowest_snr": False, "wine_improvement": math.nan, "rho": math.nan,
                              "left_out": left_out}
    m = snr.set_index("dataset").full
    common = [d for d in m.index if d in s.index]
    lowest = bool(wine in common and m[common].idxmin() == wine)
    wine_gain = float(s.get(wine, math.nan))
    no_improvement = bool(np.isfinite(wine_gain) and wine_gain <= no_gain)
    rho = spearman(m[common], s[common]) if common else math.nan
    positive = bool(np.isfinite(rho) and rho >= min_rho)
    info = {"wine_lowest_snr": lowest, "wine_improvement": wine_gain, "rho": rho, "left_out": left_out}
    if lowest and no_improvement and positive:
        return REPRODUCED, info
    if lowest and (no_improvement or positive):
        return PARTLY, info
    return NOT, info


def verdict_noise(noise: pd.DataFrame, reading: str,
                  competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: Table 9's noise pattern (improvement -22.5 %, +56.5 %, +8.7 % at α = 0.1, 0.25, 0.5).

    Rule: compare the sign of our improvement (best λ > 0 vs the standard teacher on
    the same noisy labels) with the paper's at every α > 0 both have. Reproduced if all
    signs match, partly reproduced if at least half do, otherwise not reproduced. With
    ``competence`` (kind ``"noisy"``) only α whose λ = 0 student is competent count; none
    left: inconclusive.
    """
    t = noise.reset_index()
    ours = t[t.source == ours_label(reading)].set_index("noise α")["improvement (%)"]
    pap = t[t.source == PAPER].set_index("noise α")["improvement (%)"]
    alphas = [a for a in pap.index if a > 0 and a in ours.index and np.isfinite(ours[a])]
    ok = competent_cells(competence, pd.DataFrame({"sr_reading": reading, "noise": alphas}))
    left_out = [float(a) for a, k in zip(alphas, ok) if not k]
    if alphas and not ok.any():
        return INCONCLUSIVE, {"match": {}, "left_out": left_out}
    alphas = [a for a, k in zip(alphas, ok) if k]
    match = {float(a): bool(np.sign(ours[a]) == np.sign(pap[a])) for a in alphas}
    if not match:
        return NOT, {"match": match, "left_out": left_out}
    k = sum(match.values())
    verdict = REPRODUCED if k == len(match) else PARTLY if 2 * k >= len(match) else NOT
    return verdict, {"match": match, "left_out": left_out}


def verdict_simpler(formulas: pd.DataFrame, complexity: pd.DataFrame, summary: pd.DataFrame,
                    reading: str, competence: pd.DataFrame | None = None,
                    focus: str | None = None) -> tuple[str, dict]:
    """Claim: regularized teachers give simpler formulas.

    Rule, under ``reading``: (a) on the focus data set the best-λ formula has fewer nodes
    than the λ = 0 formula; (b) on a majority of data sets the seed-mean complexity at the
    best λ > 0 is below that at λ = 0. Reproduced if (a) and (b), partly if one of them,
    otherwise not reproduced. With ``competence`` (kind ``"student"``) only data sets
    whose λ = 0 student is competent count: if the ``focus`` data set is left out, (b)
    alone decides (partly or not reproduced); none left: inconclusive.
    """
    f = formulas[formulas.source == ours_label(reading)].set_index("teacher").complexity
    a = bool("regularized" in f and "standard" in f and f["regularized"] < f["standard"])
    c = complexity[complexity.sr_reading == reading]
    ok = competent_cells(competence, c)
    left_out = list(dict.fromkeys(c.dataset[~ok]))
    c = c[ok]
    focus_out = focus is not None and focus in left_out
    s = summary[summary.sr_reading == reading].set_index("dataset").best_lam
    simpler = {}
    for ds in _order(c):
        cc = c[c.dataset == ds].set_index("lam").complexity
        if ds in s.index and np.isfinite(s[ds]):
            simpler[ds] = bool(cc.loc[s[ds]] < cc.loc[0.0])
    b = sum(simpler.values()) > len(simpler) / 2 if simpler else False
    if focus_out:
        verdict = INCONCLUSIVE if not simpler else PARTLY if b else NOT
        return verdict, {"focus_simpler": None, "simpler": simpler, "left_out": left_out}
    verdict = REPRODUCED if a and b else PARTLY if a or b else NOT
    return verdict, {"focus_simpler": a, "simpler": simpler, "left_out": left_out}


# --------------------------------------------------------------------------
# display helpers
# --------------------------------------------------------------------------
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
    formats = {c: fmt or _column_format(c, precision) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
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


def fmt_lam(lam) -> str:
    """λ as text: 0, 0.001, 0.5; 'none' for NaN."""
    if lam is None or not np.isfinite(lam):
        return "none"
    return f"{float(lam):g}"


__all__ = [
    "paper_sweep", "as_list", "resolve_datasets", "resolve_lams", "resolve_seeds", "resolve_readings", "focus_dataset",
    "glue", "name_of", "ours_label", "improvement_pct", "best_lambda", "modal_count", "spearman",
    "program_complexity", "snr_proxy", "per_lambda", "distillation_gap", "table1", "lambda_summary",
    "paper_lambda_summary", "table2", "average_improvement", "table6", "table6_pattern", "table6_reading",
    "paper_curve", "tree_table", "tree_by_lambda", "paper_tree_points", "snr_table", "snr_display", "snr_matching_version", "noise_table",
    "training_times", "overhead_ratios", "formula_table", "complexity_by_lambda", "PAPER_COMPLEXITY",
    "verdict_gap", "verdict_teacher_stable", "verdict_concrete_peak", "verdict_average_improvement",
    "verdict_dataset_dependent", "verdict_tree", "verdict_snr_values", "verdict_snr_explains",
    "verdict_noise", "verdict_simpler", "INCONCLUSIVE", "COMPETENCE_CELLS", "competence_table",
    "competent_cells", "competence_note", "competence_display", "styled", "paper_names", "fmt_lam", "glue_by_reading", "overhead_display",
]


def glue_by_reading(prefix: str, values: dict, readings=SR_READINGS) -> None:
    """Glue ``values[r]`` as ``{prefix}_{r}`` for every SR reading (NaN where missing),
    so a chapter's prose never refers to a missing key when run with fewer readings."""
    for r in readings:
        glue(f"{prefix}_{r}", values.get(r, math.nan))


def overhead_display(overhead: pd.DataFrame) -> pd.DataFrame:
    """:func:`overhead_ratios` for display, the paper's "roughly 10x" beside our ratio."""
    out = pd.DataFrame({
        "penalty": overhead.penalty,
        "ours: median s per epoch (λ = 0)": overhead.median_s_lam0,
        "ours: median s per epoch (λ > 0)": overhead.median_s_lam_pos,
        "ours: overhead (×)": overhead.ratio,
        "paper: overhead (×)": overhead.paper_ratio,
    })
    return out.set_index("penalty")
