"""Checks before the first teacher trains (distillkit.owndata._preflight, issue 22)."""
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from distillkit.datasets import DataError, prepare_table
from distillkit.experiments.settings import SettingError
from distillkit.owndata import check_backend, far_below_constant, formula_symbols, preflight


def test_column_names_become_formula_symbols_or_are_refused():
    with pytest.warns(UserWarning, match=r"'lambda' -> lambda_, 'class' -> class_"):
        syms = formula_symbols(["lambda", "class", "None", "True", "area_m²", "x₁", "é", "1a", "a b", "E", "x"])
    assert syms == {"lambda": "lambda_", "class": "class_", "None": "None_", "True": "True_", "area_m²": "area_m2",
                    "x₁": "x1", "é": "e", "1a": "x_1a", "a b": "a_b", "E": "E_", "x": "x"}
    import keyword

    import sympy
    for sym in syms.values():  # each parses back as one plain sympy symbol
        assert sym.isidentifier() and sym.isascii() and not keyword.iskeyword(sym)
        assert sympy.sympify(sym) == sympy.Symbol(sym)
    with pytest.raises(DataError, match=r"Columns 'ﬁle' and 'file' both become the formula symbol 'file'"):
        formula_symbols(["ﬁle", "file"])
    with pytest.raises(DataError, match=r"Columns 'a_b' and 'a b' both become the formula symbol 'a_b'"):
        formula_symbols(["a_b", "a b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        formula_symbols(["x1", "x2", "kind_a"])  # plain names: no word


def _prep(n=120, **cols):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), **cols})
    df["y"] = df.x1 - df.x2
    return prepare_table(df, "y")


def _config(**kw):
    from distillkit.experiments.pipeline import resolve_config
    return resolve_config("smoke", **kw)


def test_preflight_passes_a_plain_run_and_caps_the_batch(tmp_path):
    checked = preflight(_prep(), _config(batch_size=10**9), seed=0, lams=[0, 0.1], out_dir=tmp_path / "r",
                        cache_dir=tmp_path / "c", backend="loky")
    assert checked.config["batch_size"] == 96 and checked.symbols == {"x1": "x1", "x2": "x2"}
    assert checked.lams == [0.0, 0.1] and checked.estimate.bytes > 0


@pytest.mark.parametrize("kw, match", [
    ({"seed": 2**32 - 1}, "seed must be in"),
    ({"lams": [0, 1e300]}, "lams"),
    ({"backend": "nosuch"}, "unknown joblib backend 'nosuch'"),
    ({"cache_dir": "/proc/distillkit-cache"}, "cannot write the cache"),
    ({"out_dir": "/proc/distillkit-out"}, "cannot write --out"),
])
def test_preflight_refuses_in_one_line_fast(kw, match):
    config = _config()
    prep = _prep()
    t0 = time.perf_counter()
    with pytest.raises(SettingError, match=match) as err:
        preflight(prep, config, **kw)
    assert time.perf_counter() - t0 < 2.0 and "\n" not in str(err.value)


def test_preflight_refuses_a_report_folder_without_force(tmp_path):
    (tmp_path / "formula.py").write_text("")
    with pytest.raises(SettingError, match="already holds a report"):
        preflight(_prep(), _config(), out_dir=tmp_path)
    preflight(_prep(), _config(), out_dir=tmp_path, force=True)


def test_backend_names():
    for name in (None, "loky", "threading", "sequential"):
        check_backend(name)


def test_far_below_constant():
    assert far_below_constant(0.3, "teacher") is None and far_below_constant(-0.5) is None
    assert "far below a constant prediction" in far_below_constant(-5e26, "teacher")
    assert "not finite" in far_below_constant(float("nan"), "student")
