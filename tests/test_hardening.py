"""Every input path, one test per bad-input class of issue 12, plus generated tables."""
import json
import math
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillkit.book import build as book
from distillkit.datasets import DataError, Dataset, from_csv, from_frame, split_dataset
from distillkit.experiments.settings import (SCHEMA, SettingError, check_setting, coerce_setting, parse_overrides)

ROOT = Path(__file__).resolve().parents[1]


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df.x1 - 2 * df.x2
    return df


# ---------------------------------------------------------------- --set values
@pytest.mark.parametrize("text", ["False", "false", "no", "0", "off"])
def test_set_false_words_are_false(text):
    assert coerce_setting("baselines", text) is False
    assert coerce_setting("scale_target", text) is False


@pytest.mark.parametrize("text", ["True", "yes", "1", "on"])
def test_set_true_words_are_true(text):
    assert coerce_setting("baselines", text) is True


@pytest.mark.parametrize("pair", ["baselines=maybe", "epochs=abc", "epochs=0", "epochs=2.5",
                                  "device=foo", "test_size=1", "learning_rate=nan",
                                  "hidden_layer_sizes=abc", "function_set=", "noequals"])
def test_bad_set_value_names_the_setting(pair):
    with pytest.raises(SettingError) as err:
        parse_overrides([pair])
    key = pair.split("=")[0]
    assert key in str(err.value) and "\n" not in str(err.value)


def test_set_values_are_typed():
    got = parse_overrides(["epochs=1e2", "hidden_layer_sizes=100,50", "function_set=add,mul",
                           "device=cuda:1", "learning_rate=0.01"])
    assert got == {"epochs": 100, "hidden_layer_sizes": (100, 50), "function_set": ("add", "mul"),
                   "device": "cuda:1", "learning_rate": 0.01}


def test_scale_target_is_a_bool_or_a_number_above_zero():
    # chapter 08's second target arm is scale_target=2.0 (centred y with sd 2)
    assert check_setting("scale_target", 2.0) == 2.0 and check_setting("scale_target", True) is True
    assert coerce_setting("scale_target", "2") == 2.0 and coerce_setting("scale_target", "0.5") == 0.5
    assert coerce_setting("scale_target", "yes") is True and coerce_setting("scale_target", "1") is True
    assert check_setting("scale_target", 2.0, default=True) == 2.0  # a bool default does not narrow it
    assert coerce_setting("scale_target", "0") is False  # 0 is false, as for every bool setting
    for bad in ("-2", "nan", "inf", "big"):
        with pytest.raises(SettingError, match="scale_target expects true, false or a number > 0"):
            coerce_setting("scale_target", bad)


def test_key_without_schema_follows_its_default_or_old_json_reading():
    # a BASE_CONFIG key someone adds without a schema entry is typed after its default ...
    assert check_setting("new_flag", "no", default=True) is False
    assert check_setting("new_count", "7", default=3) == 7
    with pytest.raises(SettingError):
        check_setting("new_count", "many", default=3)
    # ... and a schema key whose default changed type follows the default
    assert check_setting("scale_target", "log", default="standard") == "log"
    # with no default at all, the old reading: JSON, else text
    assert coerce_setting("whatever", '{"a": 1}') == {"a": 1}
    assert coerce_setting("whatever", "text") == "text"


def test_schema_matches_base_config():
    from distillkit.experiments.pipeline import BASE_CONFIG, PROFILES, resolve_config
    from distillkit.experiments.settings import PROFILE_NAMES, SR_READING_NAMES
    from distillkit.students import SR_READINGS

    assert set(SCHEMA) <= set(BASE_CONFIG), set(SCHEMA) - set(BASE_CONFIG)
    for key, default in BASE_CONFIG.items():  # every default passes its own check
        assert check_setting(key, default, default=default) == (
            tuple(default) if isinstance(default, list) else default), key
    assert set(PROFILE_NAMES) == set(PROFILES)
    assert set(SR_READING_NAMES) == set(SR_READINGS)
    cfg = resolve_config("smoke", baselines="False", epochs="5", hidden_layer_sizes="8,4")
    assert cfg["baselines"] is False and cfg["epochs"] == 5 and cfg["hidden_layer_sizes"] == (8, 4)
    with pytest.raises(ValueError, match="device"):
        resolve_config("smoke", device="foo")


def test_unavailable_gpu_fails_at_configuration():
    import torch

    from distillkit.experiments.pipeline import resolve_config
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="not available"):
        resolve_config("smoke", device="cuda")


# ---------------------------------------------------------------- command line
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


# ---------------------------------------------------------------- data the arithmetic cannot take
def test_values_near_float_limit_keep_their_column(tmp_path):
    df = _frame()
    df["x1"] = df.x1 * 1e307
    sp = split_dataset(from_frame(df, target="y"), seed=0)
    assert np.isfinite(sp.X_train).all() and np.isfinite(sp.x_scale).all()
    assert sp.X_train[:, 0].std() == pytest.approx(1.0, rel=1e-3)  # not silently zeros
    spread = (df.x1.to_numpy() / 1e307).std() * 1e307  # of all rows; the scale uses train rows
    assert sp.x_scale[0] == pytest.approx(spread, rel=0.2)


