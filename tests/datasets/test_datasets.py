"""Tests for distillkit.datasets.

Tests that need the raw files run when DISTILLKIT_DATA points at a folder
holding them (e.g. ``DISTILLKIT_DATA=../shared/datasets``) and are skipped
otherwise.  No test touches the network: pooch.retrieve is replaced by a
failing stub unless a test serves files from a local HTTP server.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import io
import os
import shutil
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from distillkit.datasets import _registry as data
from distillkit.datasets import (DATASETS, ChecksumError, DataError, DataUnavailableError, Dataset, Split, data_dir, fetch_file, from_csv, from_frame, list_datasets, load_dataset, split_dataset, verify_files)

_REAL_RETRIEVE = data.pooch.retrieve
_DATA_FILES = ["cal_housing.data", "Concrete_Data.xls", "abalone.data", "winequality-red.csv"]


def _raw_dir() -> Path | None:
    value = os.environ.get("DISTILLKIT_DATA")
    if not value:
        return None
    folder = Path(value).expanduser()
    return folder if all((folder / f).is_file() for f in _DATA_FILES) else None


RAW_DIR = _raw_dir()
needs_data = pytest.mark.skipif(
    RAW_DIR is None,
    reason="raw data files not found: set DISTILLKIT_DATA to a folder holding them "
    "(e.g. DISTILLKIT_DATA=../shared/datasets)",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Isolate the pooch cache and make any download attempt fail at once."""
    calls = []

    def no_network(url, *args, **kwargs):
        calls.append(url)
        raise ConnectionError(f"network disabled in tests ({url})")

    monkeypatch.setattr(data, "_cache_dir", lambda: tmp_path / "pooch-cache")
    monkeypatch.setattr(data.pooch, "retrieve", no_network)
    load_dataset.cache_clear()
    yield calls
    load_dataset.cache_clear()


