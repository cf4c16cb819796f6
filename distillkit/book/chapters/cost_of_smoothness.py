"""Chapter 07, the cost of smoothness, and the lone-teacher training times of chapter 02.

The paper says its Jacobian regularizer "increases training time by roughly 10x" and that
the cost grows as O(d·h). The chapter times one training step of every way of computing
the penalty (:func:`distillkit.experiments.bench.step_table`), at the paper's setting and over a
d x width grid, the paper's 30 teachers trained as one ensemble, and full lone-teacher
training on Concrete (:func:`training_times`, the one routine that times lone teachers:
chapter 02 and ``make bench`` use it too).

Verdicts (rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`):

``overhead``  "the regularizer costs ~10x training time";
``scaling``   "the regularizer's cost grows with the input dimension".
"""
from __future__ import annotations

import functools

import math

import pandas as pd

from distillkit.experiments import bench
from distillkit.experiments import paper
from distillkit.experiments.timing import training_times
from distillkit.book.summaries import in_order
from distillkit.book.verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED, Verdict, rule_text

THRESHOLDS = {
    "band_lo": 5.0,   # a step-time ratio in [band_lo, band_hi] matches the paper's "roughly 10x"
    "band_hi": 20.0,
    "growth": 2.0,    # an overhead that grows at least this many fold from the smallest to the largest d
}

RULES = {
    "overhead": ("Applied to the step-time ratios at the paper's setting: reproduced if the "
                 "closed-form penalty itself costs {band_lo:g}-{band_hi:g}× a plain step; partly "
                 "reproduced if it does not but the naive per-feature Jacobian the paper describes "
                 "(jacfwd or jacrev) lands in {band_lo:g}-{band_hi:g}× (the paper's number is then "
                 "plausible for its implementation, but the cost is avoidable); not reproduced "
                 "otherwise, if the range of every compared ratio over the step-time spread (p10 of "
                 "the method over p90 of the plain step, to p90 over p10) misses the band; "
                 "inconclusive if a range reaches into it."),
    "scaling": ("Reproduced if the closed form's overhead grows at least {growth:g}-fold from the "
                "smallest to the largest d; partly reproduced if only the naive methods' "
                "overhead does; not reproduced if none does."),
}

#: the book's target for the Lipschitz penalty's step on our engine (× a plain step)
LIPSCHITZ_TARGET = 1.3

#: the chapter's measurement budgets per profile (an unknown profile gets the paper's)
SETTINGS = {
    "smoke": dict(steps=200, grid_steps=30, dims=(8, 64), hiddens=(100,), ensemble_sizes=(1, 6, 30),
                  ensemble_epochs=1, ensemble_repeats=1, ensemble_threads=(1,), training_epochs=5,
                  training_methods=("exact", "lipschitz", "autograd", "jacfwd"), training_repeats=1,
                  max_seconds=0.3),
    "paper": dict(steps=2000, grid_steps=200, dims=(8, 32, 128, 512), hiddens=(100, 400),
                  ensemble_sizes=(1, 6, 30), ensemble_epochs=10, ensemble_repeats=3,
                  ensemble_threads=(1, None), training_epochs=100,
                  training_methods=("exact", "lipschitz", "lipschitz_bound", "exact_autograd", "autograd",
                                    "jacfwd"),
                  training_repeats=3, max_seconds=1.5),
}
#: the methods whose full-training ratio the prose quotes (NaN when a profile does not run one)
TRAINING_GLUED = ("exact", "lipschitz", "lipschitz_bound", "exact_autograd", "autograd", "jacfwd")


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


# --------------------------------------------------------------------------------------
# lone-teacher training time (chapters 02 and 07, ``make bench``)
# --------------------------------------------------------------------------------------


def training_summary(times: pd.DataFrame) -> pd.DataFrame:
    """Per penalty and λ: the median of :func:`training_times`' fits (``seconds``) and
    ``ratio_to_lam0``, that median over the λ = 0 median of the same penalty (same engine)."""
    first = ["dataset", "epochs", "steps", "n_train", "threads"]
    out = (times.groupby(["penalty", "engine", "lam"], sort=False)  # one engine per penalty
           .agg(**{c: (c, "first") for c in first}, seconds=("seconds", "median"),
                repeats=("seconds", "count"))
           .reset_index())
    lam0 = out[out.lam == 0].set_index("penalty")["seconds"]
    out["ratio_to_lam0"] = out.seconds / out.penalty.map(lam0)
    return out[["dataset", "penalty", "engine", "lam", "seconds", "repeats", "epochs", "steps", "n_train",
                "threads", "ratio_to_lam0"]]


