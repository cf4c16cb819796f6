"""Figures for the chapters that reproduce the paper (chapters 1-6).

Every function takes the tidy tables of the chapter modules (:mod:`distillkit.book.summaries`, ...) and returns a
matplotlib :class:`~matplotlib.figure.Figure` (already closed in pyplot, so a notebook
shows it once, where it is displayed). Conventions: the paper's values are black
crosses labelled "paper"; our SR readings keep one colour each in every figure; λ axes
are symmetric-log so that λ = 0 is on the axis; R² values far below zero are drawn at
the lower edge as downward triangles, with their value written beside them.
"""
from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from distillkit.experiments import paper
from distillkit.book.analyses import describe, target_label
from distillkit.stats.metrics import best_lambda, finite_values
from distillkit.book.show import PAPER, fmt_lam, name_of

READING_COLORS = {"literal": "C0", "converged": "C1"}
#: marker of each SR reading where both readings share a panel with bands (chapter 08)
READING_MARKERS = {"literal": "o", "converged": "s"}
MODEL_COLORS = {"teacher": "0.55", "XGBoost": "C2", "tree student": "C2"}
PAPER_STYLE = dict(marker="x", color="black", s=60, linewidths=2, zorder=5, label=PAPER)
R2_FLOOR = -1.0  # R² below this is drawn at the edge


def _color(key: str) -> str:
    return READING_COLORS.get(key, MODEL_COLORS.get(key, "C3"))


def _finish(fig) -> matplotlib.figure.Figure:
    fig.tight_layout()
    plt.close(fig)
    return fig


def lam_axis(ax, lams) -> None:
    """Symmetric-log λ axis with a tick (and label) at every λ of the grid."""
    lams = sorted({float(v) for v in lams})
    pos = [v for v in lams if v > 0]
    linthresh = min(pos) if pos else 1e-3
    ax.set_xscale("symlog", linthresh=linthresh, linscale=0.5)
    ax.set_xticks(lams)
    ax.set_xticklabels([fmt_lam(v) for v in lams], rotation=45 if len(lams) > 4 else 0)
    ax.minorticks_off()
    ax.set_xlabel("λ (Jacobian penalty weight)")
    if lams:
        hi = max(lams)
        ax.set_xlim(-linthresh * 0.3, hi * 1.6 if hi > 0 else 1)


def _clip(y, floor=R2_FLOOR):
    y = np.asarray(y, dtype=float)
    low = ~(y >= floor)  # NaN/-inf count as off-scale
    return np.where(low, floor, y), low


def _mark_clipped(ax, x, y_raw, mask, color, floor=R2_FLOOR) -> None:
    for xi, yi in zip(np.asarray(x)[mask], np.asarray(y_raw, dtype=float)[mask]):
        ax.scatter([xi], [floor], marker="v", color=color, s=40, zorder=6, clip_on=False)
        ax.annotate(f"{yi:.2g}" if np.isfinite(yi) else str(yi), (xi, floor), textcoords="offset points",
                    xytext=(4, 4), fontsize=7, color=color)


def _symlog_y(ax, values, linthresh: float = 10.0) -> None:
    """Symmetric-log y axis whose limits leave room around every finite value."""
    v = np.asarray([x for x in np.asarray(values, dtype=float).ravel() if np.isfinite(x)])
    ax.set_yscale("symlog", linthresh=linthresh)
    if v.size:
        hi, lo = max(v.max(), linthresh), min(v.min(), -linthresh)
        ax.set_ylim(lo * 3 if lo < -linthresh else -linthresh * 1.5, hi * 3 if hi > linthresh else linthresh * 1.5)


def _dedupe_legend(ax, **kw) -> None:
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels):
        seen.setdefault(lab, h)
    if seen:
        ax.legend(seen.values(), seen.keys(), **kw)