@pytest.fixture
def empty_data_dir(monkeypatch, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.setenv("DISTILLKIT_DATA", str(folder))
    return folder


@pytest.fixture
def http_server(monkeypatch, tmp_path):
    """Serve tmp_path/'www' on 127.0.0.1 and restore the real pooch.retrieve."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(data.pooch, "retrieve", _REAL_RETRIEVE)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("DISTILLKIT_DATA", raising=False)
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def _patch_file(monkeypatch, filename, **changes):
    raw = dataclasses.replace(data.RAW_FILES[filename], **changes)
    monkeypatch.setitem(data.RAW_FILES, filename, raw)
    return raw


# --------------------------------------------------------------------------
# Registry and listing
# --------------------------------------------------------------------------
def test_datasets_names():
    assert DATASETS == ("california", "concrete", "abalone", "wine_red", "diabetes")


def test_list_datasets_needs_no_files(empty_data_dir, offline):
    full = list_datasets()
    assert list(full.columns) == ["name", "samples", "features", "file", "url", "source"]
    table = full.iloc[: len(DATASETS)]  # the generated feynman_<id> rows follow
    assert tuple(table["name"]) == DATASETS
    assert full["name"].iloc[len(DATASETS):].str.startswith("feynman_").all()
    assert dict(zip(table["name"], table["samples"])) == {
        "california": 20640, "concrete": 1030, "abalone": 4177, "wine_red": 1599, "diabetes": 442,
    }  # fmt: skip
    assert pd.isna(table.set_index("name").loc["diabetes", "file"])  # bundled, no raw file
    assert offline == []  # nothing was downloaded


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("DISTILLKIT_DATA", raising=False)
    assert data_dir() is None
    monkeypatch.setenv("DISTILLKIT_DATA", "")
    assert data_dir() is None
    monkeypatch.setenv("DISTILLKIT_DATA", str(tmp_path))
    assert data_dir() == tmp_path.resolve()


# --------------------------------------------------------------------------
# Built-in datasets
# --------------------------------------------------------------------------
EXPECTED = {
    "california": (
        (20640, 8),
        ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup",
         "Latitude", "Longitude"],
        "MedHouseVal",
    ),
    "concrete": (
        (1030, 8),
        ["Cement", "BlastFurnaceSlag", "FlyAsh", "Water", "Superplasticizer",
         "CoarseAggregate", "FineAggregate", "Age"],
        "CompressiveStrength",
    ),
    "abalone": (
        (4177, 10),
        ["Sex_F", "Sex_I", "Sex_M", "Length", "Diameter", "Height", "WholeWeight",
         "ShuckedWeight", "VisceraWeight", "ShellWeight"],
        "Rings",
    ),
    "wine_red": (
        (1599, 11),
        ["fixed_acidity", "volatile_acidity", "citric_acid", "residual_sugar", "chlorides",
         "free_sulfur_dioxide", "total_sulfur_dioxide", "density", "pH", "sulphates", "alcohol"],
        "quality",
    ),
    "diabetes": (
        (442, 10),
        ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"],
        "DiseaseProgression",
    ),
}  # fmt: skip

# (feature or target, row 0 value)
KNOWN_VALUES = {
    "california": {"MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 880 / 126,
                   "Population": 322.0, "Longitude": -122.23, "MedHouseVal": 4.526},
    "concrete": {"Cement": 540.0, "Water": 162.0, "Age": 28.0,
                 "CompressiveStrength": 79.986111},
    "abalone": {"Sex_M": 1.0, "Sex_F": 0.0, "Length": 0.455, "ShellWeight": 0.15, "Rings": 15.0},
    "wine_red": {"fixed_acidity": 7.4, "alcohol": 9.4, "quality": 5.0},
    "diabetes": {"DiseaseProgression": 151.0},
}  # fmt: skip


def _params():
    for name in DATASETS:
        marks = [] if name == "diabetes" else [needs_data]
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_load_dataset_shape_columns_values(name, offline):
    shape, columns, target = EXPECTED[name]
    ds = load_dataset(name)
    assert isinstance(ds, Dataset)
    assert ds.name == name
    assert ds.X.shape == shape
    assert (ds.n_samples, ds.n_features) == shape
    assert ds.feature_names == columns
    assert ds.y.name == target
    assert all(dt == np.float64 for dt in ds.X.dtypes) and ds.y.dtype == np.float64
    assert not ds.X.isna().any().any() and not ds.y.isna().any()
    assert ds.description and ds.source
    row0 = pd.concat([ds.X.iloc[0], pd.Series({target: ds.y.iloc[0]})])
    for key, value in KNOWN_VALUES[name].items():
        assert row0[key] == pytest.approx(value, rel=1e-6), key
    assert offline == []  # read from DISTILLKIT_DATA, never downloaded


@needs_data
def test_california_matches_sklearn_definitions():
    ds = load_dataset("california")
    raw = np.loadtxt(RAW_DIR / "cal_housing.data", delimiter=",")
    lon, lat, age, rooms, bedrooms, pop, households, income, value = raw.T
    assert ds.y.mean() == pytest.approx(2.0686, abs=1e-4)
    np.testing.assert_allclose(ds.X["AveOccup"], pop / households)
    np.testing.assert_allclose(ds.X["AveBedrms"], bedrooms / households)
    np.testing.assert_allclose(ds.X["AveRooms"], rooms / households)
    np.testing.assert_allclose(ds.X["MedInc"], income)
    np.testing.assert_allclose(ds.X["Latitude"], lat)
    np.testing.assert_allclose(ds.y, value / 100000)


@needs_data
def test_abalone_one_hot_is_exclusive():
    X = load_dataset("abalone").X
    sex = X[["Sex_F", "Sex_I", "Sex_M"]]
    assert set(np.unique(sex.to_numpy())) == {0.0, 1.0}
    assert (sex.sum(axis=1) == 1).all()


def test_load_dataset_returns_copies():
    a = load_dataset("diabetes")
    a.X.iloc[0, 0] = 1e9
    b = load_dataset("diabetes")
    assert b.X.iloc[0, 0] != 1e9


def test_unknown_dataset():
    with pytest.raises(DataError, match="Unknown dataset 'boston'.*california.*diabetes"):
        load_dataset("boston")
    assert issubclass(DataError, ValueError)


def test_dataset_repr_is_short():
    assert repr(load_dataset("diabetes")) == (
        "Dataset(name='diabetes', n_samples=442, n_features=10, target='DiseaseProgression')"
    )


# --------------------------------------------------------------------------
# Checksums and offline behaviour
# --------------------------------------------------------------------------
@needs_data
def test_bad_checksum_in_data_dir(monkeypatch, tmp_path, offline):
    folder = tmp_path / "corrupt"
    folder.mkdir()
    target = folder / "abalone.data"
    shutil.copy(RAW_DIR / "abalone.data", target)
    content = bytearray(target.read_bytes())
    content[10] ^= 0x01  # corrupt one byte
    target.write_bytes(bytes(content))
    monkeypatch.setenv("DISTILLKIT_DATA", str(folder))

    expected = data.RAW_FILES["abalone.data"].sha256
    with pytest.raises(ChecksumError) as err:
        load_dataset("abalone")
    msg = str(err.value)
    assert "abalone.data" in msg and expected in msg and _sha256(target) in msg
    assert offline == []  # no silent fall-back to downloading
    assert verify_files().set_index("file").loc["abalone.data", "status"] == "bad checksum"


def test_bad_checksum_synthetic(monkeypatch, tmp_path, offline):
    (tmp_path / "winequality-red.csv").write_text("not the wine data\n")
    monkeypatch.setenv("DISTILLKIT_DATA", str(tmp_path))
    with pytest.raises(ChecksumError, match="winequality-red.csv"):
        fetch_file("winequality-red.csv")
    assert offline == []


@pytest.mark.parametrize("dataset, filename", [
    ("abalone", "abalone.data"), ("california", "cal_housing.data"),
    ("concrete", "Concrete_Data.xls"), ("wine_red", "winequality-red.csv"),
])  # fmt: skip
def test_missing_and_offline(empty_data_dir, offline, dataset, filename):
    with pytest.raises(DataUnavailableError) as err:
        load_dataset(dataset)
    msg = str(err.value)
    assert filename in msg
    assert data.RAW_FILES[filename].url in msg
    assert "set DISTILLKIT_DATA to a folder holding it" in msg
    assert len(offline) == 1  # fell back to exactly one download attempt


def test_missing_without_data_dir(monkeypatch):
    monkeypatch.delenv("DISTILLKIT_DATA", raising=False)
    with pytest.raises(DataUnavailableError, match="DISTILLKIT_DATA is not set"):
        fetch_file("abalone.data")


def test_unknown_raw_file():
    with pytest.raises(DataError, match="Unknown raw file 'foo.csv'"):
        fetch_file("foo.csv")


def test_real_pooch_unreachable_url(monkeypatch, empty_data_dir):
    # A closed local port: the real pooch download path fails fast, offline.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/abalone.data"
    _patch_file(monkeypatch, "abalone.data", url=url)
    monkeypatch.setattr(data.pooch, "retrieve", _REAL_RETRIEVE)
    with pytest.raises(DataUnavailableError, match="abalone.data.*127.0.0.1"):
        fetch_file("abalone.data")


def test_download_via_pooch(monkeypatch, http_server, tmp_path):
    root, base = http_server
    payload = b"M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n"
    (root / "abalone.data").write_bytes(payload)
    _patch_file(
        monkeypatch, "abalone.data",
        url=f"{base}/abalone.data", sha256=hashlib.sha256(payload).hexdigest(),
    )  # fmt: skip
    path = fetch_file("abalone.data")
    assert path == tmp_path / "pooch-cache" / "abalone.data"
    assert path.read_bytes() == payload
    assert fetch_file("abalone.data") == path  # second call served from the cache
    assert verify_files().set_index("file").loc["abalone.data", "status"] == "ok"


def test_download_bad_checksum_is_not_kept(monkeypatch, http_server, tmp_path):
    root, base = http_server
    (root / "abalone.data").write_bytes(b"tampered\n")
    _patch_file(monkeypatch, "abalone.data", url=f"{base}/abalone.data", sha256="0" * 64)
    with pytest.raises(ChecksumError) as err:
        fetch_file("abalone.data")
    assert "0" * 64 in str(err.value)
    assert hashlib.sha256(b"tampered\n").hexdigest() in str(err.value)
    assert not (tmp_path / "pooch-cache" / "abalone.data").exists()


def _make_tarball(path: Path, member_bytes: bytes) -> str:
    info = tarfile.TarInfo("CaliforniaHousing/cal_housing.data")
    info.size = len(member_bytes)
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(member_bytes))
    return _sha256(path)


def test_download_tarball_extracts_member(monkeypatch, http_server, tmp_path):
    root, base = http_server
    member = b"-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0\n"
    tar_sha = _make_tarball(root / "cal.tgz", member)
    _patch_file(
        monkeypatch, "cal_housing.data", url=f"{base}/cal.tgz",
        archive_sha256=tar_sha, sha256=hashlib.sha256(member).hexdigest(),
    )  # fmt: skip
    path = fetch_file("cal_housing.data")
    assert path.name == "cal_housing.data" and path.read_bytes() == member
    assert path.is_relative_to(tmp_path / "pooch-cache")


def test_download_tarball_bad_member_checksum(monkeypatch, http_server, tmp_path):
    root, base = http_server
    tar_sha = _make_tarball(root / "cal.tgz", b"1,2,3\n")
    _patch_file(monkeypatch, "cal_housing.data", url=f"{base}/cal.tgz", archive_sha256=tar_sha)
    with pytest.raises(ChecksumError, match="cal_housing.data"):
        fetch_file("cal_housing.data")
    cache = tmp_path / "pooch-cache"
    assert not (cache / "cal_housing.tgz").exists()
    assert not (cache / "cal_housing.tgz.untar" / "CaliforniaHousing" / "cal_housing.data").exists()


@needs_data
def test_verify_files_ok():
    table = verify_files()
    assert list(table.columns) == ["file", "path", "status"]
    assert set(table["file"]) >= set(_DATA_FILES)
    assert (table["status"] == "ok").all()


def test_verify_files_missing_never_downloads(empty_data_dir, offline):
    table = verify_files()
    assert (table["status"] == "missing").all()
    assert table["path"].str.startswith(str(empty_data_dir)).all()
    assert offline == []


# --------------------------------------------------------------------------
# User data
# --------------------------------------------------------------------------
def _frame(n=20):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "color": pd.Categorical(rng.choice(["red", "blue"], size=n)),
            "b": rng.integers(0, 5, size=n),
            "flag": rng.random(n) > 0.5,
            "kind": rng.choice(["x", "y", "z"], size=n).astype(object),
            "target": rng.normal(size=n),
        }
    )


def test_from_frame_one_hot():
    df = _frame()
    ds = from_frame(df, "target", name="toy")
    assert ds.name == "toy"
    assert ds.feature_names == [
        "a", "color_blue", "color_red", "b", "flag_False", "flag_True", "kind_x", "kind_y", "kind_z",
    ]  # fmt: skip
    assert all(dt == np.float64 for dt in ds.X.dtypes)
    np.testing.assert_array_equal(ds.X["color_red"], (df["color"] == "red").astype(float))
    np.testing.assert_allclose(ds.y, df["target"])
    assert "target" not in ds.X


def test_from_frame_nan_names_column():
    df = _frame()
    df.loc[3, "b"] = np.nan
    df.loc[5, "kind"] = None
    with pytest.raises(DataError, match=r"NaN.*\bb, kind\b.*impute"):
        from_frame(df, "target", impute=None)  # None refuses, naming the columns


def test_from_frame_bad_target():
    df = _frame()
    with pytest.raises(DataError, match="'nope' not found.*a, color, b"):
        from_frame(df, "nope")
    with pytest.raises(DataError, match="'kind' must be numeric"):
        from_frame(df, "kind")


def test_from_frame_too_few_rows_and_bad_input():
    with pytest.raises(DataError, match="at least 10 rows"):
        from_frame(_frame(5), "target")
    with pytest.raises(DataError, match="DataFrame"):
        from_frame(np.zeros((20, 3)), "target")


def test_from_csv_sniffs_semicolon(tmp_path):
    df = _frame()[["a", "b", "kind", "target"]]
    path = tmp_path / "toy.csv"
    df.to_csv(path, sep=";", index=False)
    ds = from_csv(path, target="target")
    assert ds.name == "toy"
    assert ds.feature_names == ["a", "b", "kind_x", "kind_y", "kind_z"]
    np.testing.assert_allclose(ds.X["a"], df["a"])
    explicit = from_csv(path, target="target", sep=";", name="other")
    assert explicit.name == "other"
    pd.testing.assert_frame_equal(explicit.X, ds.X)


def test_from_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="CSV file not found"):
        from_csv(tmp_path / "absent.csv", target="y")


# --------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------
@pytest.fixture
def diabetes():
    return load_dataset("diabetes")


def _raw_y(arr, sp: Split):
    return arr.astype(np.float64) * sp.y_scale + sp.y_mean


def test_split_sizes_and_types(diabetes):
    sp = split_dataset(diabetes, seed=0)
    assert len(sp.X_train) == 353 and len(sp.X_test) == 89  # 80/20 of 442
    assert sp.X_val is None and sp.y_val is None
    for arr in (sp.X_train, sp.y_train, sp.X_test, sp.y_test):
        assert arr.dtype == np.float32
    assert sp.x_mean.dtype == sp.x_scale.dtype == np.float64  # float32 overflows past 3.4e38
    assert sp.feature_names == diabetes.feature_names
    assert (sp.dataset, sp.seed, sp.label_noise, sp.scale_target) == ("diabetes", 0, 0.0, True)


def test_split_validation(diabetes):
    sp = split_dataset(diabetes, seed=1, validation_size=0.25)
    assert len(sp.X_test) == 89
    assert len(sp.X_val) == 89 and len(sp.X_train) == 264  # 25 % of the 353 training rows
    assert sp.y_val.shape == (89,)


def test_split_deterministic_per_seed(diabetes):
    a, b = split_dataset(diabetes, seed=3), split_dataset(diabetes, seed=3)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    c = split_dataset(diabetes, seed=4)
    assert not np.array_equal(a.y_test, c.y_test)


def test_split_train_only_scaling(diabetes):
    sp = split_dataset(diabetes, seed=0)
    np.testing.assert_allclose(sp.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(sp.X_train.std(axis=0), 1, atol=1e-4)
    assert abs(sp.y_train.mean()) < 1e-5
    assert np.abs(sp.X_test.mean(axis=0)).max() > 1e-3  # test part is not re-centred
    # Statistics are the raw training part's, so unscaling recovers raw rows.
    raw = diabetes.X.to_numpy()
    restored = sp.X_test.astype(np.float64) * sp.x_scale + sp.x_mean
    matches = [np.isclose(raw, row, rtol=1e-5, atol=1e-6).all(axis=1).any() for row in restored]
    assert all(matches)
    assert set(np.round(_raw_y(sp.y_test, sp))) <= set(diabetes.y)


def test_split_without_target_scaling(diabetes):
    sp = split_dataset(diabetes, seed=0, scale_target=False)
    assert (sp.y_mean, sp.y_scale) == (0.0, 1.0)
    assert set(sp.y_train) <= set(diabetes.y.astype(np.float32))


def test_split_constant_column():
    df = pd.DataFrame({"c": np.ones(50), "x": np.arange(50.0), "y": np.arange(50.0) * 2})
    sp = split_dataset(from_frame(df, "y"), seed=0)
    assert sp.x_scale[0] == 1.0 and np.isfinite(sp.X_train).all()


def test_label_noise_touches_train_not_test(diabetes):
    clean = split_dataset(diabetes, seed=2, validation_size=0.2)
    noisy = split_dataset(diabetes, seed=2, validation_size=0.2, label_noise=0.5)
    np.testing.assert_array_equal(clean.X_train, noisy.X_train)
    np.testing.assert_allclose(_raw_y(noisy.y_test, noisy), _raw_y(clean.y_test, clean), rtol=1e-5)
    diff_train = _raw_y(noisy.y_train, noisy) - _raw_y(clean.y_train, clean)
    diff_val = _raw_y(noisy.y_val, noisy) - _raw_y(clean.y_val, clean)
    assert np.abs(diff_train).min() > 0 and np.abs(diff_val).min() > 0
    sd_expected = 0.5 * (clean.y_scale)  # clean.y_scale is std of the clean train labels
    assert np.std(diff_train) == pytest.approx(sd_expected, rel=0.15)
    again = split_dataset(diabetes, seed=2, validation_size=0.2, label_noise=0.5)
    np.testing.assert_array_equal(noisy.y_train, again.y_train)


@pytest.mark.parametrize("kwargs, match", [
    ({"test_size": 0.0}, "test_size must be in"),
    ({"test_size": 1.0}, "test_size must be in"),
    ({"test_size": float("nan")}, "test_size must be a finite number"),
    ({"validation_size": -0.1}, "validation_size must be in"),
    ({"validation_size": 1.0}, "validation_size must be in"),
    ({"label_noise": -1.0}, "label_noise must be a finite number >= 0"),
    ({"label_noise": float("inf")}, "label_noise must be a finite number >= 0"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"seed": 1.5}, "seed must be a non-negative integer"),
])  # fmt: skip
def test_split_argument_validation(diabetes, kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_dataset(diabetes, **kwargs)


def test_split_requires_dataset():
    with pytest.raises(DataError, match="expects a Dataset"):
        split_dataset(pd.DataFrame({"a": [1, 2]}))


def test_numeric_scale_target_centres_y_with_that_sd():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=200)})
    df["y"] = 150.0 + 70.0 * df.x + rng.normal(size=200)
    ds = from_frame(df, "y", name="toy")
    std, two = split_dataset(ds, seed=1, scale_target=True), split_dataset(ds, seed=1, scale_target=2.0)
    # the training target is centred with sd 2, i.e. twice the standardized one, same rows
    assert float(np.mean(two.y_train)) == pytest.approx(0.0, abs=1e-5)
    assert float(np.std(two.y_train)) == pytest.approx(2.0, rel=1e-5)
    np.testing.assert_allclose(two.y_train, 2.0 * std.y_train, rtol=1e-5, atol=1e-5)
    assert two.y_mean == pytest.approx(std.y_mean) and two.y_scale == pytest.approx(std.y_scale / 2)
    # back in raw units both read the same test labels
    np.testing.assert_allclose(two.y_test * two.y_scale + two.y_mean, std.y_test * std.y_scale + std.y_mean,
                               rtol=1e-5)
    for bad in (0, -1.0, float("nan"), "2"):
        with pytest.raises(ValueError, match="scale_target"):
            split_dataset(ds, seed=1, scale_target=bad)
