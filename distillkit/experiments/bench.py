"""What the smoothness penalties cost: per-step timings and ensembles (full lone-teacher
training runs: :func:`distillkit.experiments.timing.training_times`, which takes the methods below).

The paper reports that its regularizer makes training "roughly 10x" slower and that the
cost grows with the input dimension (Sections 3.2, 4.2, Limitations). This module
measures the cost of each way of computing the penalty, on the same network and data:

========================  ========  =================================================
method                    engine    how the step is computed
========================  ========  =================================================
``plain``                 fast      no penalty; hand-written forward/backward
``exact``                 fast      closed-form Jacobian, hand-written gradient
``plain_autograd``        autograd  no penalty; ``loss.backward()`` (a standard step)
``exact_autograd``        autograd  closed-form Jacobian, gradient by autograd
``autograd``              autograd  double backprop, one ``autograd.grad`` per output
``projection``            autograd  one random projection per step (Hoffman et al.)
``jacrev``                autograd  full per-sample Jacobian, ``torch.func`` + ``vmap``
``jacfwd``                autograd  same in forward mode: one pass per input feature
``lipschitz``             fast      local Lipschitz penalty (batch max), hand-written
``lipschitz_bound``       fast      global bound, power iteration, hand-written
``lipschitz_autograd``    autograd  local Lipschitz penalty, closed form, autograd
========================  ========  =================================================

(the Lipschitz penalties are defined in :mod:`distillkit.penalties.lipschitz`).

Timings are medians of individually timed steps; methods compared with each other are
measured *interleaved* (blocks of steps in turn), so background load hits all of them
alike and their ratio is a ratio of medians from one run.
"""
from __future__ import annotations

import contextlib
import math
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd
import torch

from distillkit.experiments import paper
from distillkit.teacher import MLP, fit_teacher_ensemble, make_engine, resolve_device

#: method -> (engine, penalty, jacobian_method, regularized)
METHOD_SPECS = {
    "plain": ("fast", "jacobian", "exact", False),
    "exact": ("fast", "jacobian", "exact", True),
    "plain_autograd": ("autograd", "jacobian", "exact", False),
    "exact_autograd": ("autograd", "jacobian", "exact", True),
    "autograd": ("autograd", "jacobian", "autograd", True),
    "projection": ("autograd", "jacobian", "projection", True),
    "jacrev": ("autograd", "jacobian", "jacrev", True),
    "jacfwd": ("autograd", "jacobian", "jacfwd", True),
    "lipschitz": ("fast", "lipschitz", "exact", True),
    "lipschitz_bound": ("fast", "lipschitz_bound", "exact", True),
    "lipschitz_autograd": ("autograd", "lipschitz", "exact", True),
}
#: the methods of :func:`step_table`, in display order
STEP_METHODS = ("plain", "exact", "lipschitz", "lipschitz_bound", "plain_autograd", "exact_autograd",
                "lipschitz_autograd", "autograd", "projection", "jacrev", "jacfwd")
#: the plain step each method is compared with in ``ratio_engine`` (same engine)
BASELINE = {m: ("plain" if spec[0] == "fast" else "plain_autograd") for m, spec in METHOD_SPECS.items()}
PAPER_SETTING = {"d": 8, "hidden": 100, "batch": 128, "n": 16512}  # California, Table 5


def machine_info() -> dict:
    """CPU model, cores, torch version and threads, GPU if any (for benchmark records)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info = {"cpu": cpu, "cpu_count": os.cpu_count(), "usable_cores": usable,
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "mkl": bool(torch.backends.mkl.is_available()), "python": platform.python_version(),
            "platform": platform.platform(), "gpu": None}
    try:
        info["load_avg_1min"] = os.getloadavg()[0]
    except OSError:
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Temporarily set ``torch.set_num_threads`` (None: leave as is)."""
    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(old)


def _hidden(hidden) -> tuple[int, ...]:
    return (int(hidden),) if np.isscalar(hidden) else tuple(int(h) for h in hidden)


