"""distillkit.owndata.distill and ``distillkit distill``: tiny budgets, seconds per test."""
import importlib.util
import json
import math
import os

import numpy as np
import pandas as pd
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillkit.cli import main
from distillkit.datasets import DataError
from distillkit.owndata.distill import DistillResult, distill, write_report

TINY = dict(profile="smoke", progress=False, lams=[0.0, 0.01], cv=2, epochs=3,
            operon_evaluations=2000, operon_population=50)
SCORES = {"formula", "direct", "teacher", "black_box", "linear"}


def _table(n=300, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"size": rng.uniform(1, 3, n), "noise col": rng.normal(size=n),
                       "shade": rng.choice(["dark", "light grey", "white"], n)})
    df["price"] = 3 * df["size"] ** 2 + 5 * (df.shade == "dark") + rng.normal(0, 0.1, n) + 100
    return df


@pytest.fixture(scope="module")
def result() -> DistillResult:
    return distill(_table(), "price", **TINY)


def _load(path):
    spec = importlib.util.spec_from_file_location("formula_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_result_fields(result):
    assert result.route in ("direct", "distilled")
    assert (result.chosen_lam is None) == (result.route == "direct")
    res = result.cv_results
    assert list(res.route) == ["direct", "distilled", "distilled"] and list(res.lam[1:]) == [0.0, 0.01]
    assert res.chosen.sum() == 1 and {"r2_fold0", "r2_fold1", "mean_r2", "sd_r2", "se_r2"} <= set(res)
    assert result.pareto.chosen.sum() == 1
    assert set(result.scores) == SCORES and all(math.isfinite(v) for v in result.scores.values())
    assert set(result.cv_scores) == SCORES
    assert result.data["rows"] == 300 and result.data["columns"] == ["size", "noise col", "shade"]
    assert result.data["encodings"]["shade"]["kind"] == "one-hot"
    assert result.data["reading"]["dropped_rows"] == 0
    assert isinstance(result.formula, sympy.Expr) and result.formula_latex
    y, pred = result.predictions["y"], result.predictions["formula"]
    assert result.scores["formula"] == pytest.approx(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
    record = json.loads(result.to_json())
    assert record["route"] == result.route and record["rule"] and "one-standard-error" in record["rule"]
    assert record["direct"]["formula"] == result.direct_formula and "pyoperon" in record["versions"]
    assert len(record["cv_results"]) == 3


def test_formula_in_data_units_and_names(result):
    allowed = {"size", "noise_col", "shade_dark", "shade_light_grey", "shade_white"}
    assert {s.name for s in result.formula.free_symbols} <= allowed
    assert np.mean(result.predictions["formula"]) == pytest.approx(np.mean(result.predictions["y"]), rel=0.2)
    # the target is never negative: the formula is max(0, ·) (automatic --nonnegative)
    assert isinstance(result.formula, sympy.Max) and result.settings["nonnegative_applied"]


def test_chosen_candidate_is_the_estimators(result):
    est = result.estimator
    row = result.cv_results[result.cv_results.chosen].iloc[0]
    assert row.route == est.route_ and result.formula == est.formula_
    assert result.scores["direct"] == pytest.approx(
        float(1 - np.sum((result.predictions["y"] - result.predictions["direct"]) ** 2)
              / np.sum((result.predictions["y"] - result.predictions["y"].mean()) ** 2)))


def test_formula_py_reproduces_predictions(result, tmp_path):
    out = tmp_path / "rep"
    write_report(result, out)
    assert {p.name for p in out.iterdir()} >= {"report.html", "formula.py", "model.json"}
    source = (out / "formula.py").read_text()
    assert "distillkit" not in source.split('"""', 2)[2]  # no import of the package
    module = _load(out / "formula.py")
    np.testing.assert_allclose(module.predict(result.test_frame), result.predictions["formula"], rtol=1e-6)
    row = result.test_frame.iloc[0].to_dict()
    np.testing.assert_allclose(module.predict(**{k: v for k, v in row.items() if k.isidentifier()},
                                              **{"noise col": row["noise col"]}),
                               result.predictions["formula"][0], rtol=1e-6)
    with pytest.raises(KeyError, match="missing"):
        module.predict(size=1.0)
    card = json.loads((out / "model.json").read_text())
    assert card["encodings"]["shade"]["levels"] == ["dark", "light grey", "white"]
    assert card["scores"]["formula"] == pytest.approx(result.scores["formula"])
    assert card["direct"]["formula"] == result.direct_formula and len(card["cv_results"]) == 3
    with pytest.raises(ValueError, match="already holds a report"):
        write_report(result, out)
    write_report(result, out, force=True)


def test_bad_arguments():
    df = _table()
    with pytest.raises(DataError, match="not found"):
        distill(df, "nope", **TINY)
    with pytest.raises(ValueError, match="tolerance"):
        distill(df, "price", tolerance=-1, **TINY)
    with pytest.raises(ValueError, match="test_size"):
        distill(df, "price", test_size=0, **TINY)
    with pytest.raises(ValueError, match="student"):
        distill(df, "price", student="nn", **TINY)
    with pytest.raises(ValueError, match="refine"):
        distill(df, "price", refine=0.5, **TINY)
    with pytest.raises(ValueError, match="functions"):
        distill(df, "price", functions="add,gamma", **TINY)


def test_missing_values_imputed_and_counted():
    df = _table(n=120)
    df.loc[:9, "size"] = np.nan
    with pytest.warns(UserWarning, match="filled"):
        res = distill(df, "price", impute="median", **TINY)
    assert res.data["rows"] == 120 and res.data["reading"]["imputed"] == {"size": 10}
    with pytest.warns(UserWarning, match="dropped 10"):
        res = distill(df, "price", impute="drop", **TINY)
    assert res.data["rows"] == 110 and res.data["reading"]["dropped_rows"] == 10


def test_cli_end_to_end(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    out = tmp_path / "report"
    rc = main(["distill", str(csv), "--target", "price", "--profile", "smoke", "--lams", "0,0.01",
               "--cv", "2", "--functions", "arithmetic", "--nonnegative", "no",
               "--set", "epochs=3", "--set", "operon_evaluations=2000", "--set", "operon_population=50",
               "--out", str(out), "--json"])
    assert rc == 0
    record = json.loads(capsys.readouterr().out)
    assert record["target"] == "price" and set(record["scores"]) == SCORES
    assert record["settings"]["functions"] == "arithmetic" and record["settings"]["cv"] == 2
    assert not record["settings"]["nonnegative_applied"] and not record["formula"].startswith("Max")
    assert (out / "report.html").is_file() and (out / "formula.py").is_file()
    card = json.loads((out / "model.json").read_text())
    assert card["formula"] == record["formula"]


@pytest.mark.parametrize("args, message", [
    (["--target", "nope"], "Target column 'nope' not found"),
    (["--target", "price", "--tolerance", "-1"], "tolerance"),
    (["--target", "price", "--student", "nn"], "--student"),
    (["--target", "price", "--nonnegative", "maybe"], "--nonnegative"),
])
def test_cli_bad_input(tmp_path, capsys, args, message):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    assert main(["distill", str(csv), "--profile", "smoke", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_unwritable_out(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        target = csv / "sub" if os.access(locked, os.W_OK) else locked / "out"  # root ignores permissions
        assert main(["distill", str(csv), "--target", "price", "--out", str(target)]) == 2
    finally:
        os.chmod(locked, 0o700)
    err = capsys.readouterr().err
    assert "--out" in err and len(err.strip().splitlines()) == 1
    assert main(["distill", str(csv), "--target", "price", "--out", str(csv)]) == 2
    assert "is a file" in capsys.readouterr().err


_cells = st.one_of(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), st.integers(-5, 5))


@st.composite
def tables(draw):
    n = draw(st.integers(5, 40))
    cols = {"t": draw(st.lists(_cells, min_size=n, max_size=n))}
    for i in range(draw(st.integers(0, 2))):
        cols[f"x{i}"] = draw(st.lists(_cells, min_size=n, max_size=n))
    if draw(st.booleans()):
        cols["cat"] = draw(st.lists(st.sampled_from(["a", "b", "c d"]), min_size=n, max_size=n))
    return pd.DataFrame(cols)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_property_generated_tables(df):
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = distill(df, "t", **dict(TINY, lams=[0.0], operon_evaluations=500, operon_population=20))
    except (DataError, ValueError) as exc:
        text = str(exc)
        assert text and "\n" not in text.strip()
        return
    assert res.complexity >= 1
    assert np.isfinite(res.predictions["formula"]).all() or res.scores["formula"] == -math.inf


def test_gplearn_student(tmp_path):
    res = distill(_table(n=200), "price", student="gplearn", **dict(TINY, population_size=30, generations=2))
    # gplearn reports one program (plus the constant when that program is not finite, e.g. x / 0)
    assert res.student == "gplearn" and len(res.pareto) <= 2 and res.pareto.chosen.sum() == 1
    write_report(res, tmp_path / "g")
    module = _load(tmp_path / "g" / "formula.py")
    np.testing.assert_allclose(module.predict(res.test_frame), res.predictions["formula"], rtol=1e-6)


@pytest.mark.parametrize("bad, match", [(dict(lams=[0, 1e300]), "finite number"),
                                        (dict(seed=2**32 - 1), "seed must be in")])
def test_distill_from_python_checks_before_training(bad, match, monkeypatch):
    """distill() runs the CLI's preflight: a bad λ grid or seed fails before any teacher trains."""
    from distillkit.owndata import _estimator
    import numpy as np
    import pandas as pd

    def no_training(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(_estimator.DistilledRegressor, "fit", no_training)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    df["y"] = 2 * df.a + df.b
    with pytest.raises(ValueError, match=match):
        distill(df, "y", profile="smoke", progress=False, cv=2, **bad)
