"""Ground-truth data sets: the Feynman Symbolic Regression Database as ``feynman_<id>``.

The 119 equations of Udrescu & Tegmark (2020, "AI Feynman", arXiv:1905.11481), as used by
SRBench's ground-truth track (La Cava et al. 2021, arXiv:2107.14351), are shipped in
``distillkit/resources/feynman.tsv`` (transcribed from PMLB's ``metadata.yaml`` files; see
the README beside it). ``load_dataset("feynman_I_25_13")`` generates one without any
download:

* inputs are drawn independently and uniformly from each variable's interval, with
  ``numpy.random.default_rng([random_state, crc32(name)])`` (rows are drawn one after the
  other, so the first rows do not depend on ``n_samples``);
* the target is the equation evaluated on them, without noise;
* ``n_samples`` defaults to :data:`DEFAULT_N_SAMPLES` = 2000 rows (SRBench subsamples
  PMLB's 100 000-row copies; 2000 keeps a teacher's epoch and a symbolic-regression
  generation cheap), and ``random_state`` to 0, so every pipeline seed sees the same table
  and only the train/test split and the label noise change with the seed.

Label noise is added by :func:`distillkit.datasets.split_dataset` to the training (and
validation) labels only: these data sets carry ``noise_scale="rms"``, so ``label_noise=γ``
adds N(0, (γ·rms(y_train))²), SRBench's convention (γ ∈ {0, 0.001, 0.01, 0.1}), while the
five real data sets keep ``noise_scale="sd"`` (sd α·sd(y), the paper's Table 9). The
``Split`` carries the scale used.

Scaling and the student (issue 10, section 3)
---------------------------------------------
Recommendation: the teacher standardizes inputs and target internally (its optimizer and
its Jacobian penalty are tuned for unit-scale data), but the student is fitted on the inputs
in the data's own units against the teacher's predictions mapped back to the target's own
units (``y_mean + y_scale * teacher.predict(X_std)``), so that its formula is written in the
data's units directly. Why: a law such as ``q/C`` is a two-node program in the data's units,
but on standardized inputs it becomes ``(s_q*z_q + m_q)/(s_C*z_C + m_C)``, which needs four
constants that the search must discover (gplearn draws its constants from a small range)
and that the parsimony pressure penalizes; ``sqrt`` and ``log`` meet negative arguments on
standardized inputs and fall back on their protected versions. Undoing the scaling
afterwards (:func:`distillkit.symbolic.groundtruth.to_data_units`) makes a found formula comparable
with the law, but it cannot help the search find it; so it is kept for formulas fitted in
standardized units (the existing pipeline's) and for checking, not as the main route. The
Feynman inputs are sampled from intervals such as [1, 5], so fitting the student in the
data's units costs no numerical conditioning there.

Operators and selection
-----------------------
:func:`operator_table` says which sympy operators each equation applies to its inputs
(arithmetic with integer powers is always allowed; the others are ``sqrt`` (any half-integer
power), ``exp``, ``log``, ``sin``, ``cos``, ``arcsin``, ``arccos``, ``tanh``) and how many
inputs it has; :func:`select_equations` implements the result-blind rule stated in
:data:`SELECTION_RULE`.
"""
from __future__ import annotations

import functools
import numbers
import zlib
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import sympy

__all__ = [
    "DEFAULT_N_SAMPLES",
    "DEFAULT_OPERATORS",
    "OPERATORS",
    "PREFIX",
    "SELECTION_RULE",
    "SOURCE",
    "Equation",
    "describe_selection",
    "equation",
    "equations",
    "feynman_names",
    "is_feynman",
    "make_feynman",
    "operator_table",
    "select_equations",
]

PREFIX = "feynman_"
DEFAULT_N_SAMPLES = 2000
SOURCE = (
    "Udrescu & Tegmark (2020), AI Feynman, arXiv:1905.11481; SRBench/PMLB versions "
    "(La Cava et al. 2021, arXiv:2107.14351), shipped in distillkit/resources/feynman.tsv"
)

#: every non-arithmetic operator an equation of the table can need
OPERATORS = ("sqrt", "exp", "log", "sin", "cos", "arcsin", "arccos", "tanh")

#: the function set the default selection assumes the students can use (besides arithmetic)
DEFAULT_OPERATORS = ("sqrt", "exp", "log", "sin", "cos")

_FUNCTIONS = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos",
    sympy.asin: "arcsin", sympy.acos: "arccos", sympy.tanh: "tanh",
}  # fmt: skip
# spellings of the table (numpy style) that sympy spells differently
_PARSE_NAMES = {"arcsin": sympy.asin, "arccos": sympy.acos, "ln": sympy.log, "pi": sympy.pi}


