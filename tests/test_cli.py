import json
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .conftest import needs_data

ROOT = Path(__file__).resolve().parents[1]


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df.x1 - 2 * df.x2
    return df


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


# ---------------------------------------------------------------- bad arguments (from tests/test_hardening.py)
BAD_ARGV = [
    ["run", "--dataset", "diabetes", "--lam", "abc"],
    ["run", "--dataset", "diabetes", "--lam", "nan"],
    ["run", "--dataset", "diabetes", "--seed", "-1"],
    ["run", "--dataset", "diabetes", "--profile", "fast"],
    ["run", "--dataset", "diabetes", "--set", "baselines=maybe"],
    ["run", "--dataset", "diabetes", "--set", "device=foo"],
    ["run", "--dataset", "diabetes", "--set", "epochs=abc"],
    ["run", "--dataset", "diabetes", "--target", "y"],
    ["run", "--csv", "{tmp}/empty.csv", "--target", "y"],
    ["run", "--csv", "{tmp}/blank_lines.csv", "--target", "y"],
    ["run", "--csv", "{tmp}/const.csv", "--target", "y"],
    ["run", "--csv", "{tmp}/dupe.csv", "--target", "y"],
    ["run", "--csv", "{tmp}/ok.csv"],
    ["run", "--csv", "{tmp}/ok.csv", "--target", "nope"],
    ["sweep", "--datasets", "diabetes", "--out", "{tmp}/r.xlsx"],
    ["sweep", "--datasets", "diabetes", "--out", "/proc/distillkit/r.csv"],
    ["sweep", "--datasets", "diabetes", "--out", "{tmp}"],
    ["sweep", "--datasets", "diabetes", "--sr-readings", "literal,bogus", "--out", "{tmp}/r.csv"],
    ["sweep", "--datasets", "diabetes", "--lams", "0,x", "--out", "{tmp}/r.csv"],
    ["sweep", "--datasets", "diabetes", "--n-jobs", "0", "--out", "{tmp}/r.csv"],
]

_PROBE = textwrap.dedent("""
    import io, json, sys, contextlib
    from distillkit.cli import main
    out = []
    for argv in json.loads(sys.argv[1]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = main(argv)
        out.append([rc, err.getvalue()])
    out.append(sorted(m for m in ("torch", "distillkit.experiments.pipeline", "distillkit.experiments.sweep")
                      if m in sys.modules))
    print(json.dumps(out))
""")


def test_bad_arguments_fail_in_one_line_before_torch(tmp_path):
    df = _frame()
    df.to_csv(tmp_path / "ok.csv", index=False)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "blank_lines.csv").write_text("\n\n  \n")
    df.assign(y=3.0).to_csv(tmp_path / "const.csv", index=False)
    (tmp_path / "dupe.csv").write_text("x,x,y\n" + "".join(f"{i},{i},{i % 3}\n" for i in range(20)))
    argvs = [[a.replace("{tmp}", str(tmp_path)) for a in argv] for argv in BAD_ARGV]
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argvs)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    *results, heavy = json.loads(proc.stdout)
    for argv, (rc, err) in zip(argvs, results):
        assert rc == 2, (argv, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("distillkit: error:"), (argv, err)
        assert "Traceback" not in err
    assert heavy == [], f"imported before the arguments were checked: {heavy}"
    assert not (tmp_path / "r.csv").exists()  # the --out probe leaves nothing behind


def test_lam_typo_answers_fast():
    # the issue measured 9-12 s when torch was imported first; allow for a loaded machine
    import time
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "distillkit", "run", "--dataset", "diabetes",
                           "--lam", "abc"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 2 and "--lam" in proc.stderr
    assert elapsed < 3.0, elapsed


# ---------------------------------------------------------------- issue 22: before the work, never after it
def _issue22_files(tmp_path):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=120), rng.normal(size=120)
    pd.DataFrame({"x1": x1, "x2": x2, "y": x1 - 2 * x2}).to_csv(tmp_path / "ok.csv", index=False)
    (tmp_path / "comma.csv").write_text("a;b;y\n" + "".join(
        f"{u:.3f};{v:.2f};{i % 7}\n".replace(".", ",") for i, (u, v) in enumerate(zip(x1, x2))))
    pd.DataFrame({"lambda": x1, "class": x2, "None": x1 * x2, "True": x2, "area_m²": x1, "x₁": x2,
                  "ﬁle": x1, "file": x2, "y": x1 + x2}).to_csv(tmp_path / "names.csv", index=False)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.html").write_text("an earlier report")