def training_ratios(summary: pd.DataFrame) -> dict:
    """Per penalty: the median over λ > 0 of :func:`training_summary`'s ``ratio_to_lam0``."""
    pos = summary[summary.lam > 0]
    return {pen: float(v) for pen, v in pos.groupby("penalty", sort=False).ratio_to_lam0.median().items()}


def overhead_ratios(times: pd.DataFrame) -> pd.DataFrame:
    """Per penalty: median seconds per epoch at λ = 0 and over all fits at λ > 0, and their ratio."""
    rows = []
    col = "seconds_per_epoch" if "seconds_per_epoch" in times else "seconds"
    for pen in in_order(times, "penalty"):
        t = times[times.penalty == pen]
        t0 = float(t[t.lam == 0][col].median())
        t1 = float(t[t.lam > 0][col].median())
        rows.append(dict(penalty=pen, median_s_lam0=t0, median_s_lam_pos=t1,
                         ratio=t1 / t0 if t0 > 0 else math.nan, paper_ratio=paper.TRAINING_OVERHEAD,
                         error=str(t.error.iloc[0]) if "error" in t and len(t) else ""))
    return pd.DataFrame(rows)


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


# --------------------------------------------------------------------------------------
# chapter 07: the measurements
# --------------------------------------------------------------------------------------
def settings(profile: str = "paper", **overrides) -> dict:
    """The profile's budgets (:data:`SETTINGS`) with the overrides that are not None."""
    cfg = dict(SETTINGS.get(profile, SETTINGS["paper"]))
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(cfg)}")
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return cfg


def setting_steps(cfg: dict, threads: int | None = 1) -> pd.DataFrame:
    """Every method's step time at the paper's setting (d = 8, 100 hidden, batch 128)."""
    return bench.step_table(dims=(bench.PAPER_SETTING["d"],), hiddens=(bench.PAPER_SETTING["hidden"],),
                            steps=int(cfg["steps"]), threads=threads, max_seconds=4 * cfg["max_seconds"])


def grid_steps(cfg: dict, threads: int | None = 1) -> pd.DataFrame:
    """Every method's step time over the d x width grid of ``cfg``."""
    return bench.step_table(dims=tuple(cfg["dims"]), hiddens=tuple(cfg["hiddens"]), steps=int(cfg["grid_steps"]),
                            threads=threads, max_seconds=cfg["max_seconds"])


def ensemble_times(cfg: dict) -> pd.DataFrame:
    """The paper's 30 teachers (and fewer) trained as one ensemble (:func:`bench.time_ensemble`)."""
    return bench.time_ensemble(G_values=tuple(cfg["ensemble_sizes"]), epochs=int(cfg["ensemble_epochs"]),
                               repeats=int(cfg["ensemble_repeats"]), threads=tuple(cfg["ensemble_threads"]))


def concrete_training(cfg: dict, threads: int | None = 1, device: str = "cpu") -> pd.DataFrame:
    """Full lone-teacher training on Concrete per method and paper λ, summarized
    (:func:`training_summary`); the paper profile's split and network."""
    times = training_times("concrete", lams=paper.LAMS, penalties=tuple(cfg["training_methods"]),
                           repeats=int(cfg["training_repeats"]), profile="paper",
                           epochs=int(cfg["training_epochs"]), device=device, threads=threads)
    return training_summary(times)


# --------------------------------------------------------------------------------------
# chapter 07: the numbers of the prose, the tables
# --------------------------------------------------------------------------------------
def machine_glues(machine: dict, threads) -> dict:
    """The machine line of the chapter (:func:`bench.machine_info`) and the paper's overhead."""
    return {"cpu": machine["cpu"], "cores": int(machine["usable_cores"]), "torch": machine["torch"],
            "threads": int(threads), "load": float(machine.get("load_avg_1min", math.nan)),
            "paper_overhead": float(paper.TRAINING_OVERHEAD), "lipschitz_target": LIPSCHITZ_TARGET}