def test_huge_target_is_standardised():
    df = _frame()
    df["y"] = df.y * 1e306
    sp = split_dataset(from_frame(df, target="y"), seed=0)
    assert np.isfinite(sp.y_train).all() and math.isfinite(sp.y_scale) and sp.y_scale > 1e300
    with pytest.raises(DataError, match="float32"):  # raw units do not fit float32
        split_dataset(from_frame(df, target="y"), seed=0, scale_target=False)


def test_plain_data_standardises_exactly_as_before():
    df = _frame()
    ds = from_frame(df, target="y")
    sp = split_dataset(ds, seed=3)
    X = ds.X.to_numpy()
    from sklearn.model_selection import train_test_split
    X_tr, _ = train_test_split(X, test_size=0.2, random_state=3)
    expected = ((X_tr - X_tr.mean(axis=0)) / X_tr.std(axis=0)).astype(np.float32)
    assert np.array_equal(sp.X_train, expected)


def test_constant_target_is_an_error(tmp_path):
    with pytest.raises(DataError, match="constant"):
        from_frame(_frame().assign(y=3.0), target="y")
    df = _frame(n=40)
    df["y"] = 0.0
    df.loc[0, "y"] = 1.0  # one non-constant row: constant in one of the parts
    ds = from_frame(df, target="y")
    hits = 0
    for seed in range(6):
        try:
            split_dataset(ds, seed=seed)
        except DataError as exc:
            assert "constant" in str(exc)
            hits += 1
    assert hits == 6  # the one odd row lands either in train or test: the other part is constant


def test_empty_and_headerless_files(tmp_path):
    (tmp_path / "e.csv").write_text("")
    (tmp_path / "h.csv").write_text("x1,x2,y\n")
    (tmp_path / "bom_only.csv").write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(DataError, match="empty"):
        from_csv(tmp_path / "e.csv", target="y")
    with pytest.raises(DataError, match="empty"):
        from_csv(tmp_path / "bom_only.csv", target="y")
    with pytest.raises(DataError, match="rows"):
        from_csv(tmp_path / "h.csv", target="y")


@pytest.mark.parametrize("sep", [None, ","])
def test_bom_does_not_hide_the_first_column(tmp_path, sep):
    path = tmp_path / "bom.csv"
    path.write_text(_frame().to_csv(index=False), encoding="utf-8-sig")
    ds = from_csv(path, target="x1", sep=sep)
    assert ds.y.name == "x1" and ds.feature_names == ["x2", "y"]


def test_duplicated_header_is_an_error_not_a_rename(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,a,y\n" + "".join(f"{i},{i * 2},{i % 4},{i}\n" for i in range(20)))
    with pytest.raises(DataError, match="duplicated.*'a'"):
        from_csv(path, target="y")


def test_text_numbers_and_many_level_columns():
    df = _frame()
    df["num_text"] = df.x1.map(lambda v: f"{v:.3f}")  # numbers stored as text: numeric
    ds = from_frame(df, target="y")
    assert "num_text" in ds.feature_names
    df["num_text"] = df.num_text.where(df.index % 7 > 0, "?")  # a broken number column
    with pytest.raises(DataError, match=r"num_text.*'\?'"):
        from_frame(df, target="y")
    df = _frame().assign(cat=list("abc") * 20)
    assert {"cat_a", "cat_b", "cat_c"} <= set(from_frame(df, target="y").feature_names)


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


# ---------------------------------------------------------------- notebooks run by hand
def test_hand_run_verdicts_do_not_touch_the_book_results(monkeypatch, tmp_path):
    monkeypatch.delenv("DISTILLKIT_RESULTS", raising=False)
    monkeypatch.setattr(book, "HAND_RESULTS", tmp_path / "hand")
    monkeypatch.setattr(book, "_warned_hand", False)
    with pytest.warns(UserWarning, match="DISTILLKIT_RESULTS is not set"):
        path = book.write_verdict("claim", "reproduced", "e", chapter="03_lambda_sweep")
    assert path.parent == tmp_path / "hand" / "verdicts"
    assert book.HAND_RESULTS != book.REPO_ROOT / book.DEFAULT_OUT / "results"
    monkeypatch.setenv("DISTILLKIT_RESULTS", str(tmp_path / "built"))
    assert book.results_root() == tmp_path / "built"


def test_check_parameters_names_the_typo():
    declared = 'profile = "paper"\nseeds = None\nresults_dir = None\n'
    ns = {"In": ["", declared, '# Parameters\nprofile = "smoke"\nseedz = 3\n', "check(...)"]}
    with pytest.raises(book.ParameterError) as err:
        book.check_parameters(ns)
    msg = str(err.value)
    assert "seedz (did you mean seeds?)" in msg and "profile, results_dir, seeds" in msg
    ns["In"][2] = '# Parameters\nprofile = "smoke"\nseeds = 3\n'
    book.check_parameters(ns)  # known names pass
    book.check_parameters({"In": ["", declared, "x = 1"]})  # no papermill: nothing to check
    book.check_parameters({})  # plain Python: nothing to check


def test_every_chapter_checks_its_parameters():
    """The cell after ``parameters`` checks them: ``Chapter(name, globals())`` does
    (distillkit.book.chapter), as ``check_parameters(globals())`` did before it."""
    import re

    checked = re.compile(r'Chapter\("(\d\d_\w+)", globals\(\)\)')
    for nb in sorted((ROOT / "notebooks").glob("[01]*.py")):
        cells = nb.read_text().split("# %%")
        i = next(k for k, c in enumerate(cells) if c.startswith(' tags=["parameters"]'))
        m = checked.search(cells[i + 1])
        assert m and m.group(1) == nb.stem, f"{nb.name}: the cell after 'parameters' must create Chapter({nb.stem!r}, globals())"


def test_papermill_typo_fails_the_notebook(tmp_path):
    pm = pytest.importorskip("papermill")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell("profile = 'paper'\nseeds = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from distillkit.book.build import check_parameters\ncheck_parameters(globals())"),
        nbformat.v4.new_code_cell("raise SystemExit('the long default run started')")]
    nbformat.write(nb, tmp_path / "in.ipynb")
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"seedz": 3}, kernel_name="python3", progress_bar=False,
                            cwd=str(ROOT))
    assert err.value.ename == "ParameterError" and "seedz" in err.value.evalue