#: the issue's table, row by row: argv, a phrase the one line must hold
ISSUE22 = [
    (["distill", "{tmp}/comma.csv", "--target", "y"], "decimal comma"),
    (["distill", "{tmp}/names.csv", "--target", "y"], "both become the formula symbol 'file'"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--set", "epochs=100000000"], "epochs expects"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--set", "epochs=1000000000"], "epochs expects"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--set", "learning_rate=1e6"], "learning_rate expects"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--lams", "0,1e300"], "1e+300"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--out", "{tmp}/old"], "already holds a report"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--out", "/proc/distillkit-out"], "cannot write --out"),
    (["run", "--csv", "{tmp}/ok.csv", "--target", "y", "--seed", "4294967290"], "--seed must be in"),
    (["distill", "{tmp}/ok.csv", "--target", "y", "--seed", "4294967295"], "--seed must be in"),
    (["sweep", "--datasets", "diabetes", "--backend", "nosuch", "--out", "{tmp}/r.csv"], "nosuch"),
    (["sweep", "--datasets", "diabetes", "--seeds", "4294967295", "--out", "{tmp}/r.csv"], "--seeds"),
]

_TIMED_PROBE = textwrap.dedent("""
    import io, json, sys, time, contextlib
    from distillkit.cli import main
    import distillkit.datasets, distillkit.owndata  # pandas and scikit-learn, loaded once (not timed)
    out = []
    for argv in json.loads(sys.argv[1]):
        err = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stderr(err):
            rc = main(argv)
        out.append([rc, err.getvalue(), time.perf_counter() - t0])
    out.append(sorted(m for m in ("torch", "distillkit.experiments.pipeline") if m in sys.modules))
    print(json.dumps(out))
""")


def test_issue22_table_fails_in_one_line_before_torch(tmp_path):
    _issue22_files(tmp_path)
    argvs = [[a.replace("{tmp}", str(tmp_path)) for a in argv] for argv, _ in ISSUE22]
    proc = subprocess.run([sys.executable, "-c", _TIMED_PROBE, json.dumps(argvs)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    *results, heavy = json.loads(proc.stdout)
    for (argv, phrase), (rc, err, seconds) in zip(ISSUE22, results):
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("distillkit: error:"), (argv, err)
        assert phrase in lines[0], (argv, lines[0])
        assert seconds < 2.0, (argv, seconds)  # none pays torch's import, nor any training
    assert heavy == [], f"imported before the arguments were checked: {heavy}"
    assert (tmp_path / "old" / "report.html").read_text() == "an earlier report"
    assert not (tmp_path / "r.csv").exists()


def test_memory_estimate_refuses_before_training(tmp_path):
    _issue22_files(tmp_path)
    t0 = time.perf_counter()
    out = cli("run", "--csv", str(tmp_path / "ok.csv"), "--target", "y", "--profile", "smoke",
              "--set", "hidden_layer_sizes=100000,100000")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "needs about" in out.stderr and "GiB of memory" in out.stderr and "available" in out.stderr
    assert time.perf_counter() - t0 < 120  # the pipeline's import, no training


def test_huge_batch_and_keyword_columns_run_correctly(tmp_path):
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=120), rng.normal(size=120)
    pd.DataFrame({"lambda": x1, "area_m²": x2, "y": x1 - 2 * x2}).to_csv(tmp_path / "kw.csv", index=False)
    out = cli("run", "--csv", str(tmp_path / "kw.csv"), "--target", "y", "--profile", "smoke",
              "--set", "batch_size=1000000000", "--set", "epochs=2", "--json")
    assert out.returncode == 0, out.stderr
    assert "column names written differently in the formula: 'lambda' -> lambda_, 'area_m²' -> area_m2" \
        in out.stderr
    rec = json.loads(out.stdout)
    assert rec["n_features"] == 2 and "lambda" not in rec["formula_sympy"].replace("lambda_", "")


def test_help_description_is_whole_and_interrupt_message_fits_the_command(monkeypatch, capsys):
    from distillkit import cli as cli_mod
    out = cli("--help")
    text = " ".join(out.stdout.split())
    assert out.returncode == 0 and "and your own table into a formula (distill)." in text
    def interrupted(argv):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli_mod, "_main", interrupted)
    assert cli_mod.main(["sweep"]) == 130
    assert capsys.readouterr().err.strip() == "distillkit: interrupted (finished runs are cached)"
    for command in ("run", "distill"):
        assert cli_mod.main([command]) == 130
        assert capsys.readouterr().err.strip() == "distillkit: interrupted"