# --------------------------------------------------------------------------
# Figure 1: the distillation gap
# --------------------------------------------------------------------------
def distillation_gap_figure(gap: pd.DataFrame):
    """Grouped bars per data set (λ = 0): teacher, SR student per reading, XGBoost; paper as crosses."""
    ours = gap[gap.source == "ours"]
    datasets = list(dict.fromkeys(ours.dataset))
    models = list(dict.fromkeys(ours.model))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(max(6.5, 1.6 * len(datasets) + 2), 4.2))
    low_all = []
    for j, model in enumerate(models):
        reading = model.split("(")[1].rstrip(")") if "(" in model else None
        color = _color(reading) if reading else MODEL_COLORS.get(model, "0.3")
        x = np.arange(len(datasets)) + (j - (len(models) - 1) / 2) * width
        y_raw = np.array([ours[(ours.dataset == d) & (ours.model == model)].r2.mean() for d in datasets])
        y, low = _clip(y_raw)
        ax.bar(x, y, width=width * 0.95, color=color, label=model)
        if low.any():
            _mark_clipped(ax, x, y_raw, low, color)
            low_all.append(True)
        # the paper's value for this model family
        fam = "SR student" if model.startswith("SR student") else model
        pv = gap[(gap.source == PAPER) & (gap.model == fam)].set_index("dataset").r2
        px = [xi for xi, d in zip(x, datasets) if d in pv.index]
        if px:
            ax.scatter(px, [pv[d] for d in datasets if d in pv.index], **PAPER_STYLE)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(datasets)))
    ax.set_xticklabels([name_of(d) for d in datasets], rotation=15)
    ax.set_ylabel("test R²")
    ax.set_ylim(R2_FLOOR if low_all else min(-0.05, ax.get_ylim()[0]), 1.0)
    ax.set_title("The distillation gap of the naive pipeline (λ = 0)")
    _dedupe_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return _finish(fig)


# --------------------------------------------------------------------------
# λ curves, one panel per data set (Figure 3, trees, complexity)
# --------------------------------------------------------------------------
def lambda_panels(curves: pd.DataFrame, value: str, ylabel: str, title: str, paper_points=None,
                  annotate_best: bool = False, paper_best=None, ncols: int = 3, r2: bool = True,
                  group: str = "sr_reading"):
    """One panel per data set: ``value`` against λ, a line per ``group`` (SR reading).

    ``paper_points``: DataFrame (dataset, lam, value) drawn as black crosses.
    ``annotate_best``: mark the best λ > 0 of each line (and of the paper, ``paper_best``
    = {dataset: (λ, value)}) with a ring and its λ, where it beats λ = 0.
    """
    datasets = list(dict.fromkeys(curves.dataset))
    n = len(datasets)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    lams_all = sorted(set(curves.lam) | (set(paper_points.lam) if paper_points is not None else set()))
    for ax, ds in zip(axes.flat, datasets):
        d = curves[curves.dataset == ds]
        any_low = False
        groups = list(dict.fromkeys(d[group])) if group in d else [None]
        for g in groups:
            dg = (d[d[group] == g] if g is not None else d).sort_values("lam")
            color = _color(g) if g is not None else "C0"
            y_raw = dg[value].to_numpy(float)
            y, low = _clip(y_raw) if r2 else (y_raw, np.zeros(len(y_raw), bool))
            ax.plot(dg.lam, y, "o-", color=color, label=f"ours ({g})" if g is not None else "ours", ms=4)
            if low.any():
                any_low = True
                _mark_clipped(ax, dg.lam.to_numpy(), y_raw, low, color)
            if annotate_best:
                curve = dg.set_index("lam")[value]
                lam, best = best_lambda(curve)
                beats = 0.0 in curve.index and best > curve.loc[0.0]
                if beats and np.isfinite(lam) and np.isfinite(best) and best >= R2_FLOOR:
                    ax.scatter([lam], [best], s=160, facecolors="none", edgecolors=color, linewidths=1.5,
                               zorder=6)
                    ax.annotate(f"λ*={fmt_lam(lam)}", (lam, best), textcoords="offset points", xytext=(6, 6),
                                fontsize=8, color=color)
        if paper_points is not None:
            p = paper_points[paper_points.dataset == ds]
            if len(p):
                ax.scatter(p.lam, p[value], **PAPER_STYLE)
                p0 = p[p.lam == 0][value]
                if annotate_best and paper_best and ds in paper_best and len(p0) and paper_best[ds][1] > p0.iloc[0]:
                    lam, best = paper_best[ds]
                    ax.annotate(f"paper λ*={fmt_lam(lam)}", (lam, best), textcoords="offset points",
                                xytext=(6, -12), fontsize=8, color="black")
        lam_axis(ax, lams_all)
        ax.set_title(name_of(ds))
        ax.set_ylabel(ylabel)
        if r2 and any_low:
            ax.set_ylim(bottom=R2_FLOOR - 0.05)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles = {}
    for ax in list(axes.flat)[:n]:  # one legend with every entry of every panel
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    axes.flat[0].legend(handles.values(), handles.keys(), fontsize=8)
    fig.suptitle(title)
    return _finish(fig)


