"""Your own data, distilled into a formula: ``distill(df_or_path, target=...)``.

A thin wrapper over :class:`~distillkit.owndata.DistilledRegressor` that a person with a table
can call once:

1. the table is read and checked (:func:`distillkit.datasets.prepare_table`: missing values
   dropped or imputed and counted, categorical levels read as text, row identifiers dropped
   with a named warning); categorical columns are one-hot encoded as ``<column>_<value>``;
2. a test split (``test_size``) is held out;
3. on the training part, :class:`DistilledRegressor` chooses the route (the student fitted
   directly, or distilled from a teacher at one λ of the grid) by K-fold cross-validation
   with the one-standard-error rule, and refits the winner on all training rows;
4. on the same folds, a black box (gradient boosting, tuned) and ``LinearRegression`` are
   cross-validated; a teacher or black box that cross-validates below the linear model is
   flagged;
5. the formula, the direct route's formula, the teacher, the black box and the linear model
   are scored on the test split.

:func:`write_report` writes ``report.html``, ``formula.py`` (a numpy-only ``predict`` of the
original columns) and ``model.json``.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sympy

from distillkit.datasets import DataError
from distillkit.owndata._estimator import DistilledRegressor
from distillkit.owndata._formulas import latex, round_formula
from distillkit.owndata._reference import flags, references
from distillkit.stats.metrics import r2

#: Adam steps of a teacher per epoch of the profile's budget (the paper's 100 epochs: 2000 steps,
#: so a teacher on a 100-row table trains as long as one on 2 500 rows would with 100 epochs)
STEPS_PER_EPOCH = 20


@dataclass
class DistillResult:
    """What :func:`distill` found. ``to_dict()`` / ``to_json()`` give the record (no arrays)."""

    target: str
    student: str
    route: str                       # "distilled" or "direct"
    chosen_lam: float | None         # None for the direct route
    cv_results: pd.DataFrame         # per candidate (route, λ): fold R², mean, sd, se, chosen
    pareto: pd.DataFrame             # the winner's front: complexity, r2 (training rows), chosen, formula
    formula: sympy.Expr              # data units, symbols named after the encoded columns
    formula_latex: str               # 4 significant digits, column names literal
    complexity: int
    scores: dict                     # test R²: formula, direct, teacher, black_box, linear
    cv_scores: dict                  # mean and sd of cross-validated R² of formula, direct, teacher, black_box, linear
    flags: list                      # weak teacher or reference, in words
    direct_formula: str
    direct_formula_latex: str
    direct_complexity: int
    data: dict                       # rows, columns, encodings, split sizes, what reading did
    settings: dict
    versions: dict
    rule: str
    symbols: dict                    # formula symbol -> encoded column name
    seconds: dict
    predictions: dict = field(repr=False, default_factory=dict)  # test split, data units
    test_frame: pd.DataFrame | None = field(repr=False, default=None)  # original test rows
    estimator: DistilledRegressor | None = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return clean({
            "target": self.target, "student": self.student, "route": self.route,
            "chosen_lam": self.chosen_lam, "formula": str(self.formula),
            "formula_rounded": str(round_formula(self.formula)), "formula_latex": self.formula_latex,
            "complexity": self.complexity, "rule": self.rule, "scores": self.scores,
            "cv_scores": self.cv_scores, "flags": self.flags,
            "direct": {"formula": self.direct_formula, "formula_latex": self.direct_formula_latex,
                       "complexity": self.direct_complexity, "test_r2": self.scores.get("direct")},
            "direct_formula": self.direct_formula,
            "cv_results": self.cv_results.to_dict(orient="records"),
            "pareto": self.pareto.to_dict(orient="records"), "data": self.data, "symbols": self.symbols,
            "settings": self.settings, "versions": self.versions, "seconds": self.seconds})

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def clean(obj):
    """JSON-safe: numpy scalars to Python, non-finite floats to None, sympy to text."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, sympy.Basic):
        return str(obj)
    return obj


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for pkg in ("distillkit", "numpy", "scikit-learn", "torch", "sympy", "pyoperon", "gplearn"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover - pyoperon absent: only gplearn runs
            pass
    return out


def _check(test_size, seed) -> None:
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _budget(student: str, profile: str, overrides: dict, config: dict) -> int:
    """A fit's budget: the profile's when it is the smoke profile or set explicitly
    (``operon_evaluations=`` / ``generations=``), else :data:`DEFAULT_BUDGET` (each of the
    (λ grid + 1) x folds fits of the cross-validation gets it)."""
    from distillkit.owndata._estimator import DEFAULT_BUDGET
    key = "operon_evaluations" if student == "operon" else "generations"
    return int(config[key]) if profile == "smoke" or key in overrides else DEFAULT_BUDGET.get(student, 1)


def read_table(df_or_path, target: str, *, sep=None, impute="drop", na_values=None, decimal=None):
    """The table as :func:`distillkit.datasets.prepare_table` reads it (a clear error otherwise)."""
    from distillkit.datasets._tables import prepare_table
    import os
    if not isinstance(df_or_path, (pd.DataFrame, str, os.PathLike)):
        raise TypeError(f"distill expects a pandas DataFrame or a CSV path, got {type(df_or_path).__name__}")
    return prepare_table(df_or_path, target, sep=sep, impute=impute, na_values=na_values, decimal=decimal,
                         name="data")


def distill(df_or_path, target: str, *, student: str = "operon", lams=None, cv: int = 5,
            functions="laws", nonnegative="auto", tolerance: float = 0.01, seed: int = 0,
            test_size: float = 0.2, budget: int | None = None, refine: float = 1.0,
            profile: str = "paper", progress: bool = True, sep: str | None = None,
            impute: str | None = "drop", na_values=None, decimal: str | None = None,
            **overrides) -> DistillResult:
    """Distil a table into one formula for ``target``; see the module docstring.

    Parameters
    ----------
    df_or_path : pandas.DataFrame or path of a CSV file
    target : str, the column to predict (numeric).
    student, lams, cv, functions, nonnegative, tolerance, refine
        As :class:`DistilledRegressor` (``lams`` default: the paper's grid).
    seed : int, the test split, the folds, teachers and students.
    test_size : float in (0, 1), the held-out share of rows.
    budget : int, optional
        Operon evaluations or gplearn generations per fit (default 20 000 or 20; the profile's
        with ``profile="smoke"`` or ``operon_evaluations=`` / ``generations=``).
    profile, **overrides
        Budgets (:func:`distillkit.experiments.pipeline.resolve_config`): the student's budget
        and population, the teacher's network; a teacher trains ``STEPS_PER_EPOCH * epochs``
        Adam steps.
    sep, impute, na_values, decimal
        How the table is read (:func:`distillkit.datasets.prepare_table`).

    Raises
    ------
    DataError, ValueError
        Bad table, target or setting: one clear message.
    """
    from sklearn.model_selection import train_test_split

    from distillkit.owndata._preflight import preflight
    from distillkit.experiments.pipeline import PAPER_LAMS, resolve_config

    t_start = time.perf_counter()
    _check(test_size, seed)
    config = resolve_config(profile, **overrides)
    operon = student == "operon"
    est = DistilledRegressor(
        student=student, lams=tuple(PAPER_LAMS if lams is None else lams), cv=cv, functions=functions,
        nonnegative=nonnegative, tolerance=tolerance,
        budget=budget or _budget(student, profile, overrides, config),
        population_size=config["operon_population"] if operon else config["population_size"],
        refine=refine, teacher_steps=STEPS_PER_EPOCH * int(config["epochs"]),
        hidden_layer_sizes=tuple(config["hidden_layer_sizes"]), random_state=int(seed),
        device=config["device"], progress=progress)
    est._check_params()  # a bad setting fails before the table is read

    table = read_table(df_or_path, target, sep=sep, impute=impute, na_values=na_values, decimal=decimal)
    ds, target = table.dataset, table.target
    X, y = ds.X, ds.y.to_numpy(dtype=np.float64)
    tr, te = train_test_split(np.arange(len(y)), test_size=test_size, random_state=int(seed))
    if len(tr) < 2 * cv:
        raise DataError(f"{len(tr)} training rows are too few for {cv}-fold cross-validation; "
                        f"pass a smaller cv (--cv) or a larger table")
    # every check that can be made before the first teacher trains (the CLI runs the same)
    preflight(table, config, seed=int(seed), lams=est.lams, student=student, refine=refine,
              n_students=(len(est.lams) + 1) * (cv + 1))  # every candidate in every fold, and the refit
    t0 = time.perf_counter()
    est.fit(X.iloc[tr], y[tr])
    seconds = {"estimator": time.perf_counter() - t0}
    t0 = time.perf_counter()
    Z_tr, Z_te = X.iloc[tr].to_numpy(np.float64), X.iloc[te].to_numpy(np.float64)
    refs = references(Z_tr, y[tr], est.cv_folds_, seed=int(seed))
    seconds["references"] = time.perf_counter() - t0

    y_te = y[te]
    pred = {"y": y_te, "formula": est.predict(X.iloc[te]), "direct": est.predict_direct(X.iloc[te]),
            "black_box": refs["black_box"]["model"].predict(Z_te), "linear": refs["linear"]["model"].predict(Z_te)}
    if est.teacher_ is not None:
        pred["teacher"] = est.predict_teacher(X.iloc[te])
    scores = {k: r2(y_te, v) for k, v in pred.items() if k != "y"}
    res = est.cv_results_
    row = res[res.chosen].iloc[0]
    direct = res[res.route == "direct"].iloc[0]
    cv_scores = {"formula": {"mean": row.mean_r2, "sd": row.sd_r2},
                 "direct": {"mean": direct.mean_r2, "sd": direct.sd_r2},
                 "black_box": {"mean": refs["black_box"]["cv_mean"], "sd": refs["black_box"]["cv_sd"]},
                 "linear": {"mean": refs["linear"]["cv_mean"], "sd": refs["linear"]["cv_sd"]}}
    if est.teacher_ is not None:
        t_row = res[(res.route == "distilled") & (res.lam == est.teacher_.lam)].iloc[0]
        cv_scores["teacher"] = {"mean": t_row.teacher_mean_r2, "sd": t_row.teacher_sd_r2, "lam": float(est.teacher_.lam)}
    warn = flags({k: v["mean"] for k, v in cv_scores.items()})

    features = list(table.frame.columns)
    data = {"source": ds.source or "DataFrame", "target": target, "rows": int(len(y)), "columns": features,
            "n_features_encoded": int(X.shape[1]), "encodings": table.encodings,
            "encoding_rule": "one-hot: <column>_<value> is 1.0 when str(value) equals <value>, else 0.0",
            "n_train": int(len(tr)), "n_test": int(len(te)), "folds": int(cv),
            "target_mean": float(y.mean()), "target_sd": float(y.std()), "reading": table.summary()}
    settings = {"student": student, "lams": list(est.lams), "cv": int(cv), "functions": functions,
                "nonnegative": nonnegative, "nonnegative_applied": bool(est.nonnegative_),
                "tolerance": float(tolerance), "seed": int(seed), "test_size": float(test_size),
                "budget": int(est.budget), "population_size": int(est.population_size), "refine": float(refine),
                "teacher_steps": int(est.teacher_steps), "profile": profile, "overrides": dict(overrides),
                "black_box_params": refs["black_box"]["params"], "black_box": refs["black_box"]["name"]}
    pareto = est.pareto_front_.assign(formula=[str(round_formula(e)) for e in est.pareto_front_.formula])
    seconds["total"] = time.perf_counter() - t_start
    seconds.update({f"estimator_{k}": v for k, v in est.fit_seconds_.items()})
    return DistillResult(
        target=target, student=student, route=est.route_, chosen_lam=est.lam_, cv_results=res,
        pareto=pareto, formula=est.formula_, formula_latex=est.latex(), complexity=int(est.complexity_),
        scores=scores, cv_scores=cv_scores, flags=warn,
        direct_formula=str(round_formula(est.direct_formula_)),
        direct_formula_latex=latex(est.direct_formula_, est.symbols_),
        direct_complexity=int(est.direct_complexity_), data=data, settings=settings, versions=_versions(),
        rule=est.rule_, symbols=dict(est.symbols_), seconds=seconds, predictions=pred,
        test_frame=table.frame.iloc[te].reset_index(drop=True), estimator=est)


def write_report(result: DistillResult, out_dir, force: bool = False):
    """Write ``report.html``, ``formula.py`` and ``model.json`` into ``out_dir`` (see
    :func:`distillkit.owndata._report.write_report`)."""
    from distillkit.owndata._report import write_report as _write
    return _write(result, out_dir, force=force)


def formula_source(result: DistillResult) -> str:
    """The text of ``formula.py``: ``predict`` of the original columns, numpy only."""
    from distillkit.owndata._report import formula_source as _source
    return _source(result)


__all__ = ["DistillResult", "distill", "write_report", "formula_source", "read_table", "clean",
           "STEPS_PER_EPOCH"]
