"""Typed budget settings: the type and range of every key of ``pipeline.BASE_CONFIG``.

``coerce_setting("baselines", "no")`` turns command-line text into a checked value
(``False``); :func:`check_setting` does the same for values from Python. A key this
schema does not know (a key someone added to ``BASE_CONFIG`` without a schema entry)
is typed after its default value, or, with no default either, read as JSON with the
raw text as fallback. This module imports nothing heavy, so the command line can check
its arguments before torch is loaded.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from distillkit.vocab import PROFILES as PROFILE_NAMES  # noqa: E402  (pipeline.PROFILES has these keys; a test checks)
from distillkit.vocab import SR_READINGS as SR_READING_NAMES  # noqa: E402

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


class SettingError(ValueError):
    """A budget setting with a wrong name, type or range."""


@dataclass(frozen=True)
class Setting:
    """``kind`` is bool, int, float, bool_or_float, str, int_tuple or str_tuple; bounds are inclusive
    unless ``open_low``/``open_high``; ``pattern`` constrains a str."""

    kind: str
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    pattern: re.Pattern | None = None
    hint: str = ""

    def describe(self) -> str:
        what = {"bool": "true or false", "int": "an integer", "float": "a number",
                "bool_or_float": "true, false or a number",
                "str": "a name", "int_tuple": "comma-separated integers",
                "str_tuple": "comma-separated names"}[self.kind]
        if self.low is not None and self.high is not None:
            lo, hi = "(" if self.open_low else "[", ")" if self.open_high else "]"
            what += f" in {lo}{self.low:g}, {self.high:g}{hi}"
        elif self.low is not None:
            what += f" {'>' if self.open_low else '>='} {self.low:g}"
        return what + (f" ({self.hint})" if self.hint else "")


#: type and range of every budget key; extend it next to a new BASE_CONFIG key
SCHEMA: dict[str, Setting] = {
    "hidden_layer_sizes": Setting("int_tuple", low=1, high=100_000),
    "epochs": Setting("int", low=1, high=100_000),
    "batch_size": Setting("int", low=1),
    "learning_rate": Setting("float", low=0, high=1, open_low=True, hint="Adam's step; above 1 it diverges"),
    # names as in distillkit.penalties.lipschitz.PENALTIES and distillkit.penalties.jacobian.METHODS
    "penalty": Setting("str", pattern=re.compile(r"^(jacobian|lipschitz|lipschitz_bound)$"),
                       hint="jacobian, lipschitz or lipschitz_bound"),
    "jacobian_method": Setting("str", pattern=re.compile(r"^(exact|autograd|projection|jacrev|jacfwd)$"),
                               hint="exact, autograd, projection, jacrev or jacfwd"),
    "device": Setting("str", pattern=_DEVICE, hint="auto, cpu, cuda, cuda:N or mps"),
    "population_size": Setting("int", low=2, high=1_000_000),
    "generations": Setting("int", low=1, high=100_000),
    "function_set": Setting("str_tuple", hint="e.g. add,sub,mul,div"),
    "parsimony_coefficient": Setting("float", low=0),
    "stopping_r2": Setting("float", low=0, high=1),
    "max_samples": Setting("float", low=0, high=1, open_low=True),
    "test_size": Setting("float", low=0, high=1, open_low=True, open_high=True),
    "validation_size": Setting("float", low=0, high=1, open_high=True),
    # True standardizes y, False keeps it raw, a number k > 0 centres y with sd k
    "scale_target": Setting("bool_or_float", low=0, open_low=True),
    "tree_leaves": Setting("int", low=2, high=1_000_000),
    "baselines": Setting("bool"),
    "operon_evaluations": Setting("int", low=1, high=1_000_000_000),
    "operon_population": Setting("int", low=2, high=1_000_000),
    "operon_max_length": Setting("int", low=3, high=1000),
    "operon_iterations": Setting("int", low=1, high=1000, hint="0 would turn constant fitting off"),
    "operon_rows": Setting("int", low=10, high=100_000_000),
    "operon_function_set": Setting("str_tuple", hint="e.g. add,sub,mul,aq"),
    "operon_protected": Setting("bool"),
    "operon_tolerance": Setting("float", low=0, high=1, open_high=True),
    "student_units": Setting("str", pattern=re.compile(r"^(standardized|data)$"),
                             hint="standardized or data"),
    "solution_timeout": Setting("float", low=0, hint="seconds; 0 skips the symbolic check"),
}


def _kind_of(default) -> str | None:
    """The schema kind a default value implies (for keys missing from SCHEMA)."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, (tuple, list)) and default:
        return "int_tuple" if all(isinstance(v, int) and not isinstance(v, bool)
                                  for v in default) else "str_tuple"
    return None


