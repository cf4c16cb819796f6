import json

import numpy as np
import pandas as pd
import pytest

from distillkit.datasets import DataError, from_frame
from distillkit.experiments.pipeline import PAPER_LAMS, resolve_config, run
from distillkit.experiments.sweep import run_grid

from tests.conftest import needs_data

TINY = dict(profile="smoke", epochs=2, population_size=30, generations=2)
FIELDS = ["dataset", "lam", "seed", "noise", "sr_reading", "teacher_r2", "student_r2",
          "student_fidelity_r2", "xgb_r2", "tree_r2", "tree_leaves", "formula", "formula_latex",
          "complexity", "sr_generations", "teacher_seconds", "student_seconds", "versions"]


def _own_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                       "kind": rng.choice(["x", "y"], size=n)})
    df["target"] = df.a * 2 + (df.kind == "x") + 0.1 * rng.normal(size=n)
    return from_frame(df, target="target", name="toy")


def test_profiles_and_overrides():
    assert resolve_config("paper")["epochs"] == 100
    assert resolve_config("paper")["population_size"] == 500
    assert resolve_config("smoke", epochs=1)["epochs"] == 1
    with pytest.raises(ValueError, match="unknown setting"):
        resolve_config("paper", epochz=3)
    with pytest.raises(ValueError, match="unknown profile"):
        resolve_config("huge")
    assert PAPER_LAMS == (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)


def test_run_on_own_data_returns_full_record():
    rec = run(_own_data(), lam=0.01, seed=1, **TINY)
    for field in FIELDS:
        assert field in rec, field
    assert rec["dataset"] == "toy" and rec["lam"] == 0.01 and rec["seed"] == 1
    assert -10 < rec["teacher_r2"] <= 1
    assert json.loads(rec["versions"])["torch"]
    json.dumps(rec)  # records are plain JSON


def test_run_is_deterministic_per_seed():
    a = run(_own_data(), lam=0.1, seed=3, **TINY)
    b = run(_own_data(), lam=0.1, seed=3, **TINY)
    for k in ("teacher_r2", "student_r2", "formula", "tree_r2"):
        assert a[k] == b[k]


def test_run_rejects_bad_input():
    with pytest.raises(ValueError, match="lam"):
        run(_own_data(), lam=-0.1, **TINY)
    with pytest.raises(ValueError, match="lam"):
        run(_own_data(), lam=float("nan"), **TINY)
    with pytest.raises(ValueError, match="noise"):
        run(_own_data(), noise=-1, **TINY)
    with pytest.raises(DataError, match="Unknown dataset"):
        run("no_such_data", **TINY)


def test_validation_split_and_label_noise_recorded():
    rec = run(_own_data(400), lam=0.0, seed=0, noise=0.5, validation_size=0.25, **TINY)
    assert rec["noise"] == 0.5 and "student_val_r2" in rec and "teacher_val_r2" in rec
    assert rec["n_train"] == 240 and rec["n_test"] == 80


@needs_data
def test_run_named_dataset_smoke():
    rec = run("diabetes", lam=0.0, seed=0, **TINY)
    assert rec["dataset"] == "diabetes" and rec["n_features"] == 10 and rec["n_test"] == 89


def test_grid_caches_and_resumes(tmp_path, monkeypatch):
    data = _own_data()
    kw = dict(lams=[0.0, 0.1], seeds=[0, 1], sr_readings=("literal", "converged"),
              cache_dir=tmp_path, progress=False, **TINY)
    first = run_grid([data], **kw)
    assert len(first) == 8 and set(first.lam) == {0.0, 0.1}
    assert len(list((tmp_path / "runs").glob("*.json"))) == 8
    # an "interrupted" sweep: drop two finished cells; only they are recomputed
    for p in sorted((tmp_path / "runs").glob("*.json"))[:2]:
        p.unlink()
    import distillkit.experiments.sweep as sweep
    calls = []
    real = sweep._run_cell
    monkeypatch.setattr(sweep, "_run_cell", lambda *a: calls.append(a) or real(*a))
    again = run_grid([data], **kw)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(first.drop(columns=["student_seconds"]),
                                  again.drop(columns=["student_seconds"]), check_exact=False)


def test_grid_sr_draws_share_the_teacher(tmp_path):
    df = run_grid([_own_data()], lams=[0.0], seeds=[0], sr_draws=3, cache_dir=tmp_path,
                  progress=False, **dict(TINY, generations=3))
    assert sorted(df.sr_draw) == [0, 1, 2]
    assert df.teacher_r2.nunique() == 1 and df.sr_random_state.nunique() == 3


