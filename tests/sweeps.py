"""Synthetic λ sweeps for the chapter modules' tests (no training, no data files)."""
from __future__ import annotations

import pandas as pd

LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)


def fake_sweep(curves: dict, readings=("literal", "converged"), seeds=(0,), noise=0.0, shift=None) -> pd.DataFrame:
    """A sweep-like frame: ``curves[dataset][reading]`` is the student R² per λ of LAMS.

    ``shift[seed]`` is added to every student R² of that seed.
    """
    rows = []
    for ds, by_reading in curves.items():
        for reading in readings:
            for seed in seeds:
                for k, lam in enumerate(LAMS):
                    s = by_reading[reading][k] + (shift or {}).get(seed, 0.0)
                    rows.append(dict(dataset=ds, lam=lam, seed=seed, noise=noise, sr_reading=reading,
                                     teacher_r2=0.8 - 0.01 * k, student_r2=s, xgb_r2=0.9, linear_r2=0.6,
                                     tree_r2=0.7 + 0.001 * k, tree_leaves=32, complexity=10 - k,
                                     formula=f"add(X0, {k})", formula_latex=f"x_0 + {k}", sr_generations=1))
    return pd.DataFrame(rows)


CURVES = {
    "concrete": {"literal": [0.10, 0.60, 0.10, 0.42, 0.10, 0.10], "converged": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]},
    "wine_red": {"literal": [0.18] * 6, "converged": [0.2, 0.1, 0.15, 0.12, 0.11, 0.1]},
}


FAILED = {  # Concrete's λ = 0 literal student 0.0 is > 0.05 below the paper's 0.10: not competent
    "concrete": {"literal": [0.00, 0.60, 0.10, 0.42, 0.10, 0.10], "converged": [0.5] * 6},
    "wine_red": {"literal": [0.18] * 6, "converged": [0.2, 0.1, 0.15, 0.12, 0.11, 0.1]},
}