# ---------------------------------------------------------------- generated tables
_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-1.7e308, max_value=1.7e308),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from(["a", "b", "c"]),
    st.booleans(),
    st.none(),
)
_names = st.sampled_from(["x", "y", "\ufeffy", " y", "a b", "1", "x.1", "é", ""])


@st.composite
def tables(draw):
    n = draw(st.integers(min_value=0, max_value=30))
    n_cols = draw(st.integers(min_value=0, max_value=4))
    cols = {}
    names = [draw(_names) for _ in range(n_cols)]
    for j, name in enumerate(names):
        kind = draw(st.sampled_from(["float", "int", "const", "huge", "cat", "mixed", "bool",
                                     "datetime", "complex", "categorical"]))
        if kind == "float":
            v = draw(st.lists(st.floats(width=64), min_size=n, max_size=n))
        elif kind == "int":
            v = draw(st.lists(st.integers(-10**6, 10**6), min_size=n, max_size=n))
        elif kind == "const":
            v = [draw(st.floats(allow_nan=False, allow_infinity=False))] * n
        elif kind == "huge":
            v = draw(st.lists(st.floats(min_value=1e300, max_value=1.7e308), min_size=n, max_size=n))
        elif kind == "cat":
            v = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
        elif kind == "mixed":
            v = draw(st.lists(_cells, min_size=n, max_size=n))
        elif kind == "bool":
            v = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        elif kind == "datetime":
            v = pd.date_range("2020-01-01", periods=n)
        elif kind == "complex":
            v = [complex(i, 1) for i in range(n)]
        else:
            v = pd.Categorical(draw(st.lists(st.sampled_from(["u", "v"]), min_size=n, max_size=n)))
        cols[j] = v
    df = pd.DataFrame(cols)
    if n_cols:
        df.columns = names
    target = draw(st.sampled_from(names + ["y"]))
    return df, target


def _usable(ds: Dataset):
    X, y = ds.X.to_numpy(), ds.y.to_numpy()
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.isfinite(X).all() and np.isfinite(y).all()
    assert len(X) == len(y) >= 10 and X.shape[1] >= 1 and np.ptp(y) > 0
    try:
        sp = split_dataset(ds, seed=0)
    except DataError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for a in (sp.X_train, sp.y_train, sp.X_test, sp.y_test, sp.x_mean, sp.x_scale):
        assert np.isfinite(a).all()
    assert (sp.x_scale > 0).all() and sp.y_scale > 0


def _clear(exc: DataError):
    text = str(exc)
    assert text and len(text.splitlines()) == 1 and "Traceback" not in text


PROPERTY = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@PROPERTY
@given(tables())
def test_from_frame_returns_usable_data_or_a_clear_error(table):
    df, target = table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            ds = from_frame(df, target=target)
        except DataError as exc:
            _clear(exc)
            return
        _usable(ds)


@PROPERTY
@given(tables(), st.booleans(), st.sampled_from([None, ",", ";"]))
def test_from_csv_returns_usable_data_or_a_clear_error(tmp_path, table, bom, sep):
    df, target = table
    path = tmp_path / "t.csv"
    text = df.to_csv(index=False, sep=sep or ",")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            ds = from_csv(path, target=target, sep=sep)
        except DataError as exc:
            _clear(exc)
            return
        _usable(ds)
