"""Your own tables (distillkit.datasets._tables): reading, encoding, messy data (issue 19 item 5),
decimal commas and warnings (issue 22), generated tables. Partly from tests/test_hardening.py."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillkit.datasets import (DataError, Dataset, TableWarning, from_csv, from_frame, prepare_table,
                                 split_dataset)


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df.x1 - 2 * df.x2
    return df


# ---------------------------------------------------------------- files
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
    df["num_text"] = df.num_text.where(df.index % 7 > 0, "oops")  # a broken number column
    with pytest.raises(DataError, match=r"num_text.*'oops'"):
        from_frame(df, target="y")
    df["num_text"] = df.num_text.replace("oops", "?")  # "?" in a number column is a missing value
    with pytest.warns(TableWarning, match=r"dropped 9 of 60 rows with missing values \(num_text: 9\)"):
        assert len(from_frame(df, target="y").y) == 51
    df = _frame().assign(cat=list("abc") * 20)
    assert {"cat_a", "cat_b", "cat_c"} <= set(from_frame(df, target="y").feature_names)


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


# ---------------------------------------------------------------- messy tables (issue 19 item 5, issue 22)
def _notes(fn, *a, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*a, **kw)
    return out, [str(w.message) for w in caught if issubclass(w.category, TableWarning)]


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_decimal_commas_are_refused_with_the_hint_and_read_with_decimal(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=120), rng.normal(size=120)
    y = rng.integers(0, 50, size=120)  # an integer target: the row that used to fit "successfully"
    text = "a;b;y\n" + "".join(f"{u:.3f};{v:.2f};{t}\n".replace(".", ",") for u, v, t in zip(a, b, y))
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=r"Column 'a' holds numbers written with a decimal comma .*decimal=','"):
        from_csv(path, target="y")
    ds = from_csv(path, target="y", decimal=",")
    assert ds.feature_names == ["a", "b"]  # two numeric columns, not 119 one-hot ones
    np.testing.assert_allclose(ds.X.a, np.round(a, 3))
    with pytest.raises(DataError, match="decimal"):
        from_csv(path, target="y", sep=",", decimal=",")
    target_commas = "a;y\n" + "".join(f"{i};{v:.2f}\n".replace(".", ",") for i, v in enumerate(a))
    with pytest.raises(DataError, match=r"Column 'y' .*decimal comma"):
        from_csv(_write(tmp_path, target_commas, "t2.csv"), target="y")


def test_levels_are_text_only_empty_fields_are_missing(tmp_path):
    rows = ["x,level,y"] + [f"{i % 7},{['None', 'NA', 'a'][i % 3]},{i % 5}" for i in range(30)]
    path = _write(tmp_path, "\n".join(rows) + "\n")
    prep, _ = _notes(prepare_table, path, "y")
    assert prep.encodings["level"]["levels"] == ["NA", "None", "a"]  # spelled None/NA: a level
    assert prep.dropped_rows == 0 and len(prep.y) == 30
    prep, notes = _notes(prepare_table, path, "y", na_values=["None"])
    assert prep.dropped_rows == 10 and prep.encodings["level"]["levels"] == ["NA", "a"]
    rows[3] = "3,,3"  # an empty field is missing
    prep, notes = _notes(prepare_table, _write(tmp_path, "\n".join(rows) + "\n", "e.csv"), "y")
    assert prep.dropped_rows == 1 and any("dropped 1 of 30 rows" in n for n in notes)


def test_impute_drop_median_or_refuse():
    df = _frame(n=40).assign(kind=list("ab") * 20)
    df.loc[[1, 2], "x1"] = np.nan
    df.loc[5, "kind"] = None
    df.loc[7, "y"] = np.nan  # a missing target: always dropped
    prep, notes = _notes(prepare_table, df, "y")
    assert (prep.impute, prep.dropped_rows, prep.dropped_target_rows, len(prep.y)) == ("drop", 3, 1, 36)
    assert notes[0] == "dropped 1 rows whose target 'y' is missing"
    prep, notes = _notes(prepare_table, df, "y", impute="median")
    assert prep.imputed == {"x1": 2, "kind": 1} and len(prep.y) == 39
    assert prep.fill_values["x1"] == pytest.approx(df.x1.drop(7).median()) and prep.fill_values["kind"] == "a"
    assert prep.summary()["imputed"] == {"x1": 2, "kind": 1}
    with pytest.raises(DataError, match=r"Missing values .*x1, kind.*impute"):
        prepare_table(df, "y", impute=None)
    with pytest.raises(DataError, match="impute must be one of"):
        prepare_table(df, "y", impute="mean")
    few = _frame(n=12)
    few.loc[:5, "x1"] = np.nan
    with pytest.raises(DataError, match=r"Only 6 rows are left .*impute='median'"):
        _notes(prepare_table, few, "y")


def test_row_identifiers_and_free_text_are_dropped_with_a_named_warning():
    df = _frame(n=40)
    df["name"] = [f"row {i}" for i in range(40)]             # one level per row
    df["note"] = [f"n{i % 25}" for i in range(40)]           # 25 levels in 40 rows: > 50 %
    df["kind"] = list("abcd") * 10                            # a real category
    prep, notes = _notes(prepare_table, df, "y")
    assert set(prep.dropped_columns) == {"name", "note"}
    assert "row identifier" in prep.dropped_columns["name"] and "free text" in prep.dropped_columns["note"]
    assert any(n.startswith("column 'name' dropped: 40 distinct text values in 40 rows") for n in notes)
    assert [c for c in prep.dataset.feature_names if c.startswith("kind_")] == ["kind_a", "kind_b", "kind_c", "kind_d"]
    assert "name" not in prep.frame and "kind" in prep.frame


def test_binary_target_dates_and_row_numbers_get_a_warning():
    df = _frame(n=40)
    df["y"] = (df.x1 > 0).astype(int)
    df["day"] = ["2024-01-0%d" % (1 + i % 3) for i in range(40)]  # 3 dates: kept as levels
    df["id"] = np.arange(1, 41)
    _, notes = _notes(prepare_table, df, "y")
    text = " | ".join(notes)
    assert "the target 'y' takes only two values (0 and 1)" in text
    assert "column 'day' looks like dates" in text
    assert "column 'id' looks like a row number" in text
    _, quiet = _notes(prepare_table, _frame(n=40), "y")
    assert quiet == []  # a clean table reads without a word


def test_prepared_frame_and_encodings_match_the_dataset():
    df = _frame(n=30).assign(kind=list("xyz") * 10, flag=[True, False] * 15)
    prep = prepare_table(df, "y")
    built = [c for e in prep.encodings.values() for c in e["columns"]]
    assert built == prep.dataset.feature_names
    assert list(prep.frame.columns) == ["x1", "x2", "kind", "flag"] and len(prep.frame) == len(prep.y)
    for level in ("x", "y", "z"):
        np.testing.assert_array_equal(prep.dataset.X[f"kind_{level}"], (prep.frame.kind == level).astype(float))


# ---------------------------------------------------------------- CSV dialects (issue 22, property)
_header_names = st.one_of(
    st.sampled_from(["lambda", "class", "None", "True", "area_m²", "x₁", "ﬁle", "file", "a b", "1x", "é", "y"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6))


@st.composite
def dialect_tables(draw):
    n = draw(st.integers(min_value=8, max_value=40))
    names = draw(st.lists(_header_names, min_size=1, max_size=4, unique=True))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    decimal = draw(st.sampled_from([".", ","])) if sep != "," else "."
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    cols = {}
    for name in names:
        kind = draw(st.sampled_from(["num", "int", "cat", "missing", "id"]))
        if kind == "num":
            cols[name] = [f"{v:.3f}".replace(".", decimal) for v in rng.normal(size=n)]
        elif kind == "int":
            cols[name] = [str(v) for v in rng.integers(0, 5, size=n)]
        elif kind == "cat":
            cols[name] = list(rng.choice(["a", "None", "NA", "b"], size=n))
        elif kind == "missing":
            cols[name] = [("" if rng.random() < 0.2 else f"{v:.2f}".replace(".", decimal)) for v in rng.normal(size=n)]
        else:
            cols[name] = [f"id{i}" for i in range(n)]
    target_vals = [f"{v:.3f}".replace(".", decimal) for v in rng.normal(size=n)]
    target = draw(st.sampled_from(["y", "target"]))
    header = [*cols, target]
    lines = [sep.join(h.replace(sep, "_").replace("\n", "_").replace('"', "_") for h in header)]
    lines += [sep.join([cols[c][i] for c in cols] + [target_vals[i]]) for i in range(n)]
    return "\n".join(lines) + "\n", sep, decimal, target


PROPERTY_CSV = settings(max_examples=40, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@PROPERTY_CSV
@given(dialect_tables(), st.booleans())
def test_csv_dialects_read_or_fail_fast_in_one_line(tmp_path, table, give_sep):
    import time

    text, sep, decimal, target = table
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            prep = prepare_table(path, target, sep=sep if give_sep else None,
                                 decimal="," if decimal == "," else None)
        except DataError as exc:
            assert time.perf_counter() - t0 < 2.0
            _clear(exc)
            return
    _usable(prep.dataset)
    assert time.perf_counter() - t0 < 2.0