def step_ratios(setting: pd.DataFrame) -> dict:
    """Per method: its step time over the plain step of its own engine (``ratio_engine``)."""
    return {m: float(v) for m, v in setting.set_index("method").ratio_engine.items()}


def ratio_ranges(setting: pd.DataFrame) -> dict:
    """Per method: the interval its ``ratio_engine`` can take over the step-time spread, from
    (its p10 / the plain step's p90) to (its p90 / the plain step's p10): a deliberately wide
    interval for a ratio of two timed medians."""
    at = setting.set_index("method")
    out = {}
    for m, r in at[at.index.isin(list(bench.BASELINE))].iterrows():
        b = at.loc[bench.BASELINE[m]]
        out[m] = (float(r.p10_us / b.p90_us), float(r.p90_us / b.p10_us))
    return out


def setting_glues(setting: pd.DataFrame) -> dict:
    """The step times and ratios at the paper's setting that the prose quotes."""
    at = setting.set_index("method").median_us
    out = {f"ratio_{m}": v for m, v in step_ratios(setting).items()}
    out.update(plain_us=float(at["plain"]), exact_us=float(at["exact"]), lipschitz_us=float(at["lipschitz"]),
               plain_autograd_us=float(at["plain_autograd"]),
               autograd_plain_over_exact=float(at["plain_autograd"] / at["exact"]))
    return out


def setting_display(setting: pd.DataFrame) -> pd.DataFrame:
    """The step-time table at the paper's setting."""
    return (setting[["method", "engine", "median_us", "p10_us", "p90_us", "steps", "ratio", "ratio_engine",
                     "ratio_best_plain"]]
            .rename(columns={"median_us": "median µs", "p10_us": "p10 µs", "p90_us": "p90 µs"}))


def grid_ratio_table(grid: pd.DataFrame) -> pd.DataFrame:
    """Step time / plain step of the same engine, by (hidden, d) and regularized method."""
    table = grid.pivot_table(index=["hidden", "d"], columns="method", values="ratio_engine")
    return table[[m for m in bench.STEP_METHODS if m in table.columns and not m.startswith("plain")]]


def grid_time_table(grid: pd.DataFrame) -> pd.DataFrame:
    """Median step time (µs) by (hidden, d) and method."""
    table = grid.pivot_table(index=["hidden", "d"], columns="method", values="median_us")
    return table[[m for m in bench.STEP_METHODS if m in set(grid.method)]]


def dim_range(grid: pd.DataFrame) -> tuple[int, int]:
    """The smallest and largest input dimension of the grid."""
    return int(grid.d.min()), int(grid.d.max())


def dim_growth(grid: pd.DataFrame) -> dict:
    """Per regularized method, at the paper's width: its overhead at the largest d over its
    overhead at the smallest d."""
    table, (d_lo, d_hi) = grid_ratio_table(grid), dim_range(grid)
    h0 = str(bench.PAPER_SETTING["hidden"])
    return {m: float(table.loc[(h0, d_hi), m] / table.loc[(h0, d_lo), m]) for m in table.columns}


def ratio_at_dmax(grid: pd.DataFrame) -> dict:
    """Per regularized method: its overhead at the paper's width and the largest d."""
    table, (_, d_hi) = grid_ratio_table(grid), dim_range(grid)
    h0 = str(bench.PAPER_SETTING["hidden"])
    return {m: float(table.loc[(h0, d_hi), m]) for m in table.columns}


def grid_glues(grid: pd.DataFrame) -> dict:
    """The growth with d, the overheads at the largest d and the worst closed-form step."""
    d_lo, d_hi = dim_range(grid)
    out = {f"growth_{m}": v for m, v in dim_growth(grid).items()}
    out.update({f"ratio_dmax_{m}": v for m, v in ratio_at_dmax(grid).items()})
    out.update(exact_worst_best_plain=float(grid[grid.method == "exact"].ratio_best_plain.max()),
               dmin=d_lo, dmax=d_hi)
    return out


