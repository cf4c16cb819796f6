"""Chapter 7's measurements: lone-teacher training time per penalty and λ (Figure 2),
and the overhead of λ > 0 over λ = 0."""
from __future__ import annotations

import math

import pandas as pd

from . import paper
from .params import resolve_lams
from .pipeline import make_split, resolve_config
from .summaries import _order


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