@dataclass(frozen=True)
class Equation:
    """One row of the table: ``name`` (``feynman_I_25_13``), target, formula, inputs."""

    name: str
    target: str
    formula: str
    variables: tuple[tuple[str, float, float], ...]
    description: str

    @property
    def id(self) -> str:
        """The name without the ``feynman_`` prefix (``I_25_13``)."""
        return self.name[len(PREFIX):]

    @property
    def inputs(self) -> list[str]:
        """Input names, in the table's (and the data set's column) order."""
        return [v[0] for v in self.variables]

    @property
    def n_inputs(self) -> int:
        return len(self.variables)

    @property
    def symbols(self) -> dict[str, sympy.Symbol]:
        """One positive real symbol per input (every interval lies in [0, ∞))."""
        return {name: sympy.Symbol(name, positive=True) for name in self.inputs}

    @property
    def expr(self) -> sympy.Expr:
        """The formula as a sympy expression of :attr:`symbols`."""
        return _parse(self.formula, tuple(self.inputs))

    @property
    def operators(self) -> tuple[str, ...]:
        """Non-arithmetic operators the formula applies to its inputs (sorted)."""
        return operators_of(self.expr)

    def evaluate(self, X) -> np.ndarray:
        """The formula on a (n, n_inputs) array (or DataFrame with the input columns)."""
        if isinstance(X, pd.DataFrame):
            X = X[self.inputs].to_numpy(dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"{self.name} needs an (n, {self.n_inputs}) array, got shape {X.shape}.")
        f = sympy.lambdify([self.symbols[v] for v in self.inputs], self.expr, modules="numpy")
        return np.broadcast_to(np.asarray(f(*X.T), dtype=np.float64), (X.shape[0],)).copy()


@functools.lru_cache(maxsize=None)
def _parse(formula: str, inputs: tuple[str, ...]) -> sympy.Expr:
    # every input declared: names such as gamma, beta, I, E_n or C clash with sympy otherwise
    local = dict(_PARSE_NAMES)
    local.update({name: sympy.Symbol(name, positive=True) for name in inputs})
    return sympy.sympify(formula, locals=local)


def operators_of(expr) -> tuple[str, ...]:
    """Non-arithmetic operators applied to something that depends on a symbol.

    Integer powers count as arithmetic; a half-integer power (``x**(3/2)``) as ``sqrt``;
    any other non-integer power as ``pow``; constants such as ``sqrt(2*pi)`` do not count.
    """
    found = set()
    for node in sympy.preorder_traversal(expr):
        if not getattr(node, "free_symbols", None):
            continue
        if isinstance(node, sympy.Pow):
            e = node.exp
            if e.is_Integer:
                continue
            found.add("sqrt" if e.is_Rational and e.q == 2 else "pow")
        elif isinstance(node, sympy.Function):
            found.add(_FUNCTIONS.get(node.func, node.func.__name__))
    return tuple(sorted(found))