def paper_sweep_points(datasets=None) -> pd.DataFrame:
    """The paper's Table 6 as (dataset, lam, student_r2) points for :func:`lambda_panels`."""
    t6 = paper.TABLE6
    return t6 if datasets is None else t6[t6.dataset.isin(list(datasets))]


# --------------------------------------------------------------------------
# Figure 2: cost, teacher accuracy and student accuracy against λ
# --------------------------------------------------------------------------
def tradeoff_figure(times: pd.DataFrame, overhead: pd.DataFrame, curves: pd.DataFrame, dataset: str):
    """Three panels on one data set: training time (lone teacher fits), teacher R², student R².

    ``times``/``overhead`` from :func:`distillkit.experiments.timing.training_times`/:func:`cost.overhead_ratios`;
    ``curves`` is :func:`summaries.per_lambda` restricted to ``dataset`` (noise 0).
    """
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    p = paper.TABLE6[paper.TABLE6.dataset == dataset]
    lams = sorted(set(curves.lam) | set(times.lam) | set(p.lam))
    # (a) training time
    ax = axes[0]
    t0_ref = None
    for k, pen in enumerate(dict.fromkeys(times.penalty)):
        col = "seconds_per_epoch" if "seconds_per_epoch" in times else "seconds"
        t = times[times.penalty == pen].dropna(subset=[col])
        if t.empty:
            continue
        g = t.groupby("lam")[col]
        med, lo, hi = g.median(), g.min(), g.max()
        ratio = float(overhead.set_index("penalty").ratio.get(pen, math.nan))
        ax.errorbar(med.index, med.values, yerr=[med.values - lo.values, hi.values - med.values], fmt="o-",
                    capsize=3, color=f"C{4 + k}", label=f"ours, {pen} penalty ({ratio:.1f}× at λ>0)")
        if t0_ref is None and 0.0 in med.index:
            t0_ref = float(med.loc[0.0])
    if t0_ref is not None:
        pos = [v for v in lams if v > 0]
        ax.hlines(paper.TRAINING_OVERHEAD * t0_ref, min(pos) if pos else 0, max(lams), colors="black",
                  linestyles=":", label=f"paper: {paper.TRAINING_OVERHEAD:g}× our λ=0 time")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylabel("training time per epoch (s; median, bars: min-max)")
    ax.set_title("(a) training time, lone teacher")
    lam_axis(ax, lams)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    # (b) teacher R²
    ax = axes[1]
    c = curves[curves.sr_reading == curves.sr_reading.iloc[0]].sort_values("lam")
    ax.plot(c.lam, c.teacher_r2, "o-", color=MODEL_COLORS["teacher"], label="ours: teacher")
    t1 = paper.TABLE1[paper.TABLE1.dataset == dataset]
    if len(t1):
        ax.scatter([0.0], [t1.teacher_r2.iloc[0]], **PAPER_STYLE)
    ax.set_ylabel("teacher test R²")
    ax.set_title("(b) teacher accuracy")
    lam_axis(ax, lams)
    lo = min(c.teacher_r2.min(), t1.teacher_r2.min() if len(t1) else 1.0)
    ax.set_ylim(min(0.0, lo - 0.05), 1.0)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    # (c) student R²
    ax = axes[2]
    any_low = False
    for reading in dict.fromkeys(curves.sr_reading):
        cr = curves[curves.sr_reading == reading].sort_values("lam")
        y, low = _clip(cr.student_r2)
        ax.plot(cr.lam, y, "o-", color=_color(reading), label=f"ours ({reading})")
        if low.any():
            any_low = True
            _mark_clipped(ax, cr.lam.to_numpy(), cr.student_r2.to_numpy(), low, _color(reading))
    if len(p):
        ax.scatter(p.lam, p.student_r2, **PAPER_STYLE)
    ax.set_ylabel("SR student test R²")
    ax.set_title("(c) student accuracy")
    lam_axis(ax, lams)
    if any_low:
        ax.set_ylim(bottom=R2_FLOOR - 0.05)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(f"Cost, teacher accuracy and distillability against λ ({name_of(dataset)})")
    return _finish(fig)


