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
from distillkit.owndata.distill import DistillResult, distill, select, write_report

TINY = dict(profile="smoke", progress=False, lams=[0.0, 0.01], epochs=3,
            operon_evaluations=2000, operon_population=50)


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
    assert result.chosen_lam in (0.0, 0.01)
    assert list(result.lam_table.lam) == [0.0, 0.01]
    assert {"teacher_val_r2", "student_val_r2", "formula_val_r2", "chosen"} <= set(result.lam_table)
    assert result.lam_table.chosen.sum() == 1
    assert result.pareto.chosen.sum() == 1
    assert set(result.scores) == {"formula", "teacher", "xgboost", "direct"}
    assert all(math.isfinite(v) for v in result.scores.values())
    assert result.data["rows"] == 300 and result.data["columns"] == ["size", "noise col", "shade"]
    assert result.data["encodings"]["shade"]["kind"] == "one-hot"
    assert isinstance(result.formula, sympy.Expr) and result.formula_latex
    # the formula's R² is computed in data units on the test split
    y, pred = result.predictions["y"], result.predictions["formula"]
    assert result.scores["formula"] == pytest.approx(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
    record = json.loads(result.to_json())
    assert record["chosen_lam"] == result.chosen_lam and record["rule"]
    assert "pyoperon" in record["versions"]


def test_formula_in_data_units_and_names(result):
    # variables: original numeric names (made symbols) and <column>_<value> indicators
    allowed = {"size", "noise_col", "shade_dark", "shade_light_grey", "shade_white"}
    names = {s.name for s in result.formula.free_symbols}
    assert names <= allowed
    # in data units: the target is around 100+, which a standardized formula would not give
    assert np.mean(result.predictions["formula"]) == pytest.approx(np.mean(result.predictions["y"]), rel=0.2)


def test_categorical_visible_in_formula():
    # the target depends on the category only: the formula must use an indicator
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=300), "colour": rng.choice(["red", "blue"], 300)})
    df["y"] = 10.0 * (df.colour == "red") + 0.01 * df.x
    res = distill(df, "y", **dict(TINY, operon_evaluations=3000))
    assert {s.name for s in res.formula.free_symbols} & {"colour_red", "colour_blue"}


def test_selection_rule():
    front = pd.DataFrame({"complexity": [3, 5, 9, 15], "val_r2": [0.5, 0.90, 0.915, 0.92]})
    assert select(front, 0.01) == 2        # simplest within 0.01 of 0.92
    assert select(front, 0.0) == 3         # the best
    assert select(front, 0.05) == 1
    assert select(front, 1.0) == 0
    with pytest.raises(ValueError, match="tolerance"):
        select(front, -0.1)


def test_rule_applied_to_result(result):
    p = result.pareto
    chosen = p[p.chosen].iloc[0]
    ok = p[p.val_r2 >= p.val_r2.max() - result.settings["tolerance"]]
    assert chosen.complexity == ok.complexity.min() == result.complexity
    # λ: the grid value whose front reaches the best validation R²
    t = result.lam_table
    assert t.loc[t.chosen, "lam"].item() == t.lam[t.student_val_r2.idxmax()]


def test_formula_py_reproduces_predictions(result, tmp_path):
    write_report(result, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"report.html", "formula.py", "model.json"}
    source = (tmp_path / "formula.py").read_text()
    assert "distillkit" not in source.split('"""', 2)[2]  # no import of the package
    module = _load(tmp_path / "formula.py")
    np.testing.assert_allclose(module.predict(result.test_frame), result.predictions["formula"], rtol=1e-6)
    row = result.test_frame.iloc[0].to_dict()
    np.testing.assert_allclose(module.predict(**{k: v for k, v in row.items() if k.isidentifier()},
                                              **{"noise col": row["noise col"]}),
                               result.predictions["formula"][0], rtol=1e-6)
    with pytest.raises(KeyError, match="missing"):
        module.predict(size=1.0)
    card = json.loads((tmp_path / "model.json").read_text())
    assert card["encodings"]["shade"]["levels"] == ["dark", "light grey", "white"]
    assert card["scores"]["formula"] == pytest.approx(result.scores["formula"])
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "validation R²" in html