def _synthetic(n: int, d: int, device, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    w = torch.randn(d, generator=g) / math.sqrt(d)
    y = torch.tanh(X @ w) + 0.1 * torch.randn(n, generator=g)
    return X.to(device), y.to(device)


def _engine(method: str, X, y, hidden, batch: int, G: int, lam: float, seed: int = 0):
    if method not in METHOD_SPECS:
        raise ValueError(f"unknown method {method!r}; choose one of {tuple(METHOD_SPECS)}")
    engine, penalty, jacobian_method, regularized = METHOD_SPECS[method]
    model = MLP(X.shape[1], _hidden(hidden), 1, ensemble_size=None if G == 1 else G)
    model.init_from_generators([torch.Generator().manual_seed(seed + g) for g in range(G)])
    model.to(X.device)
    lams = torch.full((G,), float(lam) if regularized else 0.0)
    return make_engine(model, X, y, lams, batch_size=batch, learning_rate=1e-3, penalty=penalty,
                       jacobian_method=jacobian_method, engine=engine)


def time_methods(methods, d: int = 8, hidden=100, batch: int = 128, n: int = 16512,
                 steps: int = 300, threads: int | None = 1, G: int = 1, lam: float = 0.01,
                 device="cpu", warmup: int = 20, block: int = 10, max_seconds: float = 5.0,
                 min_steps: int = 5, seed: int = 0) -> list[dict]:
    """Time single training steps of several methods, interleaved in blocks of ``block``.

    Each method gets ``steps`` timed steps, or fewer (but at least ``min_steps``) once its
    timed steps add up to ``max_seconds``. Returns one dict per method with the median,
    10th and 90th percentile in microseconds.
    """
    device = resolve_device(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    with torch_threads(threads) as used:
        X, y = _synthetic(n, d, device, seed)
        gen = torch.Generator().manual_seed(seed)
        state = {}
        for m in methods:
            eng = _engine(m, X, y, hidden, batch, G, lam, seed)
            perm = torch.stack([torch.randperm(n, generator=gen) for _ in range(G)]).to(device)
            state[m] = {"eng": eng, "perm": perm, "nsteps": eng.begin_epoch(perm), "i": 0,
                        "times": [], "spent": 0.0}

        def run(m, k, record):
            s = state[m]
            eng = s["eng"]
            for _ in range(k):
                if s["i"] == s["nsteps"]:
                    s["nsteps"], s["i"] = eng.begin_epoch(s["perm"]), 0
                i = s["i"]
                t0 = time.perf_counter()
                eng.step(i)
                sync()
                dt = time.perf_counter() - t0
                s["i"] += 1
                if record:
                    s["times"].append(dt)
                    s["spent"] += dt

        for m in methods:  # warm-up: up to ``warmup`` steps or about a second
            t_end = time.perf_counter() + 1.0
            for k in range(warmup):
                run(m, 1, False)
                if k >= 1 and time.perf_counter() > t_end:
                    break
        active = list(methods)
        while active:
            for m in list(active):
                run(m, block, True)
                s = state[m]
                if len(s["times"]) >= steps or (s["spent"] >= max_seconds and len(s["times"]) >= min_steps):
                    active.remove(m)
    out = []
    for m in methods:
        t = np.asarray(state[m]["times"]) * 1e6
        engine, penalty, jacobian_method, regularized = METHOD_SPECS[m]
        out.append({"method": m, "engine": engine, "penalty": penalty if regularized else None,
                    "jacobian_method": jacobian_method if regularized and penalty != "lipschitz_bound" else None,
                    "d": d, "hidden": "x".join(map(str, _hidden(hidden))), "batch": batch, "n": n,
                    "G": G, "threads": used, "device": str(device),
                    "median_us": float(np.median(t)), "p10_us": float(np.percentile(t, 10)),
                    "p90_us": float(np.percentile(t, 90)), "steps": int(t.size)})
    return out


def time_steps(method: str, d: int, hidden=100, batch: int = 128, n: int = 16512,
               steps: int = 300, threads: int | None = 1, **kw) -> dict:
    """Median time of one training step of ``method`` (see :data:`METHOD_SPECS`), plus
    its ratio to a plain step measured interleaved with it (``ratio``: the fast plain
    step; ``ratio_engine``: the plain step of the same engine)."""
    base = BASELINE[method] if method in METHOD_SPECS else None
    methods = list(dict.fromkeys([method, "plain", base]))
    rows = {r["method"]: r for r in time_methods(methods, d, hidden, batch, n, steps, threads, **kw)}
    row = dict(rows[method])
    row["ratio"] = row["median_us"] / rows["plain"]["median_us"]
    row["ratio_engine"] = row["median_us"] / rows[base]["median_us"]
    return row


def step_table(methods=STEP_METHODS, dims=(8, 32, 128, 512), hiddens=(100, 400), batch: int = 128,
               n: int = 16512, steps: int = 300, threads: int | None = 1, max_seconds: float = 2.0,
               progress: bool = False, **kw) -> pd.DataFrame:
    """Step time of every method for every input dimension and width.

    Columns: ``median_us`` (and p10/p90), ``ratio`` = median / median of the fast
    ``plain`` step, ``ratio_engine`` = median / median of the plain step of the same
    engine (``plain`` or ``plain_autograd``), ``ratio_best_plain`` = median / the faster
    of the two plain steps (at large d x width the fast engine's plain step, which also
    forms the Jacobian it uses for the output, is no faster than autograd's). Both plain
    steps are always measured.
    """
    methods = list(dict.fromkeys(["plain", "plain_autograd", *methods]))
    cells = [(d, h) for h in hiddens for d in dims]
    if progress:
        from tqdm.auto import tqdm
        cells = tqdm(cells, desc="step timings")
    rows = []
    for d, h in cells:
        rows += time_methods(methods, d, h, batch, n, steps, threads, max_seconds=max_seconds, **kw)
    df = pd.DataFrame(rows)
    key = ["d", "hidden"]
    plain = df[df.method == "plain"].set_index(key)["median_us"]
    df["ratio"] = df["median_us"].to_numpy() / plain.loc[list(zip(df.d, df.hidden))].to_numpy()
    base = df.set_index(key + ["method"])["median_us"]
    df["ratio_engine"] = [r.median_us / base[(r.d, r.hidden, BASELINE[r.method])]
                          for r in df.itertuples()]
    best = df[df.method.isin(["plain", "plain_autograd"])].groupby(key)["median_us"].min()
    df["ratio_best_plain"] = df["median_us"].to_numpy() / best.loc[list(zip(df.d, df.hidden))].to_numpy()
    return df


def time_ensemble(G_values=(1, 6, 30), d: int = 8, hidden=100, n: int = 16512, batch: int = 128,
                  epochs: int = 5, threads=(1, None), lams=paper.LAMS,
                  repeats: int = 3, engine: str = "auto", baseline_autograd: bool = True,
                  device="cpu", progress: bool = False, roofline: bool = True) -> pd.DataFrame:
    """Wall time of training G teachers as one ensemble vs one teacher.

    Member g has ``lam = lams[g % len(lams)]`` and seed ``g // len(lams)`` (G=30 with the
    default λ grid is the paper's 6 λ x 5 seeds). Each G is trained ``repeats`` times
    (interleaved over G) for ``epochs`` epochs through :func:`fit_teacher_ensemble`;
    ``seconds`` is the median. ``x_one`` = seconds / seconds of G=1 with the same
    threads and engine; ``x_one_autograd`` the same against one autograd teacher;
    ``speedup`` = G x (one teacher) / seconds. ``threads`` lists the
    thread counts to measure (None: torch's default, usually the number of cores).
    With ``baseline_autograd`` one teacher is also timed with the autograd engine
    (the standard PyTorch training loop) at each thread count. With ``roofline`` the
    machine's matrix-product rate is measured too and :func:`add_roofline` adds the
    achieved rate and the lowest ``x_one`` that rate allows.
    """
    X, y = _synthetic(n, d, "cpu")
    X, y = X.numpy(), y.numpy()
    default_threads = torch.get_num_threads()
    configs = []
    for th in threads:
        th_eff = default_threads if th is None else int(th)
        for G in G_values:
            configs.append((th_eff, "default" if th is None else "set", G, engine))
        if baseline_autograd:
            configs.append((th_eff, "default" if th is None else "set", 1, "autograd"))
    configs = list(dict.fromkeys(configs))
    times = {c: [] for c in configs}
    todo = [(r, c) for r in range(repeats) for c in configs]
    if progress:
        from tqdm.auto import tqdm
        todo = tqdm(todo, desc="ensemble timings")
    def fit(th, G, eng, n_epochs):
        g_lams = [float(lams[g % len(lams)]) for g in range(G)]
        seeds = [g // len(lams) for g in range(G)]
        with torch_threads(th):
            t0 = time.perf_counter()
            fit_teacher_ensemble(X, y, g_lams, seeds, hidden_layer_sizes=_hidden(hidden),
                                 epochs=n_epochs, batch_size=batch, device=device, engine=eng)
            return time.perf_counter() - t0

    for th, _, G, eng in configs:  # warm-up (first-call allocations), not timed
        fit(th, G, eng, 1)
    for _, (th, kind, G, eng) in todo:
        times[(th, kind, G, eng)].append(fit(th, G, eng, epochs))
    steps = epochs * math.ceil(n / batch)
    rows = []
    for (th, kind, G, eng), ts in times.items():
        rows.append({"G": G, "threads": th, "threads_setting": kind, "engine": eng,
                     "seconds": statistics.median(ts), "seconds_min": min(ts),
                     "us_per_step": statistics.median(ts) / steps * 1e6, "epochs": epochs,
                     "steps": steps, "d": d, "hidden": "x".join(map(str, _hidden(hidden))), "n": n,
                     "batch": batch})
    df = pd.DataFrame(rows)
    one = df[(df.G == 1) & (df.engine == engine)].set_index("threads")["seconds"]
    one_1 = one.get(1, np.nan)
    df["x_one"] = df.seconds / df.threads.map(one)
    df["x_one_1thread"] = df.seconds / one_1  # against one teacher on one thread
    df["speedup"] = df.G * df.threads.map(one) / df.seconds
    lone_autograd = df[(df.G == 1) & (df.engine == "autograd")].set_index("threads")["seconds"]
    df["x_one_autograd"] = df.seconds / df.threads.map(lone_autograd)  # NaN without that baseline
    if roofline:
        df = add_roofline(df, {int(th): peak_matmul_gflops(int(th), device=device)
                               for th in sorted(set(df.threads))})
    return df


def ensemble_value(ens: pd.DataFrame, G: int, threads: int, column: str, autograd: bool = False) -> float:
    """One number from :func:`time_ensemble`'s table: ``column`` of the row with G members
    on ``threads`` threads, of the autograd baseline or (default) the timed engine; NaN if
    that row was not measured."""
    rows = ens[(ens.G == G) & (ens.threads == threads) & ((ens.engine == "autograd") == autograd)]
    return float(rows[column].iloc[0]) if len(rows) else math.nan


def peak_matmul_gflops(threads: int | None = None, n: int = 1024, repeats: int = 5,
                       device="cpu") -> float:
    """The machine's dense float32 matrix-product rate in GFLOP/s: the best of ``repeats``
    timed ``n x n @ n x n`` products (``2 n^3`` operations) on ``threads`` torch threads."""
    dev = resolve_device(device)
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=g).to(dev) for _ in range(2))
    out = torch.empty(n, n, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    best = math.inf
    with torch_threads(threads):
        for r in range(repeats + 1):  # the first product warms up (allocations, clocks)
            sync()
            t0 = time.perf_counter()
            torch.mm(a, b, out=out)
            sync()
            if r:
                best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def fast_step_flops(d: int, hidden: int, batch: int) -> int:
    """Floating-point operations of one member's step on the fast engine, counting its three
    matrix products ``(h, d+1) x (d+1, B)``, ``(d+1, h) x (h, B)``, ``(h, B) x (B, d+1)``
    (2 operations per multiply-add): ``6 h (d+1) B``. The elementwise work, O(h B), is left
    out, so this is a lower bound."""
    return 6 * int(hidden) * (int(d) + 1) * int(batch)


def add_roofline(ens: pd.DataFrame, peak_gflops: dict) -> pd.DataFrame:
    """Compare ensemble timings (from :func:`time_ensemble`) with the machine's matrix-product
    rate ``peak_gflops`` (threads -> GFLOP/s).

    Adds ``flops_member_step`` (:func:`fast_step_flops`), ``achieved_gflops`` (G members'
    matrix products per measured step time), ``efficiency`` (achieved / peak) and
    ``floor_x_one``: a lower bound on ``x_one`` for any implementation that keeps one
    teacher's step time ``t1`` and adds the other G - 1 members' matrix products at the peak
    rate, ``1 + (G - 1) flops / (peak t1)``. Rows of the autograd engine get NaN.
    """
    df = ens.copy()
    fast = df.engine != "autograd"
    # one hidden layer only (the fast engine's case); deeper nets get NaN
    flops = np.array([fast_step_flops(d, int(h), b) if str(h).isdigit() else np.nan
                      for d, h, b in zip(df.d, df.hidden, df.batch)], float)
    peak = df.threads.map(lambda th: peak_gflops.get(int(th), np.nan)).astype(float)
    one = df[fast & (df.G == 1)].set_index("threads")["us_per_step"]
    t1 = df.threads.map(one).astype(float)
    df["flops_member_step"] = np.where(fast, flops, np.nan)
    df["peak_gflops"] = peak
    df["achieved_gflops"] = np.where(fast, df.G * flops / (df.us_per_step * 1e3), np.nan)
    df["efficiency"] = df.achieved_gflops / peak
    df["floor_x_one"] = np.where(fast, 1 + (df.G - 1) * flops / (peak * 1e3 * t1), np.nan)
    return df


LABELS = {"plain": "plain (fast engine)", "exact": "exact, closed form (fast engine)",
          "plain_autograd": "plain (autograd)", "exact_autograd": "exact, closed form (autograd)",
          "autograd": "double backprop (autograd)", "projection": "random projection (autograd)",
          "jacrev": "jacrev + vmap (autograd)", "jacfwd": "jacfwd + vmap (autograd)",
          "lipschitz": "Lipschitz, batch max (fast engine)",
          "lipschitz_bound": "Lipschitz bound, spectral norms (fast engine)",
          "lipschitz_autograd": "Lipschitz, batch max (autograd)"}
STYLE = {"exact": ("C0", "o", "-"), "exact_autograd": ("C1", "s", "--"), "autograd": ("C2", "^", "--"),
         "projection": ("C3", "v", "--"), "jacrev": ("C4", "D", ":"), "jacfwd": ("C5", "P", ":"),
         "plain_autograd": ("0.5", "x", "-."), "plain": ("k", ".", "-"),
         "lipschitz": ("C6", "*", "-"), "lipschitz_bound": ("C7", "h", "-"),
         "lipschitz_autograd": ("C8", "p", "--")}


def overhead_figure(grid: pd.DataFrame, paper_overhead: float | None = 10.0, column: str = "ratio_engine"):
    """Step-time ratio (regularized / plain, same engine) against input dimension, one
    panel per hidden width, log axes; the paper's "roughly 10x" as a dashed line."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    hiddens = list(dict.fromkeys(grid.hidden))
    dims = sorted(set(int(d) for d in grid.d))
    fig, axes = plt.subplots(1, len(hiddens), figsize=(4.6 * len(hiddens) + 2.6, 4.0), sharey=True,
                             squeeze=False)
    for ax, h in zip(axes[0], hiddens):
        sub = grid[(grid.hidden == h) & ~grid.method.isin(["plain", "plain_autograd"])]
        for m in [m for m in STYLE if m in set(sub.method)]:
            s = sub[sub.method == m].sort_values("d")
            c, mk, ls = STYLE[m]
            ax.plot(s.d, s[column], color=c, marker=mk, linestyle=ls, label=LABELS[m])
        ax.axhline(1.0, color="k", lw=0.8)
        if paper_overhead:
            ax.axhline(paper_overhead, color="k", ls="--", lw=1, label=f"paper: ~{paper_overhead:g}x")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(dims)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.set_xlabel("input dimension d (features)")
        ax.set_title(f"{h} hidden units, batch {int(grid.batch.iloc[0])}, "
                     f"{int(grid.threads.iloc[0])} thread(s)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("step time / plain step time (same engine)")
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


__all__ = ["overhead_figure", "LABELS", "METHOD_SPECS", "STEP_METHODS", "PAPER_SETTING", "machine_info", "torch_threads",
           "time_methods", "time_steps", "step_table", "time_ensemble",
           "ensemble_value", "peak_matmul_gflops", "fast_step_flops", "add_roofline"]


def student_cost(datasets=("california", "concrete", "abalone", "wine_red", "diabetes"), seed: int = 0,
                 profile: str = "paper", **overrides) -> pd.DataFrame:
    """Wall time and test R² of one student fit per data set: gplearn (converged) and Operon
    at the profile's budgets, each fitted directly on the standardized training split.

    The Operon budget (``operon_evaluations``) is meant to cost no more than the
    converged gplearn fit: ``operon_over_gplearn`` should stay at or below 1.
    """
    from distillkit.experiments.pipeline import build_student, make_split, resolve_config

    config = resolve_config(profile, **overrides)
    rows = []
    for name in datasets:
        split = make_split(name, seed, 0.0, config)
        row = {"dataset": name, "n_train": len(split.y_train), "d": len(split.feature_names)}
        for student, reading in (("gplearn", "converged"), ("operon", "converged")):
            model = build_student(student, reading, 42 + seed, config, split.feature_names)
            model.fit(split.X_train, split.y_train)
            row[f"{student}_seconds"] = float(model.fit_seconds_)
            row[f"{student}_r2"] = float(model.score(split.X_test, split.y_test))
            row[f"{student}_complexity"] = int(model.complexity_)
        row["operon_over_gplearn"] = row["operon_seconds"] / row["gplearn_seconds"]
        rows.append(row)
    return pd.DataFrame(rows)
