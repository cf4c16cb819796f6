import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from .conftest import needs_data


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "distillkit", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_bad_input_is_one_line_no_traceback():
    for args in (["run", "--dataset", "nope", "--profile", "smoke"],
                 ["run", "--dataset", "diabetes", "--lam", "-1"],
                 ["run", "--dataset", "diabetes", "--set", "bogus=1"],
                 ["run", "--csv", "/no/such.csv", "--target", "y"]):
        out = cli(*args)
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr
        assert out.stderr.strip().startswith("distillkit: error:")
        assert len(out.stderr.strip().splitlines()) == 1


@needs_data
def test_data_list_and_verify():
    out = cli("data", "list")
    assert out.returncode == 0 and "california" in out.stdout and "wine_red" in out.stdout
    out = cli("data", "verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count(" ok") >= 4


def test_run_on_own_csv_json(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x1": rng.normal(size=120), "x2": rng.normal(size=120)})
    df["y"] = df.x1 - 2 * df.x2
    path = tmp_path / "own.csv"
    df.to_csv(path, sep=";", index=False)
    out = cli("run", "--csv", str(path), "--target", "y", "--lam", "0.01", "--profile", "smoke",
              "--set", "epochs=2", "--json")
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout)
    assert rec["dataset"] == "own" and rec["lam"] == 0.01 and rec["n_features"] == 2


@needs_data
def test_sweep_writes_file(tmp_path):
    out = cli("sweep", "--datasets", "diabetes", "--lams", "0,0.1", "--seeds", "0",
              "--profile", "smoke", "--set", "epochs=2", "--cache-dir", str(tmp_path / "c"),
              "--out", str(tmp_path / "r.csv"))
    assert out.returncode == 0, out.stderr
    frame = pd.read_csv(tmp_path / "r.csv")
    assert list(frame.lam) == [0.0, 0.1]


def test_student_and_penalty_names_match_the_package():
    from distillkit.cli import PENALTY_NAMES, STUDENT_NAMES
    from distillkit.experiments.settings import SCHEMA
    from distillkit.students import STUDENTS
    assert STUDENT_NAMES == STUDENTS
    assert all(SCHEMA["penalty"].pattern.match(p) for p in PENALTY_NAMES)
    for args in (["run", "--dataset", "diabetes", "--student", "pysr"],
                 ["run", "--dataset", "diabetes", "--penalty", "l1"],
                 ["sweep", "--datasets", "diabetes", "--students", "gplearn,pysr", "--out", "x.csv"]):
        out = cli(*args)
        assert out.returncode == 2 and "Traceback" not in out.stderr, args


def test_run_operon_student_with_lipschitz_penalty(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x1": rng.normal(size=150), "x2": rng.normal(size=150)})
    df["y"] = df.x1 * df.x2
    path = tmp_path / "own.csv"
    df.to_csv(path, index=False)
    out = cli("run", "--csv", str(path), "--target", "y", "--lam", "0.01", "--profile", "smoke",
              "--student", "operon", "--penalty", "lipschitz", "--set", "epochs=2", "--json")
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout)
    assert rec["student"] == "operon" and rec["penalty"] == "lipschitz" and rec["distilled"]
    out = cli("run", "--csv", str(path), "--target", "y", "--profile", "smoke", "--student", "operon",
              "--direct", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["distilled"] is False
