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

PROFILE_NAMES = ("smoke", "paper", "full")  # must match pipeline.PROFILES (a test checks)
SR_READING_NAMES = ("literal", "converged")  # must match students.SR_READINGS

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
    "hidden_layer_sizes": Setting("int_tuple", low=1),
    "epochs": Setting("int", low=1),
    "batch_size": Setting("int", low=1),
    "learning_rate": Setting("float", low=0, open_low=True),
    # names as in distillkit.penalties.lipschitz.PENALTIES and distillkit.penalties.jacobian.METHODS
    "penalty": Setting("str", pattern=re.compile(r"^(jacobian|lipschitz|lipschitz_bound)$"),
                       hint="jacobian, lipschitz or lipschitz_bound"),
    "jacobian_method": Setting("str", pattern=re.compile(r"^(exact|autograd|projection|jacrev|jacfwd)$"),
                               hint="exact, autograd, projection, jacrev or jacfwd"),
    "device": Setting("str", pattern=_DEVICE, hint="auto, cpu, cuda, cuda:N or mps"),
    "population_size": Setting("int", low=2),
    "generations": Setting("int", low=1),
    "function_set": Setting("str_tuple", hint="e.g. add,sub,mul,div"),
    "parsimony_coefficient": Setting("float", low=0),
    "stopping_r2": Setting("float", low=0, high=1),
    "max_samples": Setting("float", low=0, high=1, open_low=True),
    "test_size": Setting("float", low=0, high=1, open_low=True, open_high=True),
    "validation_size": Setting("float", low=0, high=1, open_high=True),
    # True standardizes y, False keeps it raw, a number k > 0 centres y with sd k
    "scale_target": Setting("bool_or_float", low=0, open_low=True),
    "tree_leaves": Setting("int", low=2),
    "baselines": Setting("bool"),
    "operon_evaluations": Setting("int", low=1),
    "operon_population": Setting("int", low=2),
    "operon_max_length": Setting("int", low=3),
    "operon_iterations": Setting("int", low=1, hint="0 would turn constant fitting off"),
    "operon_rows": Setting("int", low=10),
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
            if spec.low is not None and v < spec.low:
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


__all__ = ["SCHEMA", "Setting", "SettingError", "check_setting", "coerce_setting",
           "parse_overrides", "PROFILE_NAMES", "SR_READING_NAMES"]
