"""Wall time of lone teacher fits per penalty and λ (chapters 02 and 07, ``make bench``)."""
from __future__ import annotations

import math

import pandas as pd

from distillkit.experiments import bench
from distillkit.experiments.pipeline import make_split, profile_settings, resolve_config


def _fit_kind(entry: str) -> dict:
    """``fit_teacher`` keywords for a penalty entry: a method of :data:`bench.METHOD_SPECS`
    (its penalty, Jacobian method and engine); anything else is passed on as a penalty
    kind, so ``fit_teacher`` reports it (an error row)."""
    spec = bench.METHOD_SPECS.get(entry)
    if spec is None:
        return dict(penalty=entry, jacobian_method="exact")
    engine, penalty, method, regularized = spec
    if not regularized:
        raise ValueError(f"{entry!r} trains without a penalty; name a regularized method of "
                         f"{tuple(m for m, s in bench.METHOD_SPECS.items() if s[3])}")
    return dict(penalty=penalty, jacobian_method=method, engine=engine)


def training_times(dataset: str = "concrete", lams=None, penalties=("exact", "jacfwd"), repeats: int = 3,
                   profile: str = "paper", seed: int = 0, epochs: int | None = None,
                   device: str | None = None, threads: int | None = None) -> pd.DataFrame:
    """Wall time of *lone* teacher fits (``fit_teacher(...).fit_seconds_``) per penalty and λ.

    Each entry of ``penalties`` is a regularized method of :data:`distillkit.experiments.bench.METHOD_SPECS`:
    a Jacobian method (``"exact"``, ``"jacfwd"``, ...: the Jacobian penalty computed that
    way), a penalty kind (``"lipschitz"``, ``"lipschitz_bound"``) or an engine-specific
    name (``"exact_autograd"``, ``"lipschitz_autograd"``); each trains on that method's
    engine at every λ, λ = 0 included, so a ratio to λ = 0 is the regularizer's price within
    one implementation. The ``penalty`` column keeps the entry as given.

    The split, width, batch and learning rate are the profile's; ``epochs`` (default: the
    profile's budget) sets how long each timed fit trains (no early stopping, so the λ > 0 /
    λ = 0 ratio does not depend on it and a slow penalty can be timed on fewer epochs);
    ``threads`` sets torch's threads for the fits (None: leave as is). One short warm-up
    fit per penalty is discarded; then ``repeats`` rounds each fit every penalty and λ once
    (rounds interleave penalties and λ, so a slow spell of a shared machine hits them alike).
    A penalty that cannot train a lone teacher in this build gets NaN times and its error
    message in ``error``. Columns: dataset, penalty, engine, lam, repeat, epochs, seconds,
    seconds_per_epoch, steps, n_train, threads, teacher_r2, device, error; rows in the order
    penalty, repeat, λ.
    """
    from distillkit.teacher import fit_teacher, resolve_device

    penalties = [penalties] if isinstance(penalties, str) else list(penalties)
    kinds = {pen: _fit_kind(pen) for pen in penalties}
    config = resolve_config(profile)
    lams = sorted({float(v) for v in (profile_settings(profile)["lams"] if lams is None else lams)})
    epochs = int(config["epochs"] if epochs is None else epochs)
    split = make_split(dataset, int(seed), 0.0, config)
    n_train = len(split.y_train)
    params = dict(hidden_layer_sizes=config["hidden_layer_sizes"], epochs=epochs,
                  batch_size=config["batch_size"], learning_rate=config["learning_rate"],
                  device=device or config["device"], random_state=int(seed))
    dev = str(resolve_device(params["device"]))
    steps = epochs * math.ceil(n_train / int(config["batch_size"]))

    def row(pen, lam, r, used, seconds=math.nan, r2=math.nan, error=""):
        return dict(dataset=dataset, penalty=pen, engine=kinds[pen].get("engine", ""), lam=lam, repeat=r,
                    epochs=epochs, seconds=seconds, seconds_per_epoch=seconds / epochs, steps=steps,
                    n_train=n_train, threads=used, teacher_r2=r2, device=dev, error=error)

    rows, ok = [], []
    with bench.torch_threads(threads) as used:
        for pen in penalties:
            try:  # warm-up: first-call costs (allocations, torch.func tracing) are not training time
                fit_teacher(split.X_train, split.y_train, lam=max(lams), **kinds[pen], **dict(params, epochs=1))
                ok.append(pen)
            except Exception as exc:  # noqa: BLE001 - reported in the table, not hidden
                msg = f"{type(exc).__name__}: {exc}"
                rows += [row(pen, lam, r, used, error=msg) for r in range(repeats) for lam in lams]
        for r in range(repeats):
            for pen in ok:
                for lam in lams:
                    t = fit_teacher(split.X_train, split.y_train, lam=lam, **kinds[pen], **params)
                    rows.append(row(pen, lam, r, used, float(t.fit_seconds_),
                                    float(t.score(split.X_test, split.y_test))))
    order = {pen: i for i, pen in enumerate(penalties)}
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    key = out.penalty.map(order) * (repeats + 1) + out.repeat
    return out.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)
