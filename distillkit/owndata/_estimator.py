"""``DistilledRegressor``: a table into one formula, the route chosen by cross-validation.

Two routes compete on the same folds: the symbolic student fitted *directly* to the labels,
and the student *distilled* from a Jacobian-penalized MLP teacher, one candidate per λ.
Every candidate is scored by the held-out R² of the one formula its fit reports, over K folds
of the training rows; :data:`RULE` picks the route and λ (the one-standard-error rule), and
the winner is refitted on all training rows. Scores of one round only: the cross-validated
numbers are those of the very procedure the refit repeats.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import time

import numpy as np
import pandas as pd
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.utils.validation import check_is_fitted, validate_data

from distillkit.owndata._formulas import (BOX_POINTS, MEMBER_RULE, box_sample, chosen, evaluate, front_of,
                                          latex, to_data)
from distillkit.stats.metrics import r2

#: the route-and-λ rule (stated in every report; ``{k}`` is the number of folds)
RULE = ("route and λ by {k}-fold cross-validation on the training rows: each candidate (the direct "
        "fit, and one distilled fit per λ) is scored by the held-out R² of its formula, mean and "
        "standard error (sd / √{k}) over the folds; one-standard-error rule: among the candidates "
        "whose mean reaches the best mean minus the best candidate's standard error, the simplest "
        "wins: the direct fit if it qualifies (it needs no teacher), else the distilled λ whose "
        "formulas are shortest on average (ties: the larger λ, the smoother teacher); the winner "
        "is refitted on all training rows")
DEFAULT_LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)  # the paper's grid (its Table 6)
DEFAULT_BUDGET = {"operon": 20_000, "gplearn": 20}  # Operon evaluations, gplearn generations
SR_SEED = 42  # the student's random_state is SR_SEED + random_state (as the experiments)


def as_text(X):
    """Categorical values as text (``None`` and ``"None"`` are the same level)."""
    return np.asarray(X, dtype=object).astype(str)


def as_float(X):
    return np.asarray(X, dtype=np.float64)


def one_se_choice(table: pd.DataFrame) -> int:
    """Row label :data:`RULE` picks from a table with ``route``, ``lam``, ``mean_r2``,
    ``se_r2``, ``mean_complexity`` (a candidate with a non-finite mean never qualifies)."""
    ok = table[np.isfinite(table.mean_r2)]
    if ok.empty:
        raise ValueError("every candidate's formula is non-finite on some held-out fold")
    best = ok.mean_r2.idxmax()
    se = ok.se_r2[best] if np.isfinite(ok.se_r2[best]) else 0.0
    eligible = ok[ok.mean_r2 >= ok.mean_r2[best] - se]
    direct = eligible[eligible.route == "direct"]
    if len(direct):
        return direct.index[0]
    return eligible.sort_values(["mean_complexity", "lam"], ascending=[True, False], kind="stable").index[0]


@contextlib.contextmanager
def one_torch_thread():
    """torch on one thread while the teachers train: these networks are small, and on a busy
    machine torch's spinning threads made one step 30 times slower (0.2 s against 6.7 s for
    200 epochs of one teacher on 80 rows, 2 cores under load)."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