def _spec(key: str, default=None) -> Setting | None:
    kind = _kind_of(default)
    if key in SCHEMA:
        spec = SCHEMA[key]
        # a key whose default changed type (e.g. bool -> name) follows its default
        compatible = (kind is None or kind == spec.kind or {kind, spec.kind} == {"int", "float"}
                      or (spec.kind == "bool_or_float" and kind in ("bool", "int", "float")))
        return spec if compatible else Setting(kind)
    return None if kind is None else Setting(kind)


def _parse_text(spec: Setting, text: str):
    t = text.strip()
    if spec.kind == "bool_or_float":  # a true/false word, else a number
        return _parse_text(Setting("bool"), t) if t.lower() in _TRUE | _FALSE else float(t)
    if spec.kind == "bool":
        if t.lower() in _TRUE:
            return True
        if t.lower() in _FALSE:
            return False
        raise ValueError
    if spec.kind == "int":
        value = float(t)  # accepts 1e3, rejects 'abc'
        if not value.is_integer():
            raise ValueError
        return int(value)
    if spec.kind == "float":
        return float(t)
    if spec.kind in ("int_tuple", "str_tuple"):
        if t.startswith("["):  # JSON list, e.g. [100, 50]
            items = json.loads(t)
            if not isinstance(items, list):
                raise ValueError
        else:
            items = [v.strip() for v in t.strip("()").split(",") if v.strip()]
        return tuple(items)
    return t


def _check(key: str, spec: Setting, value):
    k = spec.kind
    if k == "bool_or_float":  # a bool (0/1 read as one) stays a bool, any other number is ranged
        if isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1)):
            return _check(key, Setting("bool"), value)
        k = "float"
    if k == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise ValueError
    if k == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError
        if not float(value).is_integer():
            raise ValueError
        value = int(value)
    elif k == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError
        value = float(value)
        if not math.isfinite(value):
            raise ValueError
    elif k == "str":
        if not isinstance(value, str) or not value.strip():
            raise ValueError
        value = value.strip()
        if spec.pattern is not None and not spec.pattern.match(value):
            raise ValueError
        return value
    elif k == "int_tuple":
        items = (value,) if isinstance(value, (int, float, str)) else tuple(value)
        if not items:
            raise ValueError
        out = []
        for v in items:
            v = float(v) if isinstance(v, str) else v
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not float(v).is_integer():
                raise ValueError
            if (spec.low is not None and v < spec.low) or (spec.high is not None and v > spec.high):
                raise ValueError
            out.append(int(v))
        return tuple(out)
    elif k == "str_tuple":
        items = (value,) if isinstance(value, str) else tuple(value)
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise ValueError
        return tuple(v.strip() for v in items)
    # numeric range
    if spec.low is not None and (value < spec.low or (spec.open_low and value == spec.low)):
        raise ValueError
    if spec.high is not None and (value > spec.high or (spec.open_high and value == spec.high)):
        raise ValueError
    return value


def check_setting(key: str, value, default=None):
    """Return ``value`` checked (and converted) for ``key``; raises :class:`SettingError`.

    Text is parsed as on the command line (``"no"`` is False, ``"100,50"`` a tuple).
    ``default`` types a key that :data:`SCHEMA` does not know; with neither, the value
    passes unchanged.
    """
    spec = _spec(key, default)
    if spec is None:
        return value
    try:
        parsed = _parse_text(spec, value) if isinstance(value, str) and spec.kind != "str" else value
        return _check(key, spec, parsed)
    except (ValueError, TypeError, OverflowError):
        raise SettingError(f"setting {key} expects {spec.describe()}, got {value!r}") from None


def coerce_setting(key: str, text: str, default=None):
    """Parse one ``--set KEY=VALUE`` value. Keys unknown to the schema (and without a
    ``default``) are read as JSON, else kept as text, as before the schema existed."""
    if _spec(key, default) is None:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return check_setting(key, text, default)


def parse_overrides(pairs) -> dict:
    """``["epochs=20", "baselines=no"]`` -> ``{"epochs": 20, "baselines": False}``."""
    out = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SettingError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key] = coerce_setting(key, text)
    return out


