"""Scoring a formula against a known law (SRBench's ground-truth criteria).

:func:`score_formula` compares a student's formula, written in the data's own units, with the
generating equation of a ``feynman_<id>`` data set (or any sympy expression):

* **symbolic solution** (``solution``): the student's constants are rounded first (to
  ``digits`` = 3 significant digits, and those with ``|c| < zero_below`` = 1e-4 set to 0,
  as SRBench drops tiny constants), turned into exact rationals, and then, after
  ``sympy.simplify``, either ``true - student`` is a constant or ``student / true`` is a
  non-zero constant. When that fails, the test is repeated SRBench's way, simplifying with
  the student's float constants and rounding the difference's and the ratio's constants
  afterwards (constants that cancel only before rounding, e.g. in a formula brought back
  from standardized units). ``Abs(a)`` (gplearn's protected sqrt and log) is replaced by
  ``a`` or ``-a`` where ``a`` keeps one sign on 256 inputs drawn from the equation's
  intervals. Inputs are positive symbols (every Feynman interval lies in
  [0, ∞)), so ``sqrt(x**2)`` simplifies to ``x`` and gplearn's ``Abs`` of a positive
  quantity disappears. ``None`` means *undecided*: the simplification ran past
  ``timeout`` seconds (it can hang on a bloated formula) or failed;
* **accuracy solution** (``accuracy_solution``): the noiseless test R² > 0.999 (from a
  given ``test_r2``, or computed on given data).

The simplification runs in a separate Python process (started once, kept alive, killed and
restarted when a comparison runs out of time), so a runaway ``simplify`` can be bounded from
any thread, joblib worker or notebook, with no signal handler and no re-import of the
caller's ``__main__``.

:func:`to_data_units` rewrites a formula found on standardized data
(``z_i = (x_i - x_mean_i) / x_scale_i`` predicting ``(y - y_mean) / y_scale``) in the data's
own units; :func:`to_standard_units` is its inverse. Formulas with protected operators
(gplearn's, Operon's ``aq``) must be converted to plain sympy before scoring.
"""
from __future__ import annotations

import atexit
import numbers
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import sympy

__all__ = [
    "ACCURACY_R2",
    "DEFAULT_DIGITS",
    "DEFAULT_TIMEOUT",
    "ZERO_BELOW",
    "round_constants",
    "score_formula",
    "symbolic_match",
    "to_data_units",
    "to_standard_units",
]

ACCURACY_R2 = 0.999
DEFAULT_DIGITS = 3
ZERO_BELOW = 1e-4
DEFAULT_TIMEOUT = 10.0
_START_TIMEOUT = 120.0  # seconds for the worker to import sympy on a loaded machine
_PARSE_NAMES = {"arcsin": sympy.asin, "arccos": sympy.acos, "ln": sympy.log, "pi": sympy.pi}


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------
def _scaling(scaling, feature_names, x_mean, x_scale, y_mean, y_scale):
    if scaling is not None:  # a distillkit.datasets.Split, or anything with its attributes
        feature_names = scaling.feature_names if feature_names is None else feature_names
        x_mean, x_scale = scaling.x_mean, scaling.x_scale
        y_mean, y_scale = scaling.y_mean, scaling.y_scale
    if feature_names is None or x_mean is None or x_scale is None:
        raise ValueError("give a Split (scaling=) or feature_names, x_mean and x_scale.")
    names = [str(n) for n in feature_names]
    x_mean = np.asarray(x_mean, dtype=np.float64).ravel()
    x_scale = np.asarray(x_scale, dtype=np.float64).ravel()
    if not len(names) == len(x_mean) == len(x_scale):
        raise ValueError(f"{len(names)} feature names but {len(x_mean)} means and "
                         f"{len(x_scale)} scales; they must match.")
    if not (np.isfinite(x_mean).all() and np.isfinite(x_scale).all() and (x_scale != 0).all()):
        raise ValueError("x_mean and x_scale must be finite and x_scale non-zero.")
    y_mean, y_scale = float(y_mean), float(y_scale)
    if not (np.isfinite(y_mean) and np.isfinite(y_scale) and y_scale != 0):
        raise ValueError(f"y_mean and y_scale must be finite, y_scale non-zero; got {y_mean}, {y_scale}.")
    return names, x_mean, x_scale, y_mean, y_scale


def _by_name(expr, names):
    return {s: s.name for s in expr.free_symbols if s.name in names}