def test_grid_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="lam"):
        run_grid([_own_data()], lams=[-1], cache_dir=tmp_path, **TINY)
    with pytest.raises(ValueError, match="SR reading"):
        run_grid([_own_data()], lams=[0], sr_readings=("x",), cache_dir=tmp_path, **TINY)
    with pytest.raises(ValueError, match="noise"):
        run_grid([_own_data()], lams=[0], noises=[float("nan")], cache_dir=tmp_path, **TINY)


OPERON_TINY = dict(operon_evaluations=2000, operon_population=60)


def test_run_with_operon_student_and_direct_control():
    rec = run(_own_data(), lam=0.01, student="operon", sr_reading="literal", **TINY, **OPERON_TINY)
    assert rec["student"] == "operon" and rec["sr_reading"] == "converged" and rec["distilled"]
    assert np.isfinite(rec["student_r2"]) and rec["complexity"] > 0
    direct = run(_own_data(), student="operon", direct=True, **TINY, **OPERON_TINY)
    assert not direct["distilled"] and np.isnan(direct["lam"]) and "teacher_r2" not in direct
    assert direct["sr_random_state"] == rec["sr_random_state"]  # same draw, only the targets differ
    with pytest.raises(ValueError, match="student must be one of"):
        run(_own_data(), student="pysr", **TINY)


def test_grid_students_and_direct_cells_are_cached_apart(tmp_path):
    kw = dict(lams=[0.0, 0.1], seeds=[0], cache_dir=tmp_path, progress=False,
              sr_readings=("literal", "converged"), **TINY, **OPERON_TINY)
    df = run_grid([_own_data()], students=("gplearn", "operon"), direct=True, **kw)
    # gplearn x 2 readings + Operon (one reading) = 3 variants; x 2 λ distilled + 1 direct each
    assert len(df) == 9
    assert sorted(set(zip(df.student, df.sr_reading))) == [
        ("gplearn", "converged"), ("gplearn", "literal"), ("operon", "converged")]
    assert df.distilled.sum() == 6 and df[~df.distilled].lam.isna().all()
    assert len(list((tmp_path / "runs").glob("*.json"))) == 9
    # a gplearn-only grid reads the same gplearn cells back: nothing recomputed or mixed up
    again = run_grid([_own_data()], students="gplearn", **kw)
    assert set(again.student) == {"gplearn"} and len(again) == 4
    merged = again.merge(df, on=["lam", "sr_reading", "student"], suffixes=("", "_first"))
    np.testing.assert_array_equal(merged.student_r2, merged.student_r2_first)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 9


def test_feynman_runs_in_data_units_and_is_scored_against_the_law():
    from distillkit.experiments.pipeline import GROUND_TRUTH_CONFIG, config_for
    assert config_for("feynman_I_25_13", "smoke")["student_units"] == "data"
    assert config_for("concrete", "smoke")["student_units"] == "standardized"
    # gplearn fitted directly on noiseless q/C, in the data's units, finds the law
    rec = run("feynman_I_25_13", student="gplearn", sr_reading="converged", direct=True,
              profile="smoke", population_size=300, generations=5)
    assert rec["student_units"] == "data" and rec["noise_scale"] == "rms"
    assert rec["true_formula"] == "q/C"
    assert rec["solution"] is (rec["formula_compared"] == "q/C")
    assert rec["accuracy_solution"] == (rec["student_r2"] > 0.999)
    assert set(GROUND_TRUTH_CONFIG) <= set(resolve_config("smoke"))


def test_data_units_student_scores_equal_standardized_scores():
    # R² is the same whichever units the student works in, when it is the same function
    from distillkit.experiments.pipeline import DataUnitsStudent, make_split
    from distillkit.students import TreeStudent
    cfg = resolve_config("smoke")
    split = make_split(_own_data(), 0, 0.0, cfg)
    wrapped = DataUnitsStudent(TreeStudent(max_leaf_nodes=8), split).fit(split.X_train, split.y_train)
    plain = TreeStudent(max_leaf_nodes=8).fit(split.X_train, split.y_train)
    from sklearn.metrics import r2_score
    assert r2_score(split.y_test, wrapped.predict(split.X_test)) == pytest.approx(
        r2_score(split.y_test, plain.predict(split.X_test)), abs=1e-6)