# --------------------------------------------------------------------------
# Chapter 5: SNR and label noise
# --------------------------------------------------------------------------
def snr_figure(snr: pd.DataFrame, summary: pd.DataFrame):
    """Improvement of the best λ > 0 against the SNR proxy, per data set; paper as crosses."""
    fig, ax = plt.subplots(figsize=(7, 4.4))
    m = snr.set_index("dataset")
    values = []
    for k, reading in enumerate(dict.fromkeys(summary.sr_reading)):
        s = summary[summary.sr_reading == reading].set_index("dataset").improvement_pct
        ds = [d for d in m.index if d in s.index]
        ax.scatter(m.loc[ds, "full"], s[ds], color=_color(reading), label=f"ours ({reading})", s=40,
                   marker="os"[k % 2], alpha=0.8)
        values += list(s[ds])
    for d in m.index:  # one label per data set, under its SNR
        ax.annotate(name_of(d), (m.loc[d, "full"], 0), textcoords="offset points", xytext=(0, -14),
                    fontsize=7, color="0.3", ha="center", rotation=20)
    p = paper.TABLE2.set_index("dataset").improvement_pct
    p8 = paper.TABLE8.set_index("dataset").snr_proxy
    pd_ = [d for d in p8.index if d in p.index]
    ax.scatter(p8[pd_], p[pd_], **PAPER_STYLE)
    values += list(p[pd_])
    ax.axhline(0, color="black", linewidth=0.8)
    _symlog_y(ax, values)
    ax.margins(x=0.1)
    ax.set_xlabel("SNR proxy Var(y) / Var(linear-fit residuals)")
    ax.set_ylabel("improvement of best λ > 0 over λ = 0 (%)")
    ax.set_title("Does a low SNR go with a small improvement?")
    _dedupe_legend(ax, fontsize=8)
    ax.grid(alpha=0.3)
    return _finish(fig)


def noise_figure(noise: pd.DataFrame, dataset: str = "concrete"):
    """Table 9 as two panels against α: standard student R² and improvement (%)."""
    t = noise.reset_index()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, col, ylabel in ((axes[0], "standard student R²", "standard student test R² (λ = 0)"),
                            (axes[1], "improvement (%)", "improvement of best λ > 0 (%)")):
        for src in dict.fromkeys(t.source):
            s = t[t.source == src].sort_values("noise α")
            if src == PAPER:
                ax.scatter(s["noise α"], s[col], **PAPER_STYLE)
                continue
            reading = src[len("ours ("):-1]
            y = s[col].to_numpy(float)
            if col.endswith("R²"):
                y, low = _clip(y)
                if low.any():
                    _mark_clipped(ax, s["noise α"].to_numpy(), s[col].to_numpy(), low, _color(reading))
            ax.plot(s["noise α"], y, "o-", color=_color(reading), label=src)
        ax.set_xlabel("label noise α (sd of added noise / sd of y)")
        ax.set_ylabel(ylabel)
        ax.set_xticks(sorted(set(t["noise α"])))
        ax.grid(alpha=0.3)
        _dedupe_legend(ax, fontsize=8)
    axes[1].axhline(0, color="black", linewidth=0.8)
    _symlog_y(axes[1], t["improvement (%)"])
    fig.suptitle(f"Label-noise ablation ({name_of(dataset)}): improvement against a standard teacher "
                 "trained on the same noisy labels")
    return _finish(fig)


__all__ = ["distillation_gap_figure", "lambda_panels", "paper_sweep_points", "tradeoff_figure", "snr_figure",
           "noise_figure", "lam_axis", "READING_COLORS", "READING_MARKERS"]


def _panels(n, width=3.4, height=3.0):
    import matplotlib.pyplot as plt
    ncols = min(n, 3) if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             constrained_layout=True)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _band_panels(s: pd.DataFrame, group: str, style, ylabel: str, title: str, names=None,
                 medians: bool = False):
    """One panel per data set: mean line with its 95 % CI band vs λ, one line per ``group``
    value; ``style(value) -> (color, marker, label)``."""
    from distillkit.book.plots import lam_axis

    datasets = list(dict.fromkeys(s.dataset))
    fig, axes = _panels(len(datasets))
    for ax, ds in zip(axes, datasets):
        d = s[s.dataset == ds]
        for value, g in d.groupby(group, sort=True):
            color, marker, label = style(value)
            g = g.sort_values("lam")
            ax.plot(g.lam, g["mean"], marker=marker, color=color, label=label)
            ax.fill_between(g.lam, g.ci_lo, g.ci_hi, color=color, alpha=0.2)
            if medians:
                ax.plot(g.lam, g["median"], ls="none", marker=marker, mfc="none", color=color,
                        label=label.replace("mean", "median"))
        lam_axis(ax, d.lam.unique())
        ax.set_title((names or {}).get(ds, ds))
        ax.set_ylabel(ylabel)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    return fig


