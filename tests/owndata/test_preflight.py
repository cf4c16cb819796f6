"""Checks before the first teacher trains (distillkit.owndata._preflight, issue 22)."""
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- property: fail fast, or a report that reproduces
_NAMES = st.sampled_from(["lambda", "class", "None", "True", "area_m²", "x₁", "ﬁle", "file", "a b", "1x", "é",
                          "E", "x", "predict", "np"])


@st.composite
def csv_tables(draw):
    n = draw(st.integers(min_value=6, max_value=60))
    names = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    decimal = draw(st.sampled_from([".", ","])) if sep != "," else "."
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.uniform(1, 3, size=(n, len(names)))
    y = 2 * X[:, 0] + rng.normal(0, 0.05, n)
    kinds = draw(st.lists(st.sampled_from(["num", "num", "cat", "blank"]), min_size=len(names), max_size=len(names)))
    cols = []
    for j, kind in enumerate(kinds):
        if kind == "cat":
            cols.append(list(rng.choice(["u", "None", "v"], size=n)))
        else:
            vals = [f"{v:.4f}".replace(".", decimal) for v in X[:, j]]
            if kind == "blank":
                vals = [("" if i % 9 == 4 else v) for i, v in enumerate(vals)]
            cols.append(vals)
    lines = [sep.join(names + ["target"])]
    lines += [sep.join([c[i] for c in cols] + [f"{y[i]:.4f}".replace(".", decimal)]) for i in range(n)]
    return "\n".join(lines) + "\n", sep, decimal, draw(st.booleans())


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(csv_tables())
def test_generated_names_and_dialects_fail_fast_or_reproduce(tmp_path_factory, table):
    import importlib.util

    import distillkit.experiments.pipeline  # noqa: F401  torch and the students: loaded once, not timed
    from distillkit.owndata.distill import distill, write_report
    text, sep, decimal, say_decimal = table
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "t.csv"
    path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = distill(path, "target", sep=sep, decimal="," if (decimal == "," and say_decimal) else None,
                          profile="smoke", progress=False, lams=[0.0], cv=2, epochs=2,
                          operon_evaluations=500, operon_population=20)
    except ValueError as exc:  # DataError and SettingError are ValueErrors
        assert time.perf_counter() - t0 < 2.0, f"failed after the work: {exc}"
        assert str(exc).strip() and "\n" not in str(exc).strip()
        return
    write_report(res, folder / "out")
    spec = importlib.util.spec_from_file_location("formula_prop", folder / "out" / "formula.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    np.testing.assert_allclose(module.predict(res.test_frame), res.predictions["formula"], rtol=1e-6, atol=1e-9)
