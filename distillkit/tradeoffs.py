"""Chapter 2's claims: the teacher keeps its accuracy as λ grows; the Concrete student
peaks at λ = 0.001 (Figure 2)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .competence import competent_cells
from .metrics import best_lambda
from .verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED


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