def plot_lambda_curves(summary: pd.DataFrame, metric: str = "student_r2", names=None):
    """Mean ± 95 % CI (bands) and median (open markers) of ``metric`` vs λ, per data set,
    one line per SR reading (standardized y)."""
    s = summary[(summary.metric == metric)
                & (summary.scale_target.map(target_label) == "standardized y")]

    from distillkit.book.plots import READING_COLORS, READING_MARKERS

    def style(reading):
        return (READING_COLORS.get(reading, "gray"), READING_MARKERS.get(reading, "^"),
                f"{reading}: mean")
    return _band_panels(s, "sr_reading", style, "student test R² (–)",
                        "Symbolic student vs λ: mean with 95 % bootstrap interval over seeds",
                        names, medians=True)


def plot_teacher_curves(summary: pd.DataFrame, names=None):
    """Teacher test R² (mean ± 95 % CI over seeds) vs λ, one line per target scaling."""
    s = summary[summary.metric == "teacher_r2"].drop_duplicates(["scale_target", "dataset", "lam"])

    def style(scale):
        label = target_label(scale)
        return ("tab:green", "o", label) if label == "standardized y" else ("tab:red", "o", label)
    return _band_panels(s, "scale_target", style, "teacher test R² (–)",
                        "Teacher vs λ: mean with 95 % bootstrap interval over seeds", names)


def plot_selection_bias(comparison: pd.DataFrame, names=None):
    """Per data set and reading: best-λ (paper) vs best-of-draws (control) ΔR², mean ± CI."""
    import matplotlib.pyplot as plt
    readings = sorted(comparison.sr_reading.unique())
    datasets = list(dict.fromkeys(comparison.dataset))
    fig, axes = plt.subplots(1, len(readings), figsize=(5.2 * len(readings), 3.6), squeeze=False,
                             sharey=True, constrained_layout=True)
    x = np.arange(len(datasets))
    for ax, reading in zip(axes.flat, readings):
        c = comparison[comparison.sr_reading == reading]
        for off, col, color, label in ((-0.2, "delta_lambda", "tab:purple", "best of 6 λ (paper)"),
                                       (0.2, "delta_control", "tab:gray", "best of 6 SR draws, λ = 0")):
            stats = [describe(c.loc[c.dataset == ds, col]) for ds in datasets]
            mean = np.array([s["mean"] for s in stats])
            err = np.array([[s["mean"] - s["ci_lo"] for s in stats],
                            [s["ci_hi"] - s["mean"] for s in stats]])
            ax.bar(x + off, mean, width=0.4, color=color, label=label, yerr=err, capsize=3)
        ax.set_xticks(x)
        ax.set_xticklabels([(names or {}).get(d, d) for d in datasets], rotation=30, ha="right")
        ax.set_title(f"SR reading: {reading}")
        ax.axhline(0, color="k", lw=0.8)
    axes.flat[0].set_ylabel("best − first student test R² (ΔR², –)")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Selection on the test set: λ sweep vs pure SR noise (mean ± 95 % CI over seeds)")
    return fig


def plot_honest(honest: pd.DataFrame, names=None):
    """Test R² at the validation-chosen λ against λ = 0, one point per (data set, seed)."""
    import matplotlib.pyplot as plt
    readings = sorted(honest.sr_reading.unique())
    fig, axes = plt.subplots(1, len(readings), figsize=(4.4 * len(readings), 4.2), squeeze=False,
                             constrained_layout=True)
    markers = dict(zip(dict.fromkeys(honest.dataset), "osD^vP*"))
    for ax, reading in zip(axes.flat, readings):
        h = honest[honest.sr_reading == reading]
        for ds, g in h.groupby("dataset", sort=False):
            ax.scatter(g.test_base, g.test_honest, marker=markers[ds], alpha=0.75,
                       label=(names or {}).get(ds, ds))
        vals = finite_values(np.r_[h.test_base, h.test_honest])
        lo, hi = (vals.min(), vals.max()) if vals.size else (0, 1)
        pad = 0.05 * (hi - lo or 1)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="k", lw=0.8, ls="--")
        ax.set_xlabel("student test R² at λ = 0 (–)")
        ax.set_ylabel("student test R² at validation-chosen λ (–)")
        ax.set_title(f"SR reading: {reading}")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Honest λ selection: above the diagonal = regularization helped")
    return fig