def to_data_units(expr, scaling=None, *, feature_names=None, x_mean=None, x_scale=None,
                  y_mean=0.0, y_scale=1.0) -> sympy.Expr:
    """Rewrite a formula fitted on standardized data in the data's own units.

    ``expr`` predicts ``(y - y_mean) / y_scale`` from symbols named after
    ``feature_names`` that stand for ``(x_i - x_mean_i) / x_scale_i``; the result predicts
    ``y`` from the same-named symbols in the data's units:
    ``y_mean + y_scale * expr(x_i -> (x_i - x_mean_i) / x_scale_i)``.

    Parameters
    ----------
    expr : sympy expression or str
    scaling : distillkit.datasets.Split, optional
        Supplies ``feature_names``, ``x_mean``, ``x_scale``, ``y_mean``, ``y_scale``.
    feature_names, x_mean, x_scale, y_mean, y_scale
        The same, given explicitly (when ``scaling`` is None).
    """
    names, x_mean, x_scale, y_mean, y_scale = _scaling(scaling, feature_names, x_mean, x_scale,
                                                       y_mean, y_scale)
    expr = _as_expr(expr, {})
    pos = {n: i for i, n in enumerate(names)}
    sub = {s: (s - sympy.Float(x_mean[pos[n]])) / sympy.Float(x_scale[pos[n]])
           for s, n in _by_name(expr, pos).items()}
    out = expr.xreplace(sub)
    out = out if y_scale == 1.0 else sympy.Float(y_scale) * out  # no stray 1.0* or + 0.0
    return out if y_mean == 0.0 else sympy.Float(y_mean) + out


def to_standard_units(expr, scaling=None, *, feature_names=None, x_mean=None, x_scale=None,
                      y_mean=0.0, y_scale=1.0) -> sympy.Expr:
    """The inverse of :func:`to_data_units`: a law ``y = f(x)`` as the formula that predicts
    ``(y - y_mean) / y_scale`` from standardized inputs (same-named symbols)."""
    names, x_mean, x_scale, y_mean, y_scale = _scaling(scaling, feature_names, x_mean, x_scale,
                                                       y_mean, y_scale)
    expr = _as_expr(expr, {})
    pos = {n: i for i, n in enumerate(names)}
    sub = {s: sympy.Float(x_mean[pos[n]]) + sympy.Float(x_scale[pos[n]]) * s
           for s, n in _by_name(expr, pos).items()}
    out = expr.xreplace(sub)
    out = out if y_mean == 0.0 else out - sympy.Float(y_mean)
    return out if y_scale == 1.0 else out / sympy.Float(y_scale)


# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------
def round_constants(expr, digits: int = DEFAULT_DIGITS, zero_below: float = ZERO_BELOW):
    """Floats rounded to ``digits`` significant digits, as exact rationals; ``|c| <
    zero_below`` becomes 0. Integers and rationals already exact (``1/2``) are kept."""
    expr = _as_expr(expr, {})
    sub = {}
    for c in expr.atoms(sympy.Float):
        v = float(c)
        sub[c] = sympy.Integer(0) if abs(v) < zero_below else sympy.Rational(f"{v:.{digits}g}")
    return expr.xreplace(sub)


def _as_expr(expr, symbols: dict):
    if isinstance(expr, str):
        local = dict(_PARSE_NAMES)
        local.update(symbols)
        try:
            return sympy.sympify(expr, locals=local)
        except (sympy.SympifyError, SyntaxError, TypeError) as exc:
            raise ValueError(f"cannot parse formula {expr!r}: {exc}") from None
    if isinstance(expr, numbers.Number):
        return sympy.sympify(expr)
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"formula must be a sympy expression or a string, got {type(expr).__name__}")
    return expr


# --------------------------------------------------------------------------
# The comparison itself (runs in the worker process)
# --------------------------------------------------------------------------
_BAD = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def _is_constant(e) -> bool:
    return not e.free_symbols and not e.has(*_BAD)


def symbolic_match(true_expr, student_expr, unrounded=None, digits: int = DEFAULT_DIGITS,
                   zero_below: float = ZERO_BELOW) -> str:
    """``"difference"`` when ``simplify(true - student)`` is a constant, ``"ratio"`` when
    ``simplify(student / true)`` is a non-zero constant, else ``"none"``.

    ``student_expr`` is compared as given (:func:`score_formula` passes it with its
    constants already rounded to exact rationals). When that fails and ``unrounded`` (the
    student's formula with its float constants) is given, the test is repeated SRBench's
    way: simplify with the floats, *then* round the constants of the difference and of the
    ratio (``digits``, ``zero_below``); this catches formulas whose constants cancel only
    before rounding, as in a formula brought back from standardized units. Unbounded in
    time: :func:`score_formula` is the bounded version.
    """
    if _is_constant(sympy.simplify(true_expr - student_expr)):
        return "difference"
    ratio = sympy.simplify(student_expr / true_expr)
    if _is_constant(ratio) and ratio != 0:
        return "ratio"
    if unrounded is None or not unrounded.atoms(sympy.Float):
        return "none"
    diff = round_constants(sympy.simplify(true_expr - unrounded), digits, zero_below)
    if _is_constant(diff) or _is_constant(sympy.simplify(diff)):
        return "difference"
    ratio = round_constants(sympy.simplify(unrounded / true_expr), digits, zero_below)
    if not _is_constant(ratio):
        ratio = sympy.simplify(ratio)
    if _is_constant(ratio) and ratio != 0:
        return "ratio"
    return "none"