def ensemble_glues(ens: pd.DataFrame) -> dict:
    """The ensemble numbers of the prose: the largest G on one thread and, as clauses that
    are empty when only one thread was timed, on the most threads timed."""
    fast = ens[ens.engine != "autograd"]
    G = int(fast.G.max())
    th = int(ens.threads.max())

    def value(threads, column):
        return bench.ensemble_value(ens, G, threads, column)

    more = th > 1
    return {
        "G": G, "ens_x_one_1t": value(1, "x_one"), "ens_speedup_1t": value(1, "speedup"),
        "ens_threads": th, "ens_x_one_default": value(th, "x_one_1thread"),
        "ens_vs_autograd_one": value(1, "x_one_autograd"), "floor_1t": value(1, "floor_x_one"),
        "peak_1t": value(1, "peak_gflops"), "achieved_1t": value(1, "achieved_gflops"),
        "efficiency_1t": 100 * value(1, "efficiency"), "flops_member": value(1, "flops_member_step") / 1e6,
        "peak_more": f" ({value(th, 'peak_gflops'):.0f} on {th} threads)" if more else "",
        "floor_more": (f", or {value(th, 'floor_x_one'):.1f}× on {th} threads "
                       f"(we measure {value(th, 'x_one'):.1f}× there)") if more else "",
        "vs_autograd_more": f", {value(th, 'x_one_autograd'):.1f}× on {th} threads" if more else "",
    }


def ensemble_display(ens: pd.DataFrame) -> pd.DataFrame:
    """The ensemble wall-time table."""
    return ens[["G", "threads", "engine", "seconds", "us_per_step", "x_one", "x_one_1thread", "speedup"]]


def roofline_display(ens: pd.DataFrame) -> pd.DataFrame:
    """The ensemble step against the machine's matrix-product rate (fast engine rows)."""
    return ens[ens.engine != "autograd"][["G", "threads", "us_per_step", "flops_member_step", "peak_gflops",
                                          "achieved_gflops", "efficiency", "x_one", "floor_x_one"]]


def training_glues(summary: pd.DataFrame) -> dict:
    """The median λ > 0 / λ = 0 training-time ratio per method (NaN for a method of
    :data:`TRAINING_GLUED` not run) and the epochs of each fit."""
    ratios = training_ratios(summary)
    out = {f"train_ratio_{m}": ratios.get(m, math.nan) for m in dict.fromkeys([*ratios, *TRAINING_GLUED])}
    out["train_epochs"] = int(summary.epochs.iloc[0])
    return out


def training_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Training wall time (s) by λ and method (blank for a method that could not train)."""
    table = summary.pivot_table(index="lam", columns="penalty", values="seconds", dropna=False)
    return table.reindex(columns=list(dict.fromkeys(summary.penalty)))


# --------------------------------------------------------------------------------------
# chapter 07: the verdicts
# --------------------------------------------------------------------------------------
def in_band(x: float, lo: float = THRESHOLDS["band_lo"], hi: float = THRESHOLDS["band_hi"]) -> bool:
    """Whether a ratio matches the paper's "roughly 10x" (``lo <= x <= hi``)."""
    return lo <= x <= hi


def verdict_overhead(ratio: dict, lo: float = THRESHOLDS["band_lo"], hi: float = THRESHOLDS["band_hi"],
                     ranges: dict | None = None) -> str:
    """:data:`RULES` ``overhead`` on the step-time ratios per method (:func:`step_ratios`);
    with ``ranges`` (:func:`ratio_ranges`) a "not reproduced" stands only if every compared
    method's range misses the band (otherwise inconclusive)."""
    if in_band(ratio["exact"], lo, hi):
        return REPRODUCED
    if in_band(ratio["jacfwd"], lo, hi) or in_band(ratio["jacrev"], lo, hi):
        return PARTLY
    if ranges and any(ranges[m][1] >= lo and ranges[m][0] <= hi for m in ("exact", "jacfwd", "jacrev") if m in ranges):
        return INCONCLUSIVE
    return NOT


def verdict_scaling(growth: dict, min_growth: float = THRESHOLDS["growth"]) -> str:
    """:data:`RULES` ``scaling`` on the growth with d per method (:func:`dim_growth`)."""
    if growth["exact"] >= min_growth:
        return REPRODUCED
    if max(growth.get("jacfwd", 0.0), growth.get("jacrev", 0.0)) >= min_growth:
        return PARTLY
    return NOT