class DistilledRegressor(RegressorMixin, BaseEstimator):
    """A formula for your target, distilled or fitted directly, whichever cross-validates.

    Parameters
    ----------
    student : {"operon", "gplearn"}
    lams : tuple of float >= 0
        The teacher's Jacobian-penalty grid; each λ is one distilled candidate (empty: the
        direct route only).
    cv : int >= 2
        Folds of the cross-validation that picks route and λ (:data:`RULE`).
    functions : str or sequence
        The student's functions: ``"laws"`` (add, sub, mul, division, exp, log, sqrt),
        ``"arithmetic"``, or names such as ``"add,mul,exp"``
        (:func:`distillkit.students.function_set`).
    nonnegative : "auto", bool
        The formula is ``max(0, ·)`` of the student's (which never raises squared error when the
        target is non-negative); "auto": when no training target is negative.
    tolerance : float >= 0
        Within a fit, the simplest member within ``tolerance`` R² of the best
        (:data:`~distillkit.owndata._formulas.MEMBER_RULE`).
    budget : int, optional
        Operon evaluations (default 20 000) or gplearn generations (default 20) of each fit.
    population_size : int, optional
        The student's population (default: the student's own, 500).
    refine : float >= 1
        Budget multiplier of the final refit (1: the refit repeats what was cross-validated).
    teacher_steps : int
        Adam steps of each teacher (epochs = steps / batches per epoch, at least 1).
    hidden_layer_sizes, device : the teacher's network and torch device.
    random_state : int
        Folds, teachers and students.
    progress : bool
        A progress bar over the folds.

    Attributes
    ----------
    formula_ (sympy, data units, symbols named after the encoded columns), ``complexity_``,
    ``route_`` ("distilled" or "direct"), ``lam_`` (None for direct), ``direct_formula_``,
    ``cv_results_`` (DataFrame, one row per candidate: fold scores, mean, sd, se), ``cv_folds_``,
    ``pareto_front_`` (the refitted winner's members, data units), ``teacher_`` (the teacher at
    the chosen λ, or at the best distilled λ when direct wins), ``student_``,
    ``direct_student_``, ``encoder_`` (ColumnTransformer: numbers as they are, text columns
    one-hot as ``<column>_<level>``), ``feature_names_out_``, ``symbols_``, ``nonnegative_``,
    ``rule_``, ``fit_seconds_``.
    """

    def __init__(self, student="operon", lams=DEFAULT_LAMS, cv=5, functions="laws", nonnegative="auto",
                 tolerance=0.01, budget=None, population_size=None, refine=1.0, teacher_steps=2000,
                 hidden_layer_sizes=(100,), random_state=0, device="auto", progress=False):
        self.student = student
        self.lams = lams
        self.cv = cv
        self.functions = functions
        self.nonnegative = nonnegative
        self.tolerance = tolerance
        self.budget = budget
        self.population_size = population_size
        self.refine = refine
        self.teacher_steps = teacher_steps
        self.hidden_layer_sizes = hidden_layer_sizes
        self.random_state = random_state
        self.device = device
        self.progress = progress

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> list[float]:
        from distillkit.students import STUDENTS, function_set
        from distillkit.teacher import check_lam
        if self.student not in STUDENTS:
            raise ValueError(f"student must be one of {STUDENTS}, got {self.student!r}")
        function_set(self.student, self.functions)
        lams = sorted({check_lam(lam) for lam in np.atleast_1d(np.asarray(self.lams, dtype=object)).tolist()})
        ints = {"cv": 2, "teacher_steps": 1, "random_state": 0}
        for name, low in ints.items():
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
        for name in ("budget", "population_size"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {v!r}")
        if not _is_number(self.tolerance) or self.tolerance < 0:
            raise ValueError(f"tolerance must be a finite number >= 0, got {self.tolerance!r}")
        if not _is_number(self.refine) or not 1 <= self.refine <= 100:
            raise ValueError(f"refine must be a number in [1, 100], got {self.refine!r}")
        if self.nonnegative not in ("auto", True, False):
            raise ValueError(f"nonnegative must be 'auto', True or False, got {self.nonnegative!r}")
        return lams

    @staticmethod
    def _text_columns(X) -> list[int]:
        """Positions of a DataFrame's text, categorical and boolean columns (none for arrays)."""
        if not hasattr(X, "dtypes"):
            return []
        return [i for i, dt in enumerate(X.dtypes)
                if not pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)]

    def _encode(self, X, y=None, fit: bool = False):
        """Validated X through :attr:`encoder_` (fitted here when ``fit``): float64, finite;
        with ``fit``, (Z, y)."""
        if fit:
            self.text_columns_ = self._text_columns(X)
            dtype = None if self.text_columns_ else np.float64
            X, y = validate_data(self, X, y, dtype=dtype, y_numeric=True)
            numeric = [i for i in range(X.shape[1]) if i not in self.text_columns_]
            parts = [("numeric", FunctionTransformer(as_float), numeric)]
            if self.text_columns_:
                onehot = Pipeline([("text", FunctionTransformer(as_text)),
                                   ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))])
                parts.append(("categorical", onehot, self.text_columns_))
            self.encoder_ = ColumnTransformer(parts, sparse_threshold=0)
            Z = self.encoder_.fit_transform(X)
        else:
            X = validate_data(self, X, reset=False, dtype=None if self.text_columns_ else np.float64)
            Z = self.encoder_.transform(X)
        Z = np.asarray(Z, dtype=np.float64)
        if not np.isfinite(Z).all():
            raise ValueError("Input X contains NaN or infinity.")
        return (Z, np.asarray(y, dtype=np.float64)) if fit else Z

    def _names(self) -> list[str]:
        cols = [str(c) for c in getattr(self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)])]
        names = [cols[i] for i in range(len(cols)) if i not in self.text_columns_]
        if self.text_columns_:
            enc = self.encoder_.named_transformers_["categorical"].named_steps["onehot"]
            for i, levels in zip(self.text_columns_, enc.categories_):
                names += [f"{cols[i]}_{level}" for level in levels]
        return names

    # ------------------------------------------------------------------ fitting
    def _student(self, names, factor: float):
        from distillkit.students import function_set, make_student
        budget = self.budget or DEFAULT_BUDGET[self.student]
        kw = dict(function_set=function_set(self.student, self.functions),
                  random_state=SR_SEED + int(self.random_state), feature_names=names)
        if self.population_size is not None:
            kw["population_size"] = int(self.population_size)
        if self.student == "operon":
            return make_student("operon", max_evaluations=int(round(budget * factor)), **kw)
        return make_student("gplearn", generations=int(round(budget * factor)), sr_reading="converged", **kw)

    def _routes(self, Z, y, lams, direct: bool, factor: float) -> dict:
        """Fit the direct route (when ``direct``) and one distilled route per λ on (Z, y)."""
        from distillkit.teacher import fit_teacher_ensemble
        x_mean, x_scale = Z.mean(axis=0), Z.std(axis=0)
        x_scale = np.where(x_scale > 0, x_scale, 1.0)
        y_mean, y_scale = float(y.mean()), float(y.std()) or 1.0
        scaling = dict(x_mean=x_mean, x_scale=x_scale, y_mean=y_mean, y_scale=y_scale)
        Zs, ys = (Z - x_mean) / x_scale, (y - y_mean) / y_scale
        box = box_sample(Zs, BOX_POINTS, int(self.random_state))
        teachers = []
        if lams:
            batch = 128
            epochs = max(1, math.ceil(self.teacher_steps / math.ceil(len(ys) / batch)))
            with one_torch_thread():
                teachers = fit_teacher_ensemble(Zs, ys, list(lams), [int(self.random_state)] * len(lams),
                                                hidden_layer_sizes=tuple(self.hidden_layer_sizes),
                                                epochs=epochs, batch_size=batch, device=self.device)
        jobs = ([("direct", None, ys)] if direct else []) + [(lam, t, t.predict(Zs)) for lam, t in zip(lams, teachers)]
        out = {}
        for key, teacher, fit_y in jobs:
            student = self._student(self.symbol_names_, factor).fit(Zs, fit_y)
            front = front_of(student, self.symbol_names_, Zs, fit_y, box, float(self.tolerance))
            expr = to_data(chosen(front).formula, self.symbol_names_, scaling, self.nonnegative_)
            out[key] = {"teacher": teacher, "student": student, "front": front, "formula": expr,
                        "complexity": int(chosen(front).complexity), "scaling": scaling}
        return out

    def fit(self, X, y):
        """Choose route and λ by cross-validation on (X, y), then refit the winner on all rows."""
        from distillkit.owndata._preflight import formula_symbols
        lams = self._check_params()
        t0 = time.perf_counter()
        Z, y = self._encode(X, y, fit=True)
        n, k = len(y), int(self.cv)
        if n < max(k, 3):
            raise ValueError(f"DistilledRegressor needs at least {max(k, 3)} rows for {k}-fold "
                             f"cross-validation, got n_samples={n}")
        self.feature_names_out_ = self._names()
        syms = formula_symbols(self.feature_names_out_, warn=False)  # one rule with the preflight
        self.symbol_names_ = [syms[c] for c in self.feature_names_out_]
        self.symbols_ = dict(zip(self.symbol_names_, self.feature_names_out_))
        self.nonnegative_ = bool(y.min() >= 0) if self.nonnegative == "auto" else bool(self.nonnegative)

        self.cv_folds_ = list(KFold(k, shuffle=True, random_state=int(self.random_state)).split(Z))
        folds = self.cv_folds_
        if self.progress:
            from tqdm.auto import tqdm
            folds = tqdm(folds, desc=f"{k}-fold cross-validation", leave=False)
        rows = []
        for f, (tr, te) in enumerate(folds):
            fits = self._routes(Z[tr], y[tr], lams, direct=True, factor=1.0)
            for key, fit in fits.items():
                row = {"fold": f, "route": "direct" if key == "direct" else "distilled",
                       "lam": np.nan if key == "direct" else float(key), "complexity": fit["complexity"],
                       "r2": r2(y[te], evaluate(fit["formula"], self.symbol_names_, Z[te])), "teacher_r2": np.nan}
                if fit["teacher"] is not None:
                    s = fit["scaling"]
                    pred = s["y_mean"] + s["y_scale"] * fit["teacher"].predict((Z[te] - s["x_mean"]) / s["x_scale"])
                    row["teacher_r2"] = r2(y[te], pred)
                rows.append(row)
        self.cv_scores_ = pd.DataFrame(rows)
        self.cv_results_ = self._summary(self.cv_scores_, k)
        t_cv = time.perf_counter() - t0

        pick = self.cv_results_.loc[self.cv_results_.chosen].iloc[0]
        self.route_ = str(pick.route)
        self.lam_ = None if self.route_ == "direct" else float(pick.lam)
        distilled = self.cv_results_[self.cv_results_.route == "distilled"]
        teacher_lam = self.lam_ if self.lam_ is not None else (
            float(distilled.lam[distilled.mean_r2.idxmax()]) if len(distilled) and
            np.isfinite(distilled.mean_r2).any() else None)
        fits = self._routes(Z, y, [] if teacher_lam is None else [teacher_lam], direct=True,
                            factor=float(self.refine))
        win = fits["direct" if self.route_ == "direct" else self.lam_]
        self.formula_, self.complexity_ = win["formula"], win["complexity"]
        self.student_, self.teacher_ = win["student"], None if teacher_lam is None else fits[teacher_lam]["teacher"]
        self.direct_formula_ = fits["direct"]["formula"]
        self.direct_complexity_ = fits["direct"]["complexity"]
        self.direct_student_ = fits["direct"]["student"]
        self.distilled_formula_ = None if teacher_lam is None else fits[teacher_lam]["formula"]
        self.scaling_ = win["scaling"]
        self.pareto_front_ = self._front_table(win, Z, y)
        self.rule_ = RULE.format(k=k) + "; " + MEMBER_RULE.format(box=BOX_POINTS, tolerance=float(self.tolerance))
        self.fit_seconds_ = {"cv": t_cv, "refit": time.perf_counter() - t0 - t_cv}
        return self

    def _summary(self, scores: pd.DataFrame, k: int) -> pd.DataFrame:
        rows = []
        for (route, lam), g in scores.groupby(["route", scores.lam.fillna(-1.0)], sort=False):
            vals = g.sort_values("fold").r2.to_numpy()
            finite = np.isfinite(vals).all()
            sd = float(np.std(vals, ddof=1)) if finite and k > 1 else np.nan
            row = {"route": route, "lam": np.nan if route == "direct" else float(lam),
                   "mean_r2": float(vals.mean()) if finite else -np.inf, "sd_r2": sd, "se_r2": sd / math.sqrt(k),
                   "mean_complexity": float(g.complexity.mean()), "teacher_mean_r2": float(g.teacher_r2.mean()),
                   "teacher_sd_r2": float(g.teacher_r2.std(ddof=1)) if route == "distilled" and k > 1 else np.nan}
            row.update({f"r2_fold{f}": float(v) for f, v in enumerate(vals)})
            rows.append(row)
        table = pd.DataFrame(rows)
        best = table.mean_r2.max()
        se_best = table.se_r2[table.mean_r2.idxmax()] if np.isfinite(best) else np.nan
        table["eligible"] = np.isfinite(table.mean_r2) & (table.mean_r2 >= best - np.nan_to_num(se_best))
        table["chosen"] = table.index == one_se_choice(table)
        return table

    def _front_table(self, win: dict, Z, y) -> pd.DataFrame:
        front = win["front"]
        forms = [to_data(e, self.symbol_names_, win["scaling"], self.nonnegative_) for e in front.formula]
        return pd.DataFrame({
            "complexity": front.complexity.astype(int), "fit_r2": front.fit_r2, "finite": front.finite,
            "r2": [r2(y, evaluate(e, self.symbol_names_, Z)) if ok else -np.inf for e, ok in zip(forms, front.finite)],
            "chosen": front.chosen, "formula": forms})

    # ------------------------------------------------------------------ use
    def predict(self, X) -> np.ndarray:
        """The formula on ``X`` (the same columns as in ``fit``)."""
        check_is_fitted(self, "formula_")
        return evaluate(self.formula_, self.symbol_names_, self._encode(X))

    def predict_direct(self, X) -> np.ndarray:
        """The direct route's formula on ``X`` (what the student gives without a teacher)."""
        check_is_fitted(self, "formula_")
        return evaluate(self.direct_formula_, self.symbol_names_, self._encode(X))

    def predict_teacher(self, X) -> np.ndarray:
        """The refitted teacher on ``X`` (data units); raises when there is none (``lams`` empty)."""
        check_is_fitted(self, "formula_")
        if self.teacher_ is None:
            raise ValueError("no teacher: lams is empty")
        s = self.scaling_
        Z = (self._encode(X) - s["x_mean"]) / s["x_scale"]
        return s["y_mean"] + s["y_scale"] * np.asarray(self.teacher_.predict(Z), dtype=np.float64)

    def latex(self, digits: int = 4) -> str:
        """LaTeX of :attr:`formula_`, constants to ``digits`` significant digits, column names literal."""
        check_is_fitted(self, "formula_")
        return latex(self.formula_, self.symbols_, digits)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


__all__ = ["DistilledRegressor", "RULE", "DEFAULT_LAMS", "DEFAULT_BUDGET", "one_se_choice"]