@functools.lru_cache(maxsize=1)
def _table() -> tuple[Equation, ...]:
    text = resources.files("distillkit").joinpath("resources/feynman.tsv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    out = []
    for line in lines[1:]:  # header first
        name, target, formula, variables, description = line.split("\t")
        spec = []
        for item in variables.split(";"):
            var, low, high = item.split(":")
            spec.append((var, float(low), float(high)))
        out.append(Equation(name, target, formula, tuple(spec), description))
    return tuple(out)


def equations() -> tuple[Equation, ...]:
    """All 119 equations, in the shipped table's order (alphabetical by name)."""
    return _table()


def feynman_names() -> tuple[str, ...]:
    """The data-set names ``feynman_<id>``, in the table's order."""
    return tuple(eq.name for eq in _table())


def is_feynman(name) -> bool:
    """True when ``name`` is one of the ``feynman_<id>`` data sets."""
    return isinstance(name, str) and name in _by_name()


@functools.lru_cache(maxsize=1)
def _by_name() -> dict[str, Equation]:
    return {eq.name: eq for eq in _table()}


def equation(name: str) -> Equation:
    """The equation of ``feynman_<id>`` (the prefix may be left out: ``"I_25_13"``)."""
    table = _by_name()
    if isinstance(name, str) and not name.startswith(PREFIX) and PREFIX + name in table:
        name = PREFIX + name
    if not isinstance(name, str) or name not in table:
        raise ValueError(
            f"Unknown Feynman equation {name!r}; names look like 'feynman_I_25_13' "
            f"(see distillkit.datasets.feynman.feynman_names())."
        )
    return table[name]


def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


@functools.lru_cache(maxsize=32)
def _generate(name: str, n_samples: int, random_state: int):
    eq = equation(name)
    rng = np.random.default_rng([random_state, zlib.crc32(name.encode())])
    low = np.array([v[1] for v in eq.variables])
    high = np.array([v[2] for v in eq.variables])
    X = rng.uniform(low, high, size=(n_samples, eq.n_inputs))
    y = eq.evaluate(X)
    if not np.isfinite(y).all():  # pragma: no cover - every interval of the table is safe
        raise ValueError(f"{name}: the formula is not finite on some sampled inputs.")
    return X, y


def make_feynman(name: str, n_samples: int = DEFAULT_N_SAMPLES, random_state: int = 0):
    """Generate the data set ``feynman_<id>`` (deterministic in name, n_samples, random_state).

    Returns a :class:`distillkit.datasets.Dataset` with one column per input (the table's
    names), the noiseless target, and ``noise_scale="rms"``.
    """
    from distillkit.datasets import Dataset

    eq = equation(name)
    n_samples = _check_int(n_samples, "n_samples", 10)
    random_state = _check_int(random_state, "random_state", 0)
    X, y = _generate(eq.name, n_samples, random_state)
    return Dataset(
        name=eq.name,
        X=pd.DataFrame(X.copy(), columns=eq.inputs),
        y=pd.Series(y.copy(), name=eq.target),
        description=f"{eq.description}; {eq.target} = {eq.formula} (inputs uniform on "
        + ", ".join(f"{v}∈[{lo:g}, {hi:g}]" for v, lo, hi in eq.variables) + ")",
        source=SOURCE,
        noise_scale="rms",
    )


@functools.lru_cache(maxsize=1)
def _operator_frame() -> pd.DataFrame:
    rows = []
    for eq in _table():
        ops = eq.operators
        rows.append({"name": eq.name, "n_inputs": eq.n_inputs, "operators": ops,
                     "arithmetic_only": not ops, "formula": eq.formula})
    return pd.DataFrame(rows, columns=["name", "n_inputs", "operators", "arithmetic_only", "formula"])


def operator_table() -> pd.DataFrame:
    """One row per equation: ``name``, ``n_inputs``, ``operators`` (tuple of the
    non-arithmetic operators it needs, see :func:`operators_of`), ``arithmetic_only``,
    ``formula``; in the table's order."""
    return _operator_frame().copy()


def _check_allowed(allowed) -> tuple[str, ...]:
    if isinstance(allowed, str):
        allowed = (allowed,)
    allowed = tuple(dict.fromkeys(str(a) for a in allowed))
    unknown = [a for a in allowed if a not in OPERATORS + ("pow",)]
    if unknown:
        raise ValueError(f"unknown operator(s) {unknown}; known: {list(OPERATORS) + ['pow']}")
    return allowed


def describe_selection(allowed=DEFAULT_OPERATORS, per_inputs: int = 2,
                       max_inputs: int = 9) -> str:
    """The rule :func:`select_equations` implements, in words, for these parameters."""
    allowed = _check_allowed(allowed)
    ops = "arithmetic and integer powers" + (f" plus {', '.join(allowed)}" if allowed else " only")
    return (
        f"For each number of inputs from 1 to {max_inputs}, the first {per_inputs} equations, "
        f"in the order of the shipped Feynman table (alphabetical by data-set name), among "
        f"those whose formula needs no operator outside the student's function set "
        f"({ops}); fewer where fewer qualify. The rule looks only at the formulas, "
        f"never at any result."
    )


def select_equations(allowed=DEFAULT_OPERATORS, per_inputs: int = 2,
                     max_inputs: int = 9) -> list[str]:
    """Equations chosen by :func:`describe_selection`'s rule, ordered by number of inputs.

    Parameters
    ----------
    allowed : iterable of str
        Non-arithmetic operators the student can express (subset of :data:`OPERATORS`).
    per_inputs : int
        How many equations to take per number of inputs.
    max_inputs : int
        Largest number of inputs considered.
    """
    allowed = set(_check_allowed(allowed))
    per_inputs = _check_int(per_inputs, "per_inputs", 1)
    max_inputs = _check_int(max_inputs, "max_inputs", 1)
    table = _operator_frame()
    ok = table[[set(ops) <= allowed for ops in table["operators"]]]
    out = []
    for d in range(1, max_inputs + 1):
        out.extend(ok.loc[ok["n_inputs"] == d, "name"].head(per_inputs))
    return out


#: the default rule, for the book to glue
SELECTION_RULE = describe_selection()