def overhead_evidence(ratio: dict, train_ratio: dict, threads, ranges: dict | None = None) -> str:
    """The step-time ratios at the paper's setting and the full-training ratios, in words."""
    s = bench.PAPER_SETTING
    return (f"At the paper's setting (d = {s['d']}, {s['hidden']} hidden, batch {s['batch']}, {threads} thread) "
            f"a step with the closed-form penalty costs {ratio['exact']:.2f}x a plain step on our engine"
            + (f" (range over the step-time spread {ranges['exact'][0]:.2f}-{ranges['exact'][1]:.2f}x)" if ranges else "")
            + " "
            f"({ratio['exact_autograd']:.2f}x through autograd); double backprop costs {ratio['autograd']:.2f}x "
            f"and the naive per-sample Jacobian {ratio['jacrev']:.2f}x (jacrev) and {ratio['jacfwd']:.2f}x "
            f"(jacfwd, one pass per input feature"
            + (f"; range {ranges['jacfwd'][0]:.2f}-{ranges['jacfwd'][1]:.2f}x" if ranges and "jacfwd" in ranges else "")
            + f"), against the paper's ~{paper.TRAINING_OVERHEAD:.0f}x. "
            f"Full training on Concrete: {train_ratio.get('exact', math.nan):.2f}x (closed form), "
            f"{train_ratio.get('jacfwd', math.nan):.2f}x (jacfwd).")


def scaling_evidence(growth: dict, ratio_dmax: dict, d_lo: int, d_hi: int) -> str:
    """The growth of the overheads with d, in words."""
    return (f"From d = {d_lo} to d = {d_hi} ({bench.PAPER_SETTING['hidden']} hidden) the jacfwd overhead grows "
            f"{growth.get('jacfwd', math.nan):.1f}-fold (to {ratio_dmax['jacfwd']:.1f}x a plain step), the "
            f"closed form's {growth['exact']:.2f}-fold and double backprop's "
            f"{growth.get('autograd', math.nan):.2f}-fold.")


def verdicts(setting: pd.DataFrame, grid: pd.DataFrame, training: pd.DataFrame, threads=1) -> list[Verdict]:
    """The chapter's two verdicts, decided by :data:`RULES` on the step table at the paper's
    setting (:func:`setting_steps`), the d x width grid (:func:`grid_steps`) and the full
    training runs (:func:`training_summary`), which enter the evidence only."""
    ratio, train, ranges = step_ratios(setting), training_ratios(training), ratio_ranges(setting)
    growth, dmax, (d_lo, d_hi) = dim_growth(grid), ratio_at_dmax(grid), dim_range(grid)
    return [
        Verdict("overhead", "The regularizer costs ~10x training time", verdict_overhead(ratio, ranges=ranges),
                rule("overhead"), overhead_evidence(ratio, train, threads, ranges), paper=f"~{paper.TRAINING_OVERHEAD:.0f}x",
                ours=f"{ratio['exact']:.2f}x (closed form), {ratio['jacfwd']:.2f}x (jacfwd)",
                numbers={"ratio": ratio, "train_ratio": train}),
        Verdict("scaling", "The regularizer's cost grows with the input dimension", verdict_scaling(growth),
                rule("scaling"), scaling_evidence(growth, dmax, d_lo, d_hi), paper="O(d·h)",
                ours=f"jacfwd x{growth.get('jacfwd', math.nan):.1f}, closed form x{growth['exact']:.2f} "
                     f"(d {d_lo} -> {d_hi})",
                numbers={"growth": growth, "ratio_dmax": dmax}),
    ]


__all__ = ["THRESHOLDS", "RULES", "SETTINGS", "LIPSCHITZ_TARGET", "rule", "training_times", "training_summary",
           "training_ratios", "overhead_ratios", "overhead_display", "settings", "setting_steps", "grid_steps",
           "ensemble_times", "concrete_training", "machine_glues", "step_ratios", "ratio_ranges", "setting_glues",
           "setting_display", "grid_ratio_table", "grid_time_table", "dim_range", "dim_growth", "ratio_at_dmax",
           "grid_glues", "ensemble_glues", "ensemble_display", "roofline_display", "training_glues",
           "training_table", "in_band", "verdict_overhead", "verdict_scaling", "overhead_evidence",
           "scaling_evidence", "verdicts"]