def test_bad_arguments():
    df = _table()
    with pytest.raises(DataError, match="not found"):
        distill(df, "nope", **TINY)
    with pytest.raises(ValueError, match="tolerance"):
        distill(df, "price", tolerance=-1, **TINY)
    with pytest.raises(ValueError, match="validation_size"):
        distill(df, "price", validation_size=0, **TINY)
    with pytest.raises(ValueError, match="student"):
        distill(df, "price", student="nn", **TINY)
    with pytest.raises(ValueError, match="refine"):
        distill(df, "price", refine=0.5, **TINY)


def test_refine_gives_the_chosen_lambda_and_the_direct_fit_the_larger_budget(result):
    from distillkit.owndata.distill import refined_config
    from distillkit.experiments.pipeline import resolve_config
    cfg = resolve_config("smoke", operon_evaluations=2000)
    assert refined_config(cfg, "operon", 5)["operon_evaluations"] == 10000
    assert refined_config(cfg, "gplearn", 2)["generations"] == 2 * cfg["generations"]
    assert result.settings["refine"] == 20 and "refine" in result.seconds
    row = result.lam_table[result.lam_table.chosen].iloc[0]
    assert math.isfinite(row.refined_val_r2)
    plain = distill(_table(), "price", refine=1, **TINY)
    assert "refine" not in plain.seconds and "refined_val_r2" not in plain.lam_table


def test_cli_end_to_end(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    out = tmp_path / "report"
    rc = main(["distill", str(csv), "--target", "price", "--profile", "smoke", "--lams", "0,0.01",
               "--set", "epochs=3", "--set", "operon_evaluations=2000", "--set", "operon_population=50",
               "--out", str(out), "--json"])
    assert rc == 0
    record = json.loads(capsys.readouterr().out)
    assert record["target"] == "price" and set(record["scores"]) == {"formula", "teacher", "xgboost", "direct"}
    assert (out / "report.html").is_file() and (out / "formula.py").is_file()
    card = json.loads((out / "model.json").read_text())
    assert card["formula"] == record["formula"]


@pytest.mark.parametrize("args, message", [
    (["--target", "nope"], "Target column 'nope' not found"),
    (["--target", "price", "--tolerance", "-1"], "--tolerance"),
    (["--target", "price", "--student", "nn"], "--student"),
])
def test_cli_bad_input(tmp_path, capsys, args, message):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    assert main(["distill", str(csv), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_unwritable_out(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    _table().to_csv(csv, index=False)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file
            target = csv / "sub"
        else:
            target = locked / "out"
        assert main(["distill", str(csv), "--target", "price", "--out", str(target)]) == 2
    finally:
        os.chmod(locked, 0o700)
    err = capsys.readouterr().err
    assert "cannot write --out" in err and len(err.strip().splitlines()) == 1
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


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_property_generated_tables(df):
    try:
        res = distill(df, "t", **dict(TINY, lams=[0.0], operon_evaluations=500, operon_population=20))
    except (DataError, ValueError) as exc:
        text = str(exc)
        assert text and "\n" not in text.strip()
        return
    assert math.isfinite(res.chosen_lam) and res.complexity >= 1
    assert all(math.isfinite(v) for v in res.scores.values()), res.scores
    assert np.isfinite(res.predictions["formula"]).all()


def test_gplearn_student(tmp_path):
    res = distill(_table(n=200), "price", student="gplearn",
                  **dict(TINY, population_size=30, generations=2))
    assert res.student == "gplearn" and len(res.pareto) == 1 and res.pareto.chosen.all()
    write_report(res, tmp_path)
    module = _load(tmp_path / "formula.py")
    np.testing.assert_allclose(module.predict(res.test_frame), res.predictions["formula"], rtol=1e-6)