def _serve() -> None:  # pragma: no cover - runs in the worker process
    """Worker loop: length-prefixed pickles in on stdin, out on stdout."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed must not corrupt the channel
    out.write(b"R")
    out.flush()
    while True:
        head = inp.read(8)
        if len(head) < 8:
            return
        args = pickle.loads(inp.read(struct.unpack("<Q", head)[0]))
        try:
            reply = ("ok", symbolic_match(*args))
        except Exception as exc:  # noqa: BLE001 - reported to the caller as "undecided"
            reply = ("error", f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(reply)
        out.write(struct.pack("<Q", len(data)) + data)
        out.flush()


class _Worker:
    """One long-lived sympy process per (parent) process; killed when a call times out."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proc = None
        self._pid = None
        self._replies = None

    def _alive(self) -> bool:
        return self._proc is not None and self._pid == os.getpid() and self._proc.poll() is None

    def _start(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # so the child imports this distillkit
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        proc = subprocess.Popen(
            [sys.executable, "-c", "from distillkit.symbolic.groundtruth import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        replies: queue.Queue = queue.Queue()
        threading.Thread(target=_read_replies, args=(proc.stdout, replies), daemon=True).start()
        self._proc, self._pid, self._replies = proc, os.getpid(), replies
        try:
            ready = replies.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            ready = None
        if ready != "ready":
            self.stop()
            raise RuntimeError("the sympy worker process did not start; see `python -c "
                               "'from distillkit.symbolic.groundtruth import _serve'` for the error.")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid() and proc.poll() is None:
            proc.kill()
            proc.wait()

    def compare(self, args: tuple, timeout: float):
        """``symbolic_match(*args)`` in the worker: ("ok", kind) | ("error", message) |
        ("timeout", None)."""
        with self._lock:
            if not self._alive():
                self._start()
            data = pickle.dumps(args)
            try:
                self._proc.stdin.write(struct.pack("<Q", len(data)) + data)
                self._proc.stdin.flush()
                reply = self._replies.get(timeout=timeout)
            except queue.Empty:
                self.stop()
                return ("timeout", None)
            except OSError as exc:  # the worker died (killed from outside, out of memory)
                self.stop()
                return ("error", f"worker: {exc}")
            if reply is None:
                self.stop()
                return ("error", "the sympy worker exited")
            return reply


def _read_replies(stream, replies: queue.Queue) -> None:
    try:
        if stream.read(1) != b"R":
            replies.put(None)
            return
        replies.put("ready")
        while True:
            head = stream.read(8)
            if len(head) < 8:
                break
            replies.put(pickle.loads(stream.read(struct.unpack("<Q", head)[0])))
    except (OSError, ValueError, pickle.UnpicklingError, EOFError):
        pass
    replies.put(None)


_WORKER = _Worker()
atexit.register(_WORKER.stop)


# --------------------------------------------------------------------------
# Public scoring
# --------------------------------------------------------------------------
def _true_law(true_expr):
    """(expression, {name: positive symbol}, sample of the inputs or None)."""
    if isinstance(true_expr, str):
        from distillkit.datasets import feynman

        name = true_expr if true_expr.startswith(feynman.PREFIX) else feynman.PREFIX + true_expr
        if feynman.is_feynman(name):
            eq = feynman.equation(name)
            rng = np.random.default_rng(0)
            sample = {v: rng.uniform(lo, hi, _ABS_SAMPLE) for v, lo, hi in eq.variables}
            return eq.expr, eq.symbols, sample
    expr = _as_expr(true_expr, {})
    symbols = {s.name: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols}
    return expr.xreplace({s: symbols[s.name] for s in expr.free_symbols}), symbols, None


_ABS_SAMPLE = 256


def _drop_abs(expr, sample: dict | None):
    """``Abs(a)`` -> ``a`` (or ``-a``) where ``a`` has one sign on every sampled input.

    gplearn's protected sqrt and log become ``sqrt(Abs(a))`` and ``log(Abs(a))``; on the
    data's domain the protection is inert when ``a`` keeps its sign, but sympy cannot
    always prove that (``x1**2 + x2**2 - 2*x1*x2*cos(t)`` > 0), and would miss the law.
    """
    if sample is None:
        return expr
    sub = {}
    for node in expr.atoms(sympy.Abs):
        arg = node.args[0]
        names = sorted(s.name for s in arg.free_symbols)
        if any(n not in sample for n in names):
            continue
        with np.errstate(all="ignore"):
            f = sympy.lambdify([sympy.Symbol(n) for n in names],
                               arg.xreplace({s: sympy.Symbol(s.name) for s in arg.free_symbols}),
                               modules="numpy")
            try:
                v = np.asarray(f(*(sample[n] for n in names)), dtype=np.float64)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
        if np.isfinite(v).all() and (v > 0).all():
            sub[node] = arg
        elif np.isfinite(v).all() and (v < 0).all():
            sub[node] = -arg
    return expr.xreplace(sub) if sub else expr


def _r2(y, pred) -> float:
    y, pred = np.asarray(y, dtype=np.float64).ravel(), np.asarray(pred, dtype=np.float64).ravel()
    if pred.shape != y.shape:
        pred = np.broadcast_to(pred, y.shape)
    if not np.isfinite(pred).all():
        return float("-inf")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss_tot if ss_tot > 0 else float("nan")


def score_formula(expr, true_expr, *, test_r2: float | None = None, X=None, y=None,
                  feature_names=None, digits: int = DEFAULT_DIGITS,
                  zero_below: float = ZERO_BELOW, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Score a student's formula against the law that generated the data.

    Parameters
    ----------
    expr : sympy expression or str
        The student's formula in the data's own units (see :func:`to_data_units`), its
        symbols named after the law's inputs; protected operators converted to plain sympy.
    true_expr : str or sympy expression
        A Feynman data-set name (``"feynman_I_25_13"`` or ``"I_25_13"``) or the law itself.
    test_r2 : float, optional
        The noiseless test R² (e.g. the pipeline's ``student_r2``); decides
        ``accuracy_solution``.
    X, y : array-like, optional
        Noiseless test data in the data's units (columns in ``feature_names`` order, or a
        DataFrame) to compute the test R² when ``test_r2`` is not given.
    feature_names : list of str, optional
        Column names of ``X`` when it is an array (default: the law's inputs, sorted).
    digits, zero_below : int, float
        Rounding of the student's constants before the comparison (see the module docstring).
    timeout : float
        Seconds the simplification may take before the answer is "undecided".

    Returns
    -------
    dict
        ``solution`` (True, False, or None when undecided), ``solution_kind``
        (``"difference"``, ``"ratio"``, ``"none"``, ``"timeout"`` or ``"error"``),
        ``accuracy_solution`` (bool, or None without ``test_r2``/data), ``test_r2``,
        ``true_formula`` (str), ``formula_rounded`` (the student's formula as compared, str)
        and ``score_seconds``.
    """
    t0 = time.perf_counter()
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1, got {digits!r}.")
    law, symbols, sample = _true_law(true_expr)
    student = _as_expr(expr, symbols)
    unknown = sorted(s.name for s in student.free_symbols if s.name not in symbols)
    if unknown:
        raise ValueError(f"the formula uses {', '.join(unknown)}, which the law does not; "
                         f"its inputs are {', '.join(symbols)}.")
    student = student.xreplace({s: symbols[s.name] for s in student.free_symbols})
    rounded = _drop_abs(round_constants(student, digits, zero_below), sample)

    unrounded = _drop_abs(student, sample)
    status, detail = _WORKER.compare((law, rounded, unrounded, int(digits), float(zero_below)),
                                     float(timeout))
    if status == "ok":
        kind = detail
        solution = kind != "none"
    else:
        kind, solution = status, None

    if test_r2 is None and X is not None and y is not None:
        test_r2 = _r2(y, _evaluate(student, symbols, X, feature_names))
    test_r2 = None if test_r2 is None else float(test_r2)
    return {
        "solution": solution,
        "solution_kind": kind,
        "accuracy_solution": None if test_r2 is None else bool(test_r2 > ACCURACY_R2),
        "test_r2": test_r2,
        "true_formula": str(law),
        "formula_rounded": str(rounded),
        "score_seconds": time.perf_counter() - t0,
    }


def _evaluate(expr, symbols: dict, X, feature_names) -> np.ndarray:
    if hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
        X = X.to_numpy(dtype=np.float64)
    else:
        names = list(feature_names) if feature_names is not None else sorted(symbols)
        X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X must have one column per name in {names}, got shape {X.shape}.")
    args = [symbols.get(n, sympy.Symbol(n)) for n in names]
    with np.errstate(all="ignore"):
        out = sympy.lambdify(args, expr, modules="numpy")(*X.T)
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (X.shape[0],))
