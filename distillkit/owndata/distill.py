"""Your own data, distilled into a formula: ``distill(df_or_path, target=...)``.

One call does what a person with a table wants from the method:

1. the table is read and checked (:func:`distillkit.datasets.from_frame`); categorical
   columns are one-hot encoded as ``<column>_<value>`` (1.0 when the row's value, as
   text, equals ``<value>``, else 0.0), so the encoding is visible in the formula's
   variable names;
2. a test split (``test_size``) is held out, and a validation split
   (``validation_size``) is carved from the rest; inputs and target are standardized
   with the training part's statistics;
3. one teacher per λ of the grid is trained (all as one ensemble) on the training part;
   each teacher is distilled into the symbolic student (Operon by default; gplearn with
   the "converged" reading with ``student="gplearn"``);
4. every student's Pareto front (complexity against R² on the *validation* split, true
   labels) is computed; λ is the one whose front reaches the highest validation R²;
5. the chosen λ's student and the direct one are refitted with ``refine`` times the
   student budget (the second rung of a successive halving over λ: the grid is searched
   cheaply, only the winner gets the large budget); the reported formula is **the
   simplest member of the chosen λ's front whose validation R² is within**
   ``tolerance`` **(absolute) of the front's best**;
6. the formula is rewritten in the data's own units and column names
   (:func:`distillkit.symbolic.groundtruth.to_data_units`) and scored on the test split beside
   the teacher, XGBoost and the same student fitted directly to the labels (no teacher,
   the same selection rule).

:func:`write_report` writes ``report.html`` (one self-contained page), ``formula.py``
(a numpy-only ``predict`` of the original columns) and ``model.json``.
"""
from __future__ import annotations

import base64
import io
import json
import keyword
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sympy

from distillkit.datasets import DataError, Dataset, from_frame
from distillkit.datasets._tables import _as_numbers, _clean_name, _is_numeric, _one_hot

RULE = ("the reported formula is the simplest member of the chosen λ's Pareto front whose "
        "validation R² is within {tolerance:g} (absolute) of the front's best; λ is the grid value "
        "whose student front reaches the highest validation R²")

#: names formula.py uses itself; a column symbol with one of these names is renamed there
_RESERVED = {"np", "numpy", "data", "columns", "predict", "_num", "_is", "_shape", "shape", "out", "missing", "math"}