# ---------------------------------------------------------------------------
# checks of a whole run, before its first teacher trains (issue 22)
# ---------------------------------------------------------------------------
#: every library that receives a seed takes it below 2**32 (numpy's RandomState, scikit-learn's
#: splits, gplearn, XGBoost); torch and Operon take more. The symbolic student gets
#: ``SR_SEED_BASE + seed + SR_DRAW_STRIDE * draw`` (as ``pipeline._sr_state``; a test checks)
SEED_LIMIT = 2**32 - 1
SR_SEED_BASE = 42
SR_DRAW_STRIDE = 10_000
#: the largest λ accepted: beyond it the penalty swamps the loss in float32 (λ·‖J‖² overflows
#: near 3e38), and no grid worth running goes there (the paper's ends at 0.5)
MAX_LAM = 1e6
#: a run that would take longer than this is refused (seconds)
TIME_LIMIT = 3600.0
#: cost model (optimistic: measured on a 2-core machine, the fast one-hidden-layer engine):
#: a teacher costs ROW_NS per row × hidden unit × (features + 2) per epoch and member, plus
#: STEP_US per optimizer step; a student ~NODE_NS per evaluated node × row
ROW_NS = 10.0
STEP_US = 300.0
NODE_NS = {"gplearn": 20.0, "operon": 2.0}
_GIB = 2**30


def max_seed(draws: int = 1) -> int:
    """The largest seed every library accepts with ``draws`` symbolic-regression draws."""
    return SEED_LIMIT - SR_SEED_BASE - SR_DRAW_STRIDE * (max(1, int(draws)) - 1)


def check_seed(seed, name: str = "seed", draws: int = 1) -> int:
    """``seed`` as an int in [0, max_seed(draws)]; else one-line :class:`SettingError`."""
    top = max_seed(draws)
    if isinstance(seed, bool) or not isinstance(seed, int) and not _is_np_int(seed):
        raise SettingError(f"{name} must be an integer in [0, {top}], got {seed!r}")
    if not 0 <= int(seed) <= top:
        raise SettingError(f"{name} must be in [0, {top}] (numpy, scikit-learn and gplearn take seeds below "
                           f"2**32 and the student's is {SR_SEED_BASE} + seed), got {int(seed)}")
    return int(seed)


def _is_np_int(v) -> bool:
    return type(v).__module__ == "numpy" and "int" in type(v).__name__


def check_lams(lams, name: str = "lams") -> list:
    """A non-empty λ grid of finite numbers in [0, MAX_LAM], sorted and without repeats."""
    try:
        items = [lams] if isinstance(lams, (int, float)) else list(lams)
    except TypeError:
        raise SettingError(f"{name} must be a list of numbers, got {lams!r}") from None
    if not items:
        raise SettingError(f"{name} is empty")
    out = set()
    for lam in items:
        if isinstance(lam, bool) or not isinstance(lam, (int, float)) and not _is_np_int(lam) \
                and type(lam).__module__ != "numpy":
            raise SettingError(f"{name}: λ must be a number, got {lam!r}")
        lam = float(lam)
        if not math.isfinite(lam) or lam < 0 or lam > MAX_LAM:
            raise SettingError(f"{name}: λ must be a finite number in [0, {MAX_LAM:g}], got {lam:g}")
        out.add(lam)
    return sorted(out)


