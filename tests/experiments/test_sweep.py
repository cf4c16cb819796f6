"""The run cache of distillkit.experiments.sweep: damaged files are recomputed with a warning
(from tests/test_hardening.py, issue 12)."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from distillkit.datasets import from_frame


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df.x1 - 2 * df.x2
    return df


# ---------------------------------------------------------------- the run cache
class FakeTeacher:
    def predict(self, X):
        return np.zeros(len(X))


def _grid(monkeypatch, tmp_path, calls):
    from distillkit.experiments import sweep

    def train(dataset, seed, noise, lams, config):
        calls["train"] += 1
        return [FakeTeacher() for _ in lams]

    def cell(dataset, lam, seed, noise, *rest):
        calls["cell"] += 1
        return {"dataset": dataset.name, "lam": lam, "seed": seed, "noise": noise,
                "teacher_r2": 0.5, "student_r2": 0.25}

    monkeypatch.setattr(sweep, "_train_group", train)
    monkeypatch.setattr(sweep, "_run_cell", cell)
    ds = from_frame(_frame(), target="y", name="own")
    return sweep.run_grid([ds], lams=[0.0], seeds=[0], profile="smoke", cache_dir=tmp_path,
                          progress=False, n_jobs=1)


@pytest.mark.parametrize("content", ['{"teacher_r2": 0.5, "stud', "", "{}", "[1, 2]", "\x00\xff"])
def test_corrupt_record_is_recomputed_with_a_warning(monkeypatch, tmp_path, content):
    calls = {"train": 0, "cell": 0}
    _grid(monkeypatch, tmp_path, calls)
    (record,) = (tmp_path / "runs").glob("*.json")
    record.write_text(content)
    with pytest.warns(UserWarning, match=record.name):
        frame = _grid(monkeypatch, tmp_path, calls)
    assert calls["cell"] == 2 and frame.student_r2.tolist() == [0.25]
    assert json.loads(record.read_text())["student_r2"] == 0.25  # and repaired on disk


def test_truncated_teacher_is_retrained_with_a_warning(monkeypatch, tmp_path):
    calls = {"train": 0, "cell": 0}
    _grid(monkeypatch, tmp_path, calls)
    (record,) = (tmp_path / "runs").glob("*.json")
    record.unlink()
    (teacher,) = (tmp_path / "teachers").glob("*.joblib")
    teacher.write_bytes(teacher.read_bytes()[:20])
    with pytest.warns(UserWarning, match=teacher.name):
        frame = _grid(monkeypatch, tmp_path, calls)
    assert calls["train"] == 2 and len(frame) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rewritten files load cleanly
        _grid(monkeypatch, tmp_path, calls)
    assert calls == {"train": 2, "cell": 2}