@dataclass
class DistillResult:
    """What :func:`distill` found. ``to_json()`` gives the record (without the arrays)."""

    target: str
    student: str
    chosen_lam: float
    lam_table: pd.DataFrame          # per λ: teacher and student validation R², pick
    pareto: pd.DataFrame             # chosen λ's front: complexity, val_r2, fit_r2, formula, chosen
    formula: sympy.Expr              # data units, symbols named after the encoded columns
    formula_latex: str               # 4 significant digits
    complexity: int
    scores: dict                     # test R²: formula, teacher, xgboost, direct
    direct_formula: str
    data: dict                       # rows, columns, encodings, split sizes
    settings: dict
    versions: dict
    rule: str
    symbols: dict                    # formula symbol -> encoded column name
    seconds: dict
    predictions: dict = field(repr=False, default_factory=dict)  # test split, data units
    test_frame: pd.DataFrame | None = field(repr=False, default=None)  # original test rows

    def to_dict(self) -> dict:
        return _clean({
            "target": self.target, "student": self.student, "chosen_lam": self.chosen_lam,
            "formula": str(self.formula), "formula_rounded": str(_round(self.formula)),
            "formula_latex": self.formula_latex, "complexity": self.complexity,
            "rule": self.rule, "scores": self.scores, "direct_formula": self.direct_formula,
            "lam_table": self.lam_table.to_dict(orient="records"),
            "pareto": self.pareto.to_dict(orient="records"),
            "data": self.data, "symbols": self.symbols, "settings": self.settings,
            "versions": self.versions, "seconds": self.seconds})

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def _clean(obj):
    """JSON-safe: numpy scalars to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, sympy.Basic):
        return str(obj)
    return obj


def _round(expr, digits: int = 4):
    from distillkit.students import round_floats
    return round_floats(expr, digits)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _read(df_or_path, target: str, sep: str | None):
    """(original frame with cleaned names, Dataset, source) of a DataFrame or CSV path."""
    from distillkit.datasets import from_csv
    if isinstance(df_or_path, pd.DataFrame):
        ds = from_frame(df_or_path, target=target, name="data")
        frame, source = df_or_path.copy(), "DataFrame"
    elif isinstance(df_or_path, (str, os.PathLike)):
        path = Path(df_or_path).expanduser()
        ds = from_csv(path, target=target, sep=sep)
        kw = dict(sep=None, engine="python") if sep is None else dict(sep=sep)
        frame, source = pd.read_csv(path, encoding="utf-8-sig", **kw), str(path)
    else:
        raise TypeError(f"distill expects a pandas DataFrame or a CSV path, got {type(df_or_path).__name__}")
    frame.columns = [_clean_name(c) for c in frame.columns]
    return frame.reset_index(drop=True), ds, source


def encodings(frame: pd.DataFrame, target: str, ds: Dataset) -> dict:
    """Per original feature column: ``{"kind": "numeric", "columns": [col]}`` or
    ``{"kind": "one-hot", "levels": [...], "columns": ["<col>_<level>", ...]}``, in the
    order :func:`~distillkit.datasets.from_frame` builds the feature columns."""
    out, built = {}, []
    for col in frame.columns:
        if col == _clean_name(target):
            continue
        s = frame[col]
        if _is_numeric(s) or _as_numbers(s) is not None:
            out[col] = {"kind": "numeric", "columns": [col]}
        else:
            names = [str(c) for c in _one_hot(s, col).columns]
            out[col] = {"kind": "one-hot", "levels": [n[len(col) + 1:] for n in names], "columns": names}
        built += out[col]["columns"]
    if built != ds.feature_names:  # the two must agree, or formula.py would encode wrongly
        raise RuntimeError("distill: the encoding rule does not reproduce from_frame's columns")
    return out


def _split_rows(n: int, seed: int, test_size: float, validation_size: float):
    """Row indices of the (train, validation, test) parts that split_dataset makes."""
    from sklearn.model_selection import train_test_split
    idx = np.arange(n)
    tr, te = train_test_split(idx, test_size=test_size, random_state=seed)
    tr, va = train_test_split(tr, test_size=validation_size, random_state=seed)
    return tr, va, te


# ---------------------------------------------------------------------------
# fronts and the selection rule
# ---------------------------------------------------------------------------
def _r2(y, pred) -> float:
    from sklearn.metrics import r2_score
    pred = np.asarray(pred, dtype=np.float64)
    if not np.isfinite(pred).all():
        return float("-inf")
    return float(r2_score(y, pred))


def _evaluate(expr, names, X) -> np.ndarray:
    """``expr`` (symbols named ``names``) on the columns of ``X``, float64."""
    X = np.asarray(X, dtype=np.float64)
    fn = sympy.lambdify([sympy.Symbol(n) for n in names], expr, "numpy")
    with np.errstate(all="ignore"):
        out = fn(*X.T)
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (len(X),)).copy()


def _members(fitted, names) -> pd.DataFrame:
    """Candidate formulas of a fitted student: formula (sympy, standardized units), complexity."""
    if hasattr(fitted, "pareto_front_"):
        return fitted.pareto_front_[["formula", "complexity"]]
    # gplearn: its final program only, parsed without rounding or simplification so that
    # the formula is the program (protected division aside: it is reported unprotected)
    from distillkit.students import SYMPY_OPS as _SYMPY_OPS
    local = dict(_SYMPY_OPS, **{f"X{i}": sympy.Symbol(n) for i, n in enumerate(names)})
    expr = sympy.sympify(fitted.program_, locals=local, rational=False)
    return pd.DataFrame({"formula": [expr], "complexity": [int(fitted.complexity_)]})


def validation_front(fitted, names, X_fit, y_fit, X_val, y_val) -> pd.DataFrame:
    """Pareto front (lower complexity, higher validation R²) of a fitted student's members."""
    from distillkit.students import pareto_front
    rows = []
    members = _members(fitted, names)
    for expr, cx in zip(members.formula, members.complexity):
        rows.append({"formula": expr, "complexity": int(cx),
                     "fit_r2": _r2(y_fit, _evaluate(expr, names, X_fit)),
                     "val_r2": _r2(y_val, _evaluate(expr, names, X_val))})
    points = pd.DataFrame(rows)
    front = pareto_front(points[np.isfinite(points.val_r2)], accuracy="val_r2")
    if front.empty:
        raise ValueError("every formula the student found is non-finite on the validation split")
    return front