def available_memory() -> int | None:
    """Bytes this process may still use: MemAvailable, under a cgroup limit if one is set."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except OSError:
        try:
            import os
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit) as a, open(usage) as b:
                text = a.read().strip()
                if text != "max" and int(text) < 2**60:
                    room = int(text) - int(b.read().strip())
                    avail = room if avail is None else min(avail, room)
            break
        except (OSError, ValueError):
            continue
    return avail


@dataclass(frozen=True)
class Estimate:
    """What a run will need: ``bytes`` at its peak, ``teacher_seconds`` and ``student_seconds``
    (optimistic), and ``batch_size`` (the setting capped at the training rows)."""

    bytes: int
    teacher_seconds: float
    student_seconds: float
    batch_size: int

    @property
    def seconds(self) -> float:
        return self.teacher_seconds + self.student_seconds


def estimate_run(config: dict, n_train: int, n_features: int, n_teachers: int = 1,
                 n_students: int = 1, student: str = "gplearn", refine: float = 1.0) -> Estimate:
    """Memory and time of training ``n_teachers`` teachers (one ensemble) on ``n_train`` rows of
    ``n_features`` and fitting ``n_students`` students (``refine``: budget factor of the
    last one); see the cost model constants above."""
    n, d, G = max(1, int(n_train)), max(1, int(n_features)), max(1, int(n_teachers))
    hidden = tuple(int(h) for h in config.get("hidden_layer_sizes", (100,)))
    batch = min(int(config.get("batch_size", 128)), n)
    epochs = int(config.get("epochs", 100))
    sizes = (d,) + hidden + (1,)
    params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    work = sum(hidden) * (d + 2)
    mem = 4 * G * params * 5                      # weights, gradients, Adam's two moments, a copy
    mem += 4 * G * batch * work * 4               # per-batch activations, Jacobians and work space
    mem += 8 * epochs * G + 4 * n * (d + 2) * 4   # loss history; the data (float32, a few copies)
    steps = epochs * math.ceil(n / batch)
    teacher = G * (epochs * n * work * ROW_NS * 1e-9 + steps * STEP_US * 1e-6)
    if student == "operon":
        rows = min(n, int(config.get("operon_rows", 2000)))
        evals = float(config.get("operon_evaluations", 40_000))
        length = int(config.get("operon_max_length", 50)) / 2
        one = evals * rows * length * NODE_NS["operon"] * 1e-9
        mem += 8 * int(config.get("operon_population", 500)) * int(config.get("operon_max_length", 50)) * 4
    else:
        rows = n * float(config.get("max_samples", 1.0))
        pop, gens = int(config.get("population_size", 500)), int(config.get("generations", 30))
        one = pop * gens * rows * 20 * NODE_NS["gplearn"] * 1e-9
        mem += 8 * pop * rows * 2 + pop * 2000    # one generation's predictions, the programs
    students = one * max(0, n_students - 1) + one * max(1.0, float(refine))
    return Estimate(bytes=int(mem), teacher_seconds=float(teacher), student_seconds=float(students),
                    batch_size=int(batch))


def check_budget(config: dict, n_train: int, n_features: int, n_teachers: int = 1, n_students: int = 1,
                 student: str = "gplearn", refine: float = 1.0, available: int | None = None,
                 time_limit: float = TIME_LIMIT) -> Estimate:
    """Refuse, before anything trains, a run whose estimated memory exceeds ``available``
    (default: :func:`available_memory`) or whose optimistic time exceeds ``time_limit``;
    the message names the estimate and the settings behind it. Returns the estimate (its
    ``batch_size`` is the setting capped at the training rows: the same batches)."""
    est = estimate_run(config, n_train, n_features, n_teachers, n_students, student, refine)
    avail = available_memory() if available is None else available
    if avail is not None and est.bytes > avail:
        raise SettingError(
            f"this run needs about {est.bytes / _GIB:.1f} GiB of memory (hidden_layer_sizes="
            f"{','.join(map(str, config.get('hidden_layer_sizes', ())))}, batch_size {est.batch_size}, "
            f"{n_teachers} teacher(s), {n_train} rows x {n_features} features) but "
            f"{avail / _GIB:.1f} GiB are available; lower those settings")
    if est.seconds > time_limit:
        which = ("teacher: epochs=%d, hidden_layer_sizes=%s, %d teacher(s) on %d rows"
                 % (config.get("epochs", 0), ",".join(map(str, config.get("hidden_layer_sizes", ()))),
                    n_teachers, n_train) if est.teacher_seconds >= est.student_seconds
                 else f"{student} student budget" + (f" x refine {refine:g}" if refine > 1 else ""))
        raise SettingError(
            f"this run would take at least {_duration(est.seconds)} (estimate; {which}), more than the "
            f"{_duration(time_limit)} allowed; lower the budget")
    return est


def _duration(seconds: float) -> str:
    if seconds >= 86400 * 365:
        return f"{seconds / (86400 * 365):.3g} years"
    if seconds >= 86400:
        return f"{seconds / 86400:.3g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 60:.3g} min"


__all__ = ["SCHEMA", "Setting", "SettingError", "check_setting", "coerce_setting",
           "parse_overrides", "PROFILE_NAMES", "SR_READING_NAMES", "Estimate", "MAX_LAM", "SEED_LIMIT",
           "TIME_LIMIT", "available_memory", "check_budget", "check_lams", "check_seed", "estimate_run",
           "max_seed"]
