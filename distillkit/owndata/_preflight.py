"""Everything that can be checked before the first teacher trains (issue 22).

:func:`preflight` takes the table (a :class:`~distillkit.datasets.PreparedTable`, a
:class:`~distillkit.datasets.Dataset` or just its feature names and row count) and the
run's configuration, and fails in one line, in well under a second, on:

* column names the formula cannot hold: every feature name becomes a formula symbol
  (:func:`formula_symbols`: NFKC, ASCII, an identifier; keywords and names sympy or
  ``formula.py`` use get a trailing ``_``); a rename is said in a warning, names that
  collide after this (``ﬁle`` beside ``file``) are refused;
* a seed outside what numpy, scikit-learn, gplearn, XGBoost, torch and Operon take;
* a λ grid outside [0, 1e6];
* a memory estimate above the machine's available memory, or an (optimistic) time
  estimate above an hour (:func:`distillkit.experiments.settings.check_budget`); the batch
  size is capped at the training rows;
* an ``--out`` or a cache that cannot be written, has no room, or (``--out``) already holds
  a report without ``force``;
* a joblib backend that does not exist (also when every run is cached).

Nothing heavy is imported (no torch; pandas only when a table is given), so the command line
answers at once.
"""
from __future__ import annotations

import keyword
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from distillkit.experiments.settings import (Estimate, SettingError, check_budget, check_lams, check_seed)
from distillkit.owndata._outputs import REPORT_BYTES, check_out_dir, check_room

#: names a formula symbol may not take: Python's keywords and constants, names sympy's
#: parser reads as its own objects, and the names formula.py defines
RESERVED = frozenset(set(keyword.kwlist) | set(getattr(keyword, "softkwlist", [])) | {
    "E", "I", "N", "O", "Q", "S", "pi", "oo", "nan", "zoo", "beta", "gamma", "zeta", "Lambda", "lambda",
    "exp", "log", "ln", "sqrt", "sin", "cos", "tan", "abs", "Abs", "Max", "Min", "re", "im", "sign",
    "Symbol", "Integer", "Float", "Rational", "Function", "Eq",
    "np", "numpy", "math", "data", "columns", "predict", "shape", "out", "missing"})


class SymbolWarning(UserWarning):
    """A column name is written differently in the formula."""


def _symbol(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name))            # ﬁ -> fi, ² -> 2, x₁ -> x1
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # é -> e
    text = re.sub(r"[^0-9A-Za-z_]", "_", text)
    if not text or text[0].isdigit():
        text = "x_" + text
    while text in RESERVED:
        text += "_"
    return text


def formula_symbols(names, warn: bool = True) -> dict:
    """``{name: symbol}`` for the (encoded) feature ``names``; see the module docstring.
    Raises DataError when two names become one symbol."""
    from distillkit.datasets import DataError
    out, seen, renamed = {}, {}, []
    for name in names:
        sym = _symbol(name)
        if sym in seen:
            raise DataError(f"Columns {seen[sym]!r} and {name!r} both become the formula symbol {sym!r}; "
                            "rename one of them.")
        seen[sym] = name
        out[name] = sym
        if sym != str(name):
            renamed.append(f"{name!r} -> {sym}")
    if renamed and warn:
        warnings.warn(f"column names written differently in the formula: {', '.join(renamed)}",
                      SymbolWarning, stacklevel=2)
    return out


def check_backend(backend) -> None:
    """A joblib backend name that exists (``dask`` needs dask.distributed)."""
    if backend is None:
        return
    import joblib.parallel as jp
    known = set(jp.BACKENDS) | {"dask"}
    if backend not in known:
        raise SettingError(f"--backend: unknown joblib backend {backend!r}; choose from {', '.join(sorted(known))}")
    if backend == "dask":
        import importlib.util
        if importlib.util.find_spec("distributed") is None:
            raise SettingError("--backend dask needs dask.distributed (pip install 'dask[distributed]')")


def check_cache(cache_dir, need_bytes: int) -> Path:
    """The cache folder can be made, written, and has room for what will be written."""
    cache = Path(cache_dir).expanduser()
    if cache.exists() and not cache.is_dir():
        raise SettingError(f"cache {cache} is a file; give a folder")
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingError(f"cannot write the cache {cache}: {exc.strerror or exc}") from None
    try:
        check_room(cache, need_bytes, "the cache")
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    return cache