def select(front: pd.DataFrame, tolerance: float) -> int:
    """Index (row label) of the simplest member within ``tolerance`` of the best ``val_r2``."""
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    ok = front[front.val_r2 >= front.val_r2.max() - tolerance]
    ok = ok.sort_values(["complexity", "val_r2"], ascending=[True, False], kind="stable")
    return ok.index[0]


# ---------------------------------------------------------------------------
# the method
# ---------------------------------------------------------------------------
def pick_of(front: pd.DataFrame):
    """Index of the front's chosen member."""
    return front.index[front.chosen][0]


def refined_config(config: dict, student: str, factor: float) -> dict:
    """``config`` with the student's budget multiplied by ``factor``."""
    key = "operon_evaluations" if student == "operon" else "generations"
    return {**config, key: int(round(config[key] * factor))}


def _progress(iterable, on: bool, desc: str):
    if not on:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, leave=False)


def _versions() -> dict:
    from distillkit.experiments.pipeline import versions
    out = versions()
    try:
        from importlib.metadata import version
        out["pyoperon"] = version("pyoperon")
    except Exception:  # pragma: no cover - pyoperon absent: only gplearn runs
        pass
    return out


def distill(df_or_path, target: str, *, student: str = "operon", lams=None,
            validation_size: float = 0.2, tolerance: float = 0.01, seed: int = 0,
            profile: str = "paper", progress: bool = True, sep: str | None = None,
            refine: float = 20, **overrides) -> DistillResult:
    """Distil a table into one formula for ``target``; see the module docstring.

    Parameters
    ----------
    df_or_path : pandas.DataFrame or path of a CSV file
    target : str
        The column to predict (numeric).
    student : {"operon", "gplearn"}
        The symbolic student; gplearn runs with the "converged" reading.
    lams : sequence of float, optional
        The λ grid (default ``distillkit.experiments.pipeline.PAPER_LAMS``).
    validation_size : float in (0, 1)
        Fraction of the training part that chooses λ and the formula.
    tolerance : float >= 0
        Selection rule: the reported formula is the simplest member of the chosen λ's
        Pareto front whose validation R² is within ``tolerance`` (absolute R²) of the
        front's best; λ is the grid value whose front reaches the best validation R².
    seed : int
        Splits, teachers and students.
    refine : float >= 1
        Successive halving in two rungs: every λ's student runs on the profile's budget;
        the chosen λ's student and the direct one are then fitted again with ``refine``
        times that budget (Operon evaluations, or gplearn generations) and those fits are
        reported. 1 turns the second rung off.
    profile, **overrides
        Budgets (:func:`distillkit.experiments.pipeline.resolve_config`), e.g. ``epochs=20``.

    Raises
    ------
    DataError, ValueError
        Bad table, target or setting: one clear message.
    """
    from distillkit.symbolic.groundtruth import to_data_units
    from distillkit.experiments.pipeline import (PAPER_LAMS, _sr_state, build_student, check_student, fit_teachers, make_split, resolve_config)
    from distillkit.students import safe_symbol_name as _safe, xgboost_baseline
    from distillkit.teacher import _check_lam

    t_start = time.perf_counter()
    check_student(student, "converged")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) \
            or not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    if isinstance(validation_size, bool) or not isinstance(validation_size, (int, float)) \
            or not 0 < validation_size < 1:
        raise ValueError(f"validation_size must be in (0, 1), got {validation_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(refine, bool) or not isinstance(refine, (int, float)) or not 1 <= refine <= 100:
        raise ValueError(f"refine must be a number in [1, 100], got {refine!r}")
    lams = sorted({_check_lam(lam) for lam in (PAPER_LAMS if lams is None else lams)})
    if not lams:
        raise ValueError("lams is empty")
    config = resolve_config(profile, validation_size=float(validation_size), **overrides)

    frame, ds, source = _read(df_or_path, target, sep)
    target = _clean_name(target)
    enc = encodings(frame, target, ds)
    split = make_split(ds, seed, 0.0, config)
    names = [_safe(n) for n in split.feature_names]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"Column names {dup} coincide once made into symbols; rename them.")

    seconds = {}
    t0 = time.perf_counter()
    teachers = fit_teachers(ds, seed, 0.0, lams, config, progress=progress)
    seconds["teachers"] = time.perf_counter() - t0

    sr_state = _sr_state(seed, 0)
    fits = [(lam, teacher) for lam, teacher in zip(lams, teachers)] + [("direct", None)]
    rows, fronts = [], {}
    t0 = time.perf_counter()
    for lam, teacher in _progress(fits, progress, f"{student} students"):
        fit_y = split.y_train if teacher is None else teacher.predict(split.X_train)
        fitted = build_student(student, "converged", sr_state, config, names).fit(split.X_train, fit_y)
        front = validation_front(fitted, names, split.X_train, fit_y, split.X_val, split.y_val)
        pick = select(front, tolerance)
        front["chosen"] = front.index == pick
        fronts[lam] = front
        if teacher is not None:
            rows.append({"lam": lam, "teacher_val_r2": _r2(split.y_val, teacher.predict(split.X_val)),
                         "student_val_r2": float(front.val_r2.max()),
                         "formula_val_r2": float(front.val_r2[pick]),
                         "formula_complexity": int(front.complexity[pick]),
                         "student_seconds": float(fitted.fit_seconds_)})
    seconds["students"] = time.perf_counter() - t0
    table = pd.DataFrame(rows)
    best = int(np.argmax(table.student_val_r2.to_numpy()))  # first of equals: the smaller λ
    lam = float(table.lam[best])
    teacher = teachers[best]
    table["chosen"] = table.lam == lam

    # second rung of successive halving: only the chosen λ (and the direct control, for a
    # fair comparison) get ``refine`` times the student budget; the grid ran on the base one
    if refine > 1:
        t0 = time.perf_counter()
        big = refined_config(config, student, refine)
        for key, fit_y in _progress([(lam, teacher.predict(split.X_train)), ("direct", split.y_train)],
                                    progress, f"{student} x{refine:g} budget"):
            fitted = build_student(student, "converged", sr_state, big, names).fit(split.X_train, fit_y)
            front = validation_front(fitted, names, split.X_train, fit_y, split.X_val, split.y_val)
            pick = select(front, tolerance)
            front["chosen"] = front.index == pick
            fronts[key] = front
        row = table.index[table.chosen][0]
        table.loc[row, "refined_val_r2"] = float(fronts[lam].val_r2.max())
        table.loc[row, "formula_val_r2"] = float(fronts[lam].val_r2[pick_of(fronts[lam])])
        table.loc[row, "formula_complexity"] = int(fronts[lam].complexity[pick_of(fronts[lam])])
        seconds["refine"] = time.perf_counter() - t0
    front = fronts[lam]

    # the formula in the data's units; expanded when that makes it no longer
    scaling = dict(feature_names=names, x_mean=split.x_mean, x_scale=split.x_scale,
                   y_mean=split.y_mean, y_scale=split.y_scale)
    def data_units(expr):
        out = to_data_units(expr, **scaling)
        expanded = sympy.expand(out)
        return expanded if sympy.count_ops(expanded) <= sympy.count_ops(out) else out

    pick = front.index[front.chosen][0]
    formula = data_units(front.formula[pick])
    direct = fronts["direct"]
    direct_formula = direct.formula[direct.index[direct.chosen][0]]

    # test scores: the formula on the raw (encoded) test rows, the others on the split
    _, _, te = _split_rows(len(ds.y), seed, config["test_size"], config["validation_size"])
    X_raw = ds.X.to_numpy(dtype=np.float64)[te]
    y_raw = ds.y.to_numpy(dtype=np.float64)[te]
    pred = _evaluate(formula, names, X_raw)
    t_test = teacher.predict(split.X_test).astype(np.float64)
    xgb = xgboost_baseline(random_state=int(seed)).fit(split.X_train, split.y_train)
    scores = {"formula": _r2(y_raw, pred), "teacher": _r2(split.y_test, t_test),
              "xgboost": _r2(split.y_test, xgb.predict(split.X_test)),
              "direct": _r2(split.y_test, _evaluate(direct_formula, names, split.X_test))}

    pareto = pd.DataFrame({
        "complexity": front.complexity.astype(int), "val_r2": front.val_r2, "fit_r2": front.fit_r2,
        "chosen": front.chosen, "formula": [str(_round(data_units(e))) for e in front.formula]})
    features = [c for c in frame.columns if c != target]
    data = {"source": source, "target": target, "rows": int(len(ds.y)), "columns": features,
            "n_features_encoded": len(names), "encodings": enc,
            "encoding_rule": "one-hot: <column>_<value> is 1.0 when str(value) equals <value>, else 0.0",
            "n_train": int(len(split.y_train)), "n_validation": int(len(split.y_val)),
            "n_test": int(len(split.y_test)),
            "target_mean": float(ds.y.mean()), "target_sd": float(ds.y.std())}
    settings = {"student": student, "lams": lams, "tolerance": float(tolerance), "seed": int(seed),
                "refine": float(refine),
                "profile": profile, "validation_size": float(validation_size),
                "overrides": {k: v for k, v in overrides.items()},
                "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()}}
    seconds["total"] = time.perf_counter() - t_start
    return DistillResult(
        target=target, student=student, chosen_lam=lam, lam_table=table, pareto=pareto,
        formula=formula, formula_latex=sympy.latex(_round(formula)),
        complexity=int(front.complexity[pick]), scores=scores,
        direct_formula=str(_round(data_units(direct_formula))), data=data, settings=settings,
        versions=_versions(), rule=RULE.format(tolerance=tolerance),
        symbols=dict(zip(names, split.feature_names)), seconds=seconds,
        predictions={"y": y_raw, "formula": pred,
                     "teacher": split.y_mean + split.y_scale * t_test},
        test_frame=frame.loc[te, features].reset_index(drop=True))


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------
def formula_source(result: DistillResult) -> str:
    """The text of ``formula.py``: ``predict`` of the original columns, numpy only."""
    from sympy.printing.numpy import NumPyPrinter

    rename = {}
    for name in result.symbols:
        ident = name if name.isidentifier() and not keyword.iskeyword(name) else "v_" + name
        while ident in _RESERVED or ident in rename.values():
            ident = "v_" + ident
        rename[name] = ident
    expr = result.formula.xreplace({sympy.Symbol(n): sympy.Symbol(v) for n, v in rename.items()})
    code = NumPyPrinter({"fully_qualified_modules": True}).doprint(expr)
    lines = []
    for col, spec in result.data["encodings"].items():
        if spec["kind"] == "numeric":
            sym = next(n for n, c in result.symbols.items() if c == col)
            lines.append(f"    {rename[sym]} = _num(data[{col!r}])")
        else:
            for level, enc_col in zip(spec["levels"], spec["columns"]):
                sym = next(n for n, c in result.symbols.items() if c == enc_col)
                lines.append(f"    {rename[sym]} = _is(data[{col!r}], {level!r})")
    used = ", ".join(rename.values())
    scores = ", ".join(f"{k} {v:.4f}" for k, v in result.scores.items() if v is not None)
    return f'''"""Formula for {result.target!r} distilled by distillkit {result.versions.get("distillkit", "")}.

Data: {result.data["source"]}. Student: {result.student}, λ = {result.chosen_lam:g},
complexity {result.complexity}. Test R²: {scores}.

predict(data) or predict(**columns): ``data`` maps the ORIGINAL column names to values
(scalars or arrays; a dict or a pandas DataFrame). Numeric columns are used as numbers;
categorical columns are one-hot encoded: <column>_<value> is 1.0 when str(value) equals
<value>, else 0.0 (a value not seen in the data sets every indicator of its column to 0).
"""
import numpy
import numpy as np

COLUMNS = {list(result.data["columns"])!r}
TARGET = {result.target!r}
FORMULA = {str(result.formula)!r}


def _num(v):
    return np.asarray(v, dtype=np.float64)


def _is(v, level):
    return (np.asarray(v).astype(str) == level).astype(np.float64)


def _shape(*values):
    shape = ()
    for v in values:
        shape = np.broadcast_shapes(shape, np.shape(v))
    return shape


def predict(data=None, **columns):
    """Predicted {result.target!r} for one row (scalars) or many (arrays)."""
    data = dict(data if data is not None else {{}}, **columns)
    missing = [c for c in COLUMNS if c not in data]
    if missing:
        raise KeyError(f"missing column(s): {{missing}}")
{chr(10).join(lines)}
    shape = _shape({used})
    with np.errstate(all="ignore"):
        out = {code}
    return np.broadcast_to(np.asarray(out, dtype=np.float64), shape).copy()
'''


def _png(fig) -> str:
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _lam_axis(ax, lams) -> None:
    """Symmetric-log λ axis (λ = 0 on it) with a tick at every grid value."""
    pos = [v for v in lams if v > 0]
    ax.set_xscale("symlog", linthresh=min(pos) if pos else 1e-3, linscale=0.5)
    ax.set_xticks(lams)
    ax.set_xticklabels([f"{v:g}" for v in lams], rotation=45 if len(lams) > 4 else 0)
    ax.minorticks_off()


def _figures(result: DistillResult) -> dict:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figs = {}
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    p = result.pareto
    ax.step(p.complexity, p.val_r2, where="post", color="0.6", zorder=1)
    ax.scatter(p.complexity, p.val_r2, color="C0", zorder=2, label="Pareto front")
    c = p[p.chosen]
    ax.scatter(c.complexity, c.val_r2, s=140, facecolors="none", edgecolors="C3", linewidths=2,
               zorder=3, label="reported formula")
    ax.axhline(p.val_r2.max() - result.settings["tolerance"], color="C3", ls=":", lw=1,
               label=f"best − tolerance ({result.settings['tolerance']:g})")
    ax.set_xlabel("complexity (expression-tree nodes)")
    ax.set_ylabel("validation R²")
    ax.set_title(f"Pareto front, λ = {result.chosen_lam:g}")
    ax.legend(fontsize=8, loc="lower right")
    figs["pareto"] = _png(fig)

    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharex=True, sharey=True)
    y = result.predictions["y"]
    for ax, key, label in ((axes[0], "formula", "formula"), (axes[1], "teacher", "teacher (network)")):
        pred = result.predictions[key]
        ax.scatter(y, pred, s=4, alpha=0.3, color="C0" if key == "formula" else "C1", rasterized=True)
        lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
        ax.plot([lo, hi], [lo, hi], color="k", lw=1)
        ax.set_xlabel(f"true {result.target} (test split)")
        ax.set_ylabel(f"predicted {result.target}")
        ax.set_title(f"{label}: test R² {result.scores[key]:.3f}")
    figs["pred"] = _png(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    t = result.lam_table
    ax.plot(t.lam, t.teacher_val_r2, "o-", color="0.55", label="teacher")
    ax.plot(t.lam, t.student_val_r2, "o-", color="C0", label="student (best on front)")
    ax.plot(t.lam, t.formula_val_r2, "s--", color="C3", label="student (rule's pick)", ms=4)
    ax.axvline(result.chosen_lam, color="C3", ls=":", lw=1)
    _lam_axis(ax, list(t.lam))
    ax.set_xlabel("λ (Jacobian penalty)")
    ax.set_ylabel("validation R²")
    ax.set_title("validation R² per λ")
    ax.legend(fontsize=8)
    figs["lam"] = _png(fig)

    try:  # the formula as an image; mathtext covers most of what sympy prints
        fig = plt.figure(figsize=(0.1, 0.1))
        fig.text(0, 0, f"${result.formula_latex}$", fontsize=14)
        figs["formula"] = _png(fig)
    except Exception:  # noqa: BLE001 - a formula mathtext cannot draw stays as text
        plt.close("all")
    return figs


def _html(result: DistillResult, figs: dict) -> str:
    from html import escape

    def img(key, alt):
        return f'<img alt="{alt}" src="data:image/png;base64,{figs[key]}">' if key in figs else ""

    s = result.scores
    score_rows = "".join(f"<tr><td>{escape(k)}</td><td>{'' if v is None else f'{v:.4f}'}</td></tr>"
                         for k, v in (("formula", s["formula"]), ("teacher (network, chosen λ)", s["teacher"]),
                                      ("XGBoost", s["xgboost"]),
                                      (f"{result.student} fitted directly (no teacher)", s["direct"])))
    enc_rows = "".join(
        f"<tr><td>{escape(c)}</td><td>{e['kind']}</td><td>{escape(', '.join(e['columns']))}</td></tr>"
        for c, e in result.data["encodings"].items())
    d = result.data
    lam_t = result.lam_table.drop(columns=["student_seconds"]).to_html(index=False, float_format="%.4f")
    front_t = result.pareto.to_html(index=False, float_format="%.4f")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>distillkit: {escape(result.target)}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:0.5em 0}}td,th{{border:1px solid #ccc;padding:2px 8px}}
code,pre{{background:#f4f4f4}}pre{{white-space:pre-wrap;padding:0.5em}}img{{max-width:100%}}</style>
</head><body>
<h1>A formula for <code>{escape(result.target)}</code></h1>
<p>{img("formula", "formula")}</p>
<p>LaTeX (constants to 4 significant digits): \\( {escape(result.formula_latex)} \\)</p>
<pre>{escape(result.target)} = {escape(str(_round(result.formula)))}</pre>
<p>Student: {escape(result.student)}; λ = {result.chosen_lam:g}; complexity {result.complexity}.
Rule: {escape(result.rule)}. Full-precision constants are in <code>formula.py</code> and
<code>model.json</code>.</p>
<h2>Test scores (R², held-out split of {d["n_test"]} rows)</h2>
<table><tr><th>model</th><th>test R²</th></tr>{score_rows}</table>
<h2>Pareto front of the chosen λ</h2>
{img("pareto", "Pareto front")}
{front_t}
<h2>Predicted against true (test split)</h2>
{img("pred", "predicted vs true")}
<h2>Validation R² per λ</h2>
{img("lam", "validation R² per lambda")}
{lam_t}
<h2>Data</h2>
<p>{escape(d["source"])}: {d["rows"]} rows, {len(d["columns"])} feature columns
({d["n_features_encoded"]} after encoding); train {d["n_train"]}, validation {d["n_validation"]},
test {d["n_test"]} rows. Encoding: {escape(d["encoding_rule"])}. Inputs and target are standardized
with the training part's statistics for fitting; the formula above is in the data's own units.</p>
<table><tr><th>column</th><th>kind</th><th>variables</th></tr>{enc_rows}</table>
<h2>Settings and versions</h2>
<pre>{escape(json.dumps(_clean({k: v for k, v in result.settings.items() if k != "config"}), indent=1))}</pre>
<pre>{escape(json.dumps(result.versions, indent=1))}</pre>
</body></html>
"""


def write_report(result: DistillResult, out_dir) -> Path:
    """Write ``report.html``, ``formula.py`` and ``model.json`` into ``out_dir``."""
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    (out / "formula.py").write_text(formula_source(result), encoding="utf-8")
    record = result.to_dict()
    card = {k: record[k] for k in ("target", "formula", "formula_latex", "complexity", "rule",
                                   "chosen_lam", "scores", "lam_table", "pareto", "symbols",
                                   "settings", "versions")}
    card["columns"] = result.data["columns"]
    card["encodings"] = result.data["encodings"]
    card["data"] = {k: v for k, v in record["data"].items() if k != "encodings"}
    (out / "model.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    (out / "report.html").write_text(_html(result, _figures(result)), encoding="utf-8")
    return out


__all__ = ["DistillResult", "distill", "write_report", "select", "validation_front", "encodings",
           "formula_source", "RULE"]