def test_distill_report_is_whole_or_absent_and_force_replaces(tmp_path, monkeypatch, capsys):
    import sympy

    from distillkit import cli as cli_mod
    from distillkit.owndata import distill as distill_mod
    _issue22_files(tmp_path)
    result = type("R", (), {"formula": sympy.Symbol("x1") * 2, "complexity": 3, "chosen_lam": 0.0,
                            "scores": {"formula": 0.9}, "to_json": lambda self: "{}"})()
    monkeypatch.setattr(distill_mod, "distill", lambda *a, **k: result)

    def report(res, out, force=False, broken=False):  # as write_report: through whole_or_absent
        from distillkit.owndata import whole_or_absent
        with whole_or_absent(out, force=force) as tmp:
            (tmp / "formula.py").write_text("def predict(data): ...")
            if broken:
                raise OSError(28, "No space left on device")
            (tmp / "report.html").write_text("new")

    out = tmp_path / "rep"
    argv = ["distill", str(tmp_path / "ok.csv"), "--target", "y", "--profile", "smoke", "--out", str(out)]
    monkeypatch.setattr(distill_mod, "write_report", lambda r, o, force=False: report(r, o, force, broken=True))
    assert cli_mod.main(argv) == 2
    assert "No space left" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())  # absent, not partial
    monkeypatch.setattr(distill_mod, "write_report", report)
    assert cli_mod.main(argv) == 0 and (out / "report.html").read_text() == "new"
    assert cli_mod.main(argv) == 2 and "already holds a report" in capsys.readouterr().err
    assert cli_mod.main(argv + ["--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp folders


@needs_data
def test_sweep_checks_cache_and_backend_before_training(tmp_path):
    (tmp_path / "cache_file").write_text("")
    for extra, phrase in ((["--cache-dir", str(tmp_path / "cache_file")], "is a file"),
                          (["--cache-dir", "/proc/distillkit-cache"], "cannot write the cache")):
        t0 = time.perf_counter()
        out = cli("sweep", "--datasets", "diabetes", "--profile", "smoke", "--lams", "0", "--seeds", "0",
                  "--out", str(tmp_path / "r.csv"), *extra)
        assert out.returncode == 2 and phrase in out.stderr and len(out.stderr.strip().splitlines()) == 1
        assert time.perf_counter() - t0 < 120 and not (tmp_path / "r.csv").exists()
    cache = str(tmp_path / "c")
    out = cli("sweep", "--datasets", "diabetes", "--profile", "smoke", "--lams", "0", "--seeds", "0",
              "--set", "epochs=2", "--cache-dir", cache, "--out", str(tmp_path / "r.csv"))
    assert out.returncode == 0, out.stderr
    out = cli("sweep", "--datasets", "diabetes", "--profile", "smoke", "--lams", "0", "--seeds", "0",
              "--set", "epochs=2", "--cache-dir", cache, "--out", str(tmp_path / "r.csv"), "--backend", "nosuch")
    assert out.returncode == 2 and "unknown joblib backend 'nosuch'" in out.stderr  # all cached, still refused


def test_scores_far_below_a_constant_are_a_warning(capsys):
    from distillkit import cli as cli_mod
    with warnings.catch_warnings():
        warnings.showwarning = cli_mod._show_warning
        cli_mod._warn_scores({"teacher_r2": -5e26, "student_r2": 0.4})
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("distillkit: warning: the teacher scores R² -5e+26")