@dataclass
class Preflight:
    """What passed: ``config`` (batch size capped at the training rows), ``symbols``
    ({feature name: formula symbol}), ``estimate`` (memory and time), ``seed``, ``lams``."""

    config: dict
    symbols: dict
    estimate: Estimate
    seed: int
    lams: list
    notes: list = field(default_factory=list)


def _shape(table) -> tuple[int, list]:
    from distillkit.datasets import Dataset, PreparedTable
    if isinstance(table, PreparedTable):
        table = table.dataset
    if isinstance(table, Dataset):
        return len(table.y), list(table.feature_names)
    if isinstance(table, tuple) and len(table) == 2:
        return int(table[0]), list(table[1])
    raise TypeError(f"preflight expects a PreparedTable, a Dataset or (rows, feature names), got {type(table).__name__}")


def teacher_bytes(config: dict, n_features: int) -> int:
    """Size of one cached teacher (float32 weights and a pickle's overhead)."""
    sizes = (n_features,) + tuple(config.get("hidden_layer_sizes", (100,))) + (1,)
    return 4 * sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])) + 64 * 1024 + 8 * config.get("epochs", 0)


def preflight(table, config: dict, *, seed: int = 0, lams=None, n_students: int | None = None,
              student: str = "gplearn", refine: float = 1.0, out_dir=None, force: bool = False,
              cache_dir=None, backend=None, draws: int = 1, symbols: bool = True,
              budget: bool = True) -> Preflight:
    """Check a run before it trains (see the module docstring); returns :class:`Preflight`.

    ``config`` is the resolved budget (``pipeline.resolve_config``); ``lams`` the λ grid (one
    teacher each); ``n_students`` the student fits (default: one per λ plus the direct one);
    ``refine`` the budget factor of the refitted student; ``out_dir`` the report folder.
    ``budget=False`` skips the memory and time estimate (for a first pass before the full
    configuration is known: it needs the pipeline, hence torch).
    """
    n_rows, names = _shape(table)
    seed = check_seed(seed, draws=draws)
    lams = check_lams([0.0] if lams is None else lams)
    syms = formula_symbols(names) if symbols else {n: n for n in names}
    test, val = float(config.get("test_size", 0.2)), float(config.get("validation_size", 0.0))
    n_train = max(1, int(n_rows * (1 - test) * (1 - val)))
    n_students = len(lams) + 1 if n_students is None else n_students
    est = (check_budget(config, n_train, len(names), len(lams), n_students, student, refine) if budget
           else Estimate(bytes=0, teacher_seconds=0.0, student_seconds=0.0, batch_size=0))
    config = dict(config, batch_size=min(int(config.get("batch_size", 128)), n_train))
    if out_dir is not None:
        try:
            check_out_dir(out_dir, force=force, need_bytes=REPORT_BYTES)
        except ValueError as exc:
            raise SettingError(str(exc)) from None
    if cache_dir is not None:
        check_cache(cache_dir, len(lams) * teacher_bytes(config, len(names)) + n_students * 64 * 1024)
    check_backend(backend)
    return Preflight(config=config, symbols=syms, estimate=est, seed=seed, lams=lams)


#: a score this far below a constant prediction (R² 0) is a diverged fit, not a weak one
FAR_BELOW_R2 = -1.0


def far_below_constant(r2, what: str = "model") -> str | None:
    """A one-line note when ``r2`` (on held-out rows) is not finite or below FAR_BELOW_R2."""
    import math
    if r2 is None or not isinstance(r2, (int, float)):
        return None
    if not math.isfinite(r2):
        return f"the {what}'s predictions are not finite (R² {r2}); it diverged: lower learning_rate or the budget"
    if r2 < FAR_BELOW_R2:
        return (f"the {what} scores R² {r2:.3g} on held-out rows, far below a constant prediction (0): it "
                "diverged or failed; do not use it")
    return None


__all__ = ["FAR_BELOW_R2", "far_below_constant", "Preflight", "RESERVED", "SymbolWarning", "check_backend", "check_cache", "formula_symbols",
           "preflight", "teacher_bytes"]
