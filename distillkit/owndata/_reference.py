"""The references a formula is judged against, on the estimator's own folds: a tuned black box
(gradient boosting) and the linear model, and the rule that flags a weak teacher or reference."""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

#: the black box's grid, tuned by the estimator's folds (learning rate 0.05; shallow and deep
#: trees, small and large leaves, few and many rounds: small tables need the shallow, slow end)
BLACK_BOX_GRID = {"max_depth": [2, None], "min_samples_leaf": [3, 20], "max_iter": [60, 250]}
#: a flag is raised when a model's mean cross-validated R² is below the linear model's by more than this
FLAG_MARGIN = 0.0


def _one_thread():
    from threadpoolctl import threadpool_limits
    return threadpool_limits(1)  # small models on a shared machine: OpenMP threads only contend


def references(X, y, folds, seed: int = 0) -> dict:
    """Per reference (``"black_box"``, ``"linear"``): ``model`` refitted on all rows, ``cv_r2``
    (per fold), ``cv_mean``, ``cv_sd``, and for the black box the chosen ``params``."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with _one_thread():
        search = GridSearchCV(HistGradientBoostingRegressor(learning_rate=0.05, random_state=int(seed)),
                              BLACK_BOX_GRID, cv=folds, scoring="r2", refit=True).fit(X, y)
        best = search.best_index_
        bb = np.array([search.cv_results_[f"split{f}_test_score"][best] for f in range(len(folds))])
        lin = cross_val_score(LinearRegression(), X, y, cv=folds, scoring="r2")
    return {"black_box": {"model": search.best_estimator_, "cv_r2": bb.tolist(), "cv_mean": float(bb.mean()),
                          "cv_sd": float(bb.std(ddof=1)), "params": dict(search.best_params_),
                          "name": "HistGradientBoostingRegressor (tuned on the same folds)"},
            "linear": {"model": LinearRegression().fit(X, y), "cv_r2": lin.tolist(), "cv_mean": float(lin.mean()),
                       "cv_sd": float(lin.std(ddof=1)), "name": "LinearRegression"}}


def flags(cv_means: dict, margin: float = FLAG_MARGIN) -> list[str]:
    """One sentence per model (``"teacher"``, ``"black_box"``) whose mean cross-validated R² is
    below the linear model's: such a model is no reference to beat."""
    lin = cv_means["linear"]
    out = []
    for key, label in (("teacher", "the teacher (network)"), ("black_box", "the black-box reference")):
        v = cv_means.get(key)
        if v is not None and np.isfinite(v) and v < lin - margin:
            out.append(f"{label} cross-validates below LinearRegression (mean R² {v:.3f} against {lin:.3f}): "
                       "a formula that beats it has not beaten a competent model")
    return out


__all__ = ["BLACK_BOX_GRID", "FLAG_MARGIN", "references", "flags"]
