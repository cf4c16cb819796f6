"""A chapter's parameters as the code needs them, and the one sweep chapters 1-6 share.

Papermill passes parameters as text (``-p seeds 10``, ``-p datasets '["diabetes"]'``);
the ``resolve_*`` helpers turn them, or ``None`` (the profile's default), into checked
values. Every chapter 1-6 gets its numbers from :func:`paper_sweep` with the same
arguments, so the on-disk cache of :func:`distillkit.experiments.sweep.run_grid` is shared.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from distillkit.datasets import DATASETS
from distillkit.experiments.pipeline import profile_settings
from distillkit.vocab import SR_READINGS
from distillkit.experiments.sweep import run_grid


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
    """None means all five data sets (:data:`distillkit.datasets.DATASETS`)."""
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
    try:
        out = tuple(sorted({float(v) for v in out}))
    except (TypeError, ValueError):
        raise ValueError(f"parameter lams must be a list of numbers (e.g. [0, 0.1]), got {lams!r}") from None
    if 0.0 not in out:
        raise ValueError(f"the λ grid must contain 0 (the standard teacher), got {out}")
    return out


def resolve_seeds(profile: str, seeds=None, key: str = "seeds") -> tuple[int, ...]:
    """None means the profile's setting ``key`` (``seeds``; chapters 08-11 read
    ``robustness_seeds``), an int n means ``range(n)``, a list is used as is."""
    if seeds is None:
        seeds = profile_settings(profile)[key]
    if isinstance(seeds, str) and seeds.strip().isdigit():
        seeds = int(seeds)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        return tuple(range(int(seeds)))
    items = None
    try:
        items = as_list(seeds)
        out = tuple(int(s) for s in items if float(s) == int(s))
    except (TypeError, ValueError, SyntaxError, OverflowError):
        out = ()
    if not out or items is None or len(out) != len(items):
        raise ValueError(f"parameter {key} must be a number of seeds (e.g. 3) or a list of integer seeds "
                         f"(e.g. [0, 1]), got {seeds!r}")
    from distillkit.experiments.settings import check_seed
    return tuple(check_seed(s, f"parameter {key}") for s in out)


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

