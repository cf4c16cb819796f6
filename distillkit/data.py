"""Datasets used in the "Teaching the Teacher" reproduction (arXiv 2507.22767).

Five regression benchmarks are available by name (see :data:`DATASETS`).  Raw
files are read from the folder named by the ``DISTILLKIT_DATA`` environment
variable when it holds them, and otherwise downloaded from their canonical URL
with :mod:`pooch` into ``pooch.os_cache("distillkit")``.  Every raw file is
checked against a known sha256 before it is used.

Typical use::

    from distillkit.data import load_dataset, split_dataset
    ds = load_dataset("california")
    sp = split_dataset(ds, seed=0)

Your own data can be wrapped with :func:`from_frame` or :func:`from_csv`.
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
import os
import re
import urllib.error
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pooch
from sklearn.model_selection import train_test_split

__all__ = [
    "DATASETS",
    "NOISE_SCALES",
    "ChecksumError",
    "DataError",
    "DataUnavailableError",
    "Dataset",
    "Split",
    "data_dir",
    "fetch_file",
    "from_csv",
    "from_frame",
    "list_datasets",
    "load_dataset",
    "split_dataset",
    "verify_files",
]


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class DataError(ValueError):
    """Bad user input: unknown dataset, NaN values, bad target column, ..."""


class DataUnavailableError(DataError):
    """A raw file is not available locally and could not be downloaded."""


class ChecksumError(DataError):
    """A raw file does not have the expected sha256 checksum."""


# --------------------------------------------------------------------------
# Registry of raw files (values from shared/datasets/MANIFEST.tsv; hardcoded
# so that the package never depends on that folder existing).
# --------------------------------------------------------------------------
_ENV_VAR = "DISTILLKIT_DATA"
_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"


@dataclass(frozen=True)
class _RawFile:
    filename: str
    sha256: str
    url: str
    # When set, ``url`` points to this tar archive and ``filename`` is the
    # member ``archive_member`` inside it.
    archive: str | None = None
    archive_sha256: str | None = None
    archive_member: str | None = None


_FILES: dict[str, _RawFile] = {
    f.filename: f
    for f in (
        _RawFile(
            "cal_housing.data",
            "a2b44dcc7e1c9091b43c4f458b25cbd1f7e8068d08edd26bc4703108d3fa6214",
            "https://ndownloader.figshare.com/files/5976036",
            archive="cal_housing.tgz",
            # Same checksum scikit-learn uses (sklearn/datasets/_california_housing.py).
            archive_sha256="aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681",
            archive_member="CaliforniaHousing/cal_housing.data",
        ),
        _RawFile(
            "Concrete_Data.xls",
            "710076c66b9ca3f8050e7942f3dcbdbe04013534daeb0077ffd3079a52d8e0c4",
            f"{_UCI}/concrete/compressive/Concrete_Data.xls",
        ),
        _RawFile(
            "abalone.data",
            "de37cdcdcaaa50c309d514f248f7c2302a5f1f88c168905eba23fe2fbc78449f",
            f"{_UCI}/abalone/abalone.data",
        ),
        _RawFile(
            "abalone.names",
            "542eee5a2a0ee72db563de010dc3b5055b03c5dc624049ae1f2208fc66a14aac",
            f"{_UCI}/abalone/abalone.names",
        ),
        _RawFile(
            "winequality-red.csv",
            "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e",
            f"{_UCI}/wine-quality/winequality-red.csv",
        ),
    )
}

# Seconds before a download attempt gives up (pooch's default is 30 s too,
# but we state it so an offline machine fails in bounded time).
_DOWNLOAD_TIMEOUT = 30


@dataclass(frozen=True)
class _Info:
    samples: int
    features: int
    file: str | None
    description: str
    source: str


_INFO: dict[str, _Info] = {
    "california": _Info(
        20640,
        8,
        "cal_housing.data",
        "California housing (1990 census block groups), scikit-learn feature "
        "definitions; target median house value in units of $100,000.",
        "Pace & Barry (1997); https://ndownloader.figshare.com/files/5976036",
    ),
    "concrete": _Info(
        1030,
        8,
        "Concrete_Data.xls",
        "Concrete compressive strength (MPa) from mixture components and age.",
        "Yeh (1998), UCI Machine Learning Repository",
    ),
    "abalone": _Info(
        4177,
        10,
        "abalone.data",
        "Abalone age (number of shell rings) from physical measurements; "
        "Sex one-hot encoded.",
        "Nash et al. (1994), UCI Machine Learning Repository",
    ),
    "wine_red": _Info(
        1599,
        11,
        "winequality-red.csv",
        "Red vinho verde wine quality score (0-10) from physicochemical tests.",
        "Cortez et al. (2009), UCI Machine Learning Repository",
    ),
    "diabetes": _Info(
        442,
        10,
        None,
        "Diabetes disease progression one year after baseline; features are "
        "scikit-learn's mean-centred, scaled copy.",
        "Efron et al. (2004), bundled with scikit-learn",
    ),
}

DATASETS: tuple[str, ...] = ("california", "concrete", "abalone", "wine_red", "diabetes")

#: label-noise scales: sd(y) (paper, Table 9) or rms(y) (SRBench; Feynman data sets)
NOISE_SCALES: tuple[str, ...] = ("sd", "rms")


# --------------------------------------------------------------------------
# Dataset container
# --------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class Dataset:
    """A regression dataset: feature frame ``X`` and target series ``y``.

    Parameters
    ----------
    name : str
        Short name of the dataset.
    X : pandas.DataFrame
        Numeric (float) features, one column per feature.
    y : pandas.Series
        Numeric target, same length as ``X``.
    description : str
        One-line human description.
    source : str
        Where the data comes from (citation or URL).
    noise_scale : {"sd", "rms"}
        What ``split_dataset(label_noise=a)`` scales its noise by: ``a * sd(y)`` (the
        paper's Table 9; the default) or ``a * rms(y)`` (SRBench's ground-truth track; the
        ``feynman_<id>`` data sets).
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    description: str = ""
    source: str = ""
    noise_scale: str = "sd"

    def __post_init__(self):
        if self.noise_scale not in NOISE_SCALES:
            raise DataError(
                f"Dataset.noise_scale must be one of {NOISE_SCALES}, got {self.noise_scale!r}."
            )
        if not isinstance(self.X, pd.DataFrame):
            raise DataError(f"Dataset.X must be a pandas DataFrame, got {type(self.X).__name__}.")
        if not isinstance(self.y, pd.Series):
            raise DataError(f"Dataset.y must be a pandas Series, got {type(self.y).__name__}.")
        if len(self.X) != len(self.y):
            raise DataError(
                f"Dataset.X has {len(self.X)} rows but Dataset.y has {len(self.y)}; they must match."
            )

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])

    @property
    def feature_names(self) -> list[str]:
        """Feature column names, in order."""
        return [str(c) for c in self.X.columns]

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, n_samples={self.n_samples}, "
            f"n_features={self.n_features}, target={self.y.name!r})"
        )


# --------------------------------------------------------------------------
# Raw files
# --------------------------------------------------------------------------
def data_dir() -> Path | None:
    """Return the folder named by ``DISTILLKIT_DATA``, or None when unset/empty."""
    value = os.environ.get(_ENV_VAR, "").strip()
    if not value:
        return None
    return Path(value).expanduser().resolve()


def _cache_dir() -> Path:
    # A function (not a constant) so tests can point it at a temporary folder.
    return Path(pooch.os_cache("distillkit"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _checksum_error(filename: str, path: Path | str, expected: str, actual: str) -> ChecksumError:
    return ChecksumError(
        f"Checksum mismatch for '{filename}' at {path}: expected sha256 {expected} "
        f"but got {actual}; the file is corrupt or a different version, so replace it."
    )


def _raw(filename: str) -> _RawFile:
    try:
        return _FILES[filename]
    except (KeyError, TypeError):
        raise DataError(
            f"Unknown raw file {filename!r}; known files are: {', '.join(sorted(_FILES))}."
        ) from None


def _cached_path(raw: _RawFile) -> Path:
    """Where the pooch cache keeps (or would keep) the usable file."""
    cache = _cache_dir()
    if raw.archive is not None:
        # pooch.Untar extracts into "<archive>.untar/<member>".
        return cache / f"{raw.archive}.untar" / raw.archive_member
    return cache / raw.filename


def _download_error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [OSError, urllib.error.URLError]
    try:  # requests is a pooch dependency, but stay robust if it is not importable
        import requests

        types.append(requests.exceptions.RequestException)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


def _retrieve(raw: _RawFile, url_name: str, known_hash: str) -> str | list[str]:
    """pooch.retrieve with our error translation."""
    processor = None
    if raw.archive is not None:
        processor = pooch.Untar(members=[raw.archive_member])
    try:
        return pooch.retrieve(
            url=raw.url,
            known_hash=f"sha256:{known_hash}",
            fname=url_name,
            path=_cache_dir(),
            processor=processor,
            downloader=pooch.HTTPDownloader(timeout=_DOWNLOAD_TIMEOUT, progressbar=False),
            progressbar=False,
        )
    except _download_error_types() as exc:
        where = data_dir()
        local = f"it is not in {_ENV_VAR} ({where})" if where else f"{_ENV_VAR} is not set"
        raise DataUnavailableError(
            f"Data file '{raw.filename}' is unavailable: {local} and downloading it "
            f"from {raw.url} failed ({type(exc).__name__}: {exc}); set {_ENV_VAR} "
            f"to a folder holding it."
        ) from exc
    except ValueError as exc:
        # pooch raises ValueError on a hash mismatch and has already deleted
        # the download; recover the actual digest from its message.
        if "hash" not in str(exc).lower():
            raise
        digests = [d for d in re.findall(r"[0-9a-f]{64}", str(exc)) if d != known_hash]
        actual = digests[0] if digests else "unknown"
        raise _checksum_error(url_name, raw.url, known_hash, actual) from exc


def fetch_file(filename: str) -> Path:
    """Return a verified local path to the raw file ``filename``.

    The ``DISTILLKIT_DATA`` folder is looked at first; a file there with the
    wrong checksum is an error (no silent re-download).  Otherwise the file is
    downloaded with :func:`pooch.retrieve` into ``pooch.os_cache("distillkit")``
    (or taken from that cache when already there).

    Raises
    ------
    DataError
        ``filename`` is not one of the known raw files.
    ChecksumError
        The file's sha256 differs from the known one.
    DataUnavailableError
        The file is not available locally and cannot be downloaded.
    """
    raw = _raw(filename)

    folder = data_dir()
    if folder is not None:
        local = folder / raw.filename
        if local.is_file():
            actual = _sha256(local)
            if actual != raw.sha256:
                raise _checksum_error(raw.filename, local, raw.sha256, actual)
            return local

    if raw.archive is None:
        return Path(_retrieve(raw, raw.filename, raw.sha256))

    # Archive: pooch checks the tarball's hash; we then check the member's.
    paths = _retrieve(raw, raw.archive, raw.archive_sha256)
    member = _cached_path(raw)
    if not member.is_file():  # pragma: no cover - pooch just extracted it
        candidates = [Path(p) for p in paths if Path(p).name == raw.filename]
        if not candidates:
            raise DataUnavailableError(
                f"Archive {raw.archive} from {raw.url} does not contain "
                f"'{raw.archive_member}'; set {_ENV_VAR} to a folder holding '{raw.filename}'."
            )
        member = candidates[0]
    actual = _sha256(member)
    if actual != raw.sha256:
        # Never keep a bad file: remove the member and its archive so the next
        # call downloads afresh.
        member.unlink(missing_ok=True)
        (_cache_dir() / raw.archive).unlink(missing_ok=True)
        raise _checksum_error(raw.filename, member, raw.sha256, actual)
    return member


def verify_files() -> pd.DataFrame:
    """Check every known raw file without downloading anything.

    Looks in ``DISTILLKIT_DATA`` first, then in the pooch cache.

    Returns
    -------
    pandas.DataFrame
        Columns ``file``, ``path`` (where the file is, or where it would be
        looked for) and ``status`` (one of ``"ok"``, ``"missing"``,
        ``"bad checksum"``).
    """
    folder = data_dir()
    rows = []
    for raw in _FILES.values():
        candidates = ([folder / raw.filename] if folder is not None else []) + [_cached_path(raw)]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            rows.append({"file": raw.filename, "path": str(candidates[0]), "status": "missing"})
            continue
        status = "ok" if _sha256(found) == raw.sha256 else "bad checksum"
        rows.append({"file": raw.filename, "path": str(found), "status": status})
    return pd.DataFrame(rows, columns=["file", "path", "status"])


# --------------------------------------------------------------------------
# Loaders for the built-in datasets
# --------------------------------------------------------------------------
def _load_california() -> tuple[pd.DataFrame, pd.Series]:
    raw_cols = [
        "longitude", "latitude", "housingMedianAge", "totalRooms", "totalBedrooms",
        "population", "households", "medianIncome", "medianHouseValue",
    ]  # fmt: skip
    df = pd.read_csv(fetch_file("cal_housing.data"), header=None, names=raw_cols)
    # Same derived features as sklearn.datasets.fetch_california_housing.
    X = pd.DataFrame(
        {
            "MedInc": df["medianIncome"],
            "HouseAge": df["housingMedianAge"],
            "AveRooms": df["totalRooms"] / df["households"],
            "AveBedrms": df["totalBedrooms"] / df["households"],
            "Population": df["population"],
            "AveOccup": df["population"] / df["households"],
            "Latitude": df["latitude"],
            "Longitude": df["longitude"],
        }
    )
    y = (df["medianHouseValue"] / 100000.0).rename("MedHouseVal")
    return X, y


_CONCRETE_NAMES = [
    "Cement", "BlastFurnaceSlag", "FlyAsh", "Water", "Superplasticizer",
    "CoarseAggregate", "FineAggregate", "Age", "CompressiveStrength",
]  # fmt: skip


def _load_concrete() -> tuple[pd.DataFrame, pd.Series]:
    path = fetch_file("Concrete_Data.xls")
    try:
        with warnings.catch_warnings():
            # pandas >= 3 flags the xlrd engine as deprecated; it still reads .xls.
            warnings.filterwarnings("ignore", message=".*xlrd.*")
            df = pd.read_excel(path, engine="xlrd")
    except ImportError as exc:
        raise DataUnavailableError(
            "Reading Concrete_Data.xls needs the 'xlrd' package; install it with `pip install xlrd`."
        ) from exc
    df.columns = [str(c).strip() for c in df.columns]  # target name has a trailing space
    if df.shape[1] != len(_CONCRETE_NAMES):
        raise DataError(
            f"Concrete_Data.xls has {df.shape[1]} columns, expected {len(_CONCRETE_NAMES)}."
        )
    df.columns = _CONCRETE_NAMES
    return df.iloc[:, :-1], df.iloc[:, -1]


def _load_abalone() -> tuple[pd.DataFrame, pd.Series]:
    cols = [
        "Sex", "Length", "Diameter", "Height", "WholeWeight",
        "ShuckedWeight", "VisceraWeight", "ShellWeight", "Rings",
    ]  # fmt: skip
    df = pd.read_csv(fetch_file("abalone.data"), header=None, names=cols)
    sex = pd.get_dummies(df["Sex"], prefix="Sex", dtype=float)
    sex = sex.reindex(columns=["Sex_F", "Sex_I", "Sex_M"], fill_value=0.0)
    X = pd.concat([sex, df[cols[1:-1]]], axis=1)
    return X, df["Rings"]


def _load_wine_red() -> tuple[pd.DataFrame, pd.Series]:
    df = pd.read_csv(fetch_file("winequality-red.csv"), sep=";")
    # "fixed acidity" -> "fixed_acidity": identifiers are friendlier to
    # symbolic-regression printers than names with spaces.
    df.columns = [str(c).strip().replace(" ", "_") for c in df.columns]
    return df.drop(columns="quality"), df["quality"]


def _load_diabetes() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(as_frame=True)
    return bunch.data, bunch.target.rename("DiseaseProgression")


_LOADERS = {
    "california": _load_california,
    "concrete": _load_concrete,
    "abalone": _load_abalone,
    "wine_red": _load_wine_red,
    "diabetes": _load_diabetes,
}


@functools.lru_cache(maxsize=None)
def _load_cached(name: str, folder: str | None) -> Dataset:
    # ``folder`` is only part of the cache key: changing DISTILLKIT_DATA
    # must not return data read from the previous folder.
    del folder
    X, y = _LOADERS[name]()
    info = _INFO[name]
    X = X.astype(float).reset_index(drop=True)
    X.columns = [str(c) for c in X.columns]
    y = y.astype(float).reset_index(drop=True)
    if X.shape != (info.samples, info.features):
        raise DataError(
            f"Dataset {name!r} loaded with shape {X.shape}, expected "
            f"{(info.samples, info.features)}; the raw file looks wrong."
        )
    return Dataset(name=name, X=X, y=y, description=info.description, source=info.source)


def _check_name(name: str) -> None:
    from . import feynman

    if name not in DATASETS and not feynman.is_feynman(name):
        raise DataError(
            f"Unknown dataset {name!r}; valid names are: {', '.join(DATASETS)}, or "
            f"feynman_<id> (e.g. feynman_I_25_13; `distillkit data list` shows all)."
        )


def load_dataset(name: str, *, n_samples: int | None = None,
                 random_state: int | None = None) -> Dataset:
    """Load one of the built-in datasets by name.

    Results are cached per name (and ``DISTILLKIT_DATA`` value); each call
    returns fresh copies of ``X`` and ``y`` so callers may modify them freely.
    ``load_dataset.cache_clear()`` empties the cache.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`, or a generated ground-truth data set ``feynman_<id>``
        (see :mod:`distillkit.feynman`).
    n_samples, random_state : int, optional
        Only for the generated data sets: rows drawn (default 2000) and the seed of the
        inputs (default 0).

    Raises
    ------
    DataError
        Unknown name.
    DataUnavailableError, ChecksumError
        The raw file cannot be obtained or is corrupt.
    """
    if not isinstance(name, str):
        raise DataError(f"Dataset name must be a string, got {type(name).__name__}.")
    _check_name(name)
    from . import feynman

    if feynman.is_feynman(name):
        try:
            return feynman.make_feynman(
                name,
                feynman.DEFAULT_N_SAMPLES if n_samples is None else n_samples,
                0 if random_state is None else random_state,
            )
        except ValueError as exc:
            raise DataError(str(exc)) from None
    if n_samples is not None or random_state is not None:
        raise DataError(f"n_samples and random_state apply to generated data sets, not {name!r}.")
    folder = data_dir()
    ds = _load_cached(name, None if folder is None else str(folder))
    return replace(ds, X=ds.X.copy(), y=ds.y.copy())


load_dataset.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


def list_datasets() -> pd.DataFrame:
    """Describe the built-in datasets without loading them.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``samples``, ``features``, ``file`` (raw file name,
        None for bundled data), ``url`` and ``source``; the five benchmarks first,
        then the generated ``feynman_<id>`` data sets (at their default size).
    """
    from . import feynman

    rows = []
    for name in DATASETS:
        info = _INFO[name]
        rows.append(
            {
                "name": name,
                "samples": info.samples,
                "features": info.features,
                "file": info.file,
                "url": _FILES[info.file].url if info.file else None,
                "source": info.source,
            }
        )
    for eq in feynman.equations():
        rows.append({"name": eq.name, "samples": feynman.DEFAULT_N_SAMPLES,
                     "features": eq.n_inputs, "file": None, "url": None,
                     "source": "generated: Feynman SR database (Udrescu & Tegmark 2020)"})
    return pd.DataFrame(rows, columns=["name", "samples", "features", "file", "url", "source"])


# --------------------------------------------------------------------------
# User data
# --------------------------------------------------------------------------
_MIN_ROWS = 10
_MAX_LEVELS = 100  # one-hot columns per categorical column; more is an ID or a broken number


def _is_numeric(s: pd.Series) -> bool:
    # bool is "numeric" to pandas but is treated as categorical here; complex is unsupported.
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and not pd.api.types.is_complex_dtype(s))


def _is_categorical(s: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s)
    )


def _as_numbers(s: pd.Series) -> pd.Series | None:
    """A text/object column whose every value is a number (e.g. "1.5"), as float; else None."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return None
    if any(isinstance(v, (bool, np.bool_)) for v in s):
        return None
    try:
        out = pd.to_numeric(s, errors="coerce")
    except (TypeError, ValueError, OverflowError):
        return None
    if out.isna().any() or not _is_numeric(out):
        return None
    return out.astype(float)


def _clean_name(c) -> str:
    # a UTF-8 byte-order mark or stray blanks would hide a column's name
    return str(c).replace("\ufeff", "").strip()


def _one_hot(s: pd.Series, col: str) -> pd.DataFrame:
    levels = s.nunique()
    if not pd.api.types.is_bool_dtype(s):
        numbers = pd.to_numeric(s.astype(str), errors="coerce")
        # many distinct numbers plus a few words ("?", "n/a"): a broken number column,
        # which one-hot encoding would silently turn into one column per number
        if numbers.notna().mean() >= 0.5 and numbers.nunique() > 10:
            odd = s[numbers.isna()].astype(str).unique()[:3]
            raise DataError(
                f"Column {col!r} holds numbers and text such as {', '.join(map(repr, odd))}; "
                "replace those values (missing values?) or convert the column to numbers."
            )
    if levels > _MAX_LEVELS:
        raise DataError(
            f"Column {col!r} is categorical with {levels} distinct values (more than "
            f"{_MAX_LEVELS}); one-hot encoding would add a column per value. "
            "Drop it or convert it to numbers first."
        )
    if not (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s)):
        s = s.astype(str)  # mixed types (1, "a") cannot be sorted into levels otherwise
    return pd.get_dummies(s, prefix=col, dtype=float)


def from_frame(df: pd.DataFrame, target: str, name: str = "custom") -> Dataset:
    """Wrap a DataFrame as a :class:`Dataset`.

    Numeric columns are kept (as float), as are text columns whose every value is a
    number; other object, string, category and bool columns are one-hot encoded in
    place (``<col>_<value>``, float 0/1; at most 100 values per column). Column names
    lose a UTF-8 byte-order mark and surrounding blanks.

    Parameters
    ----------
    df : pandas.DataFrame
        Features and target.
    target : str
        Name of the numeric target column.
    name : str
        Name given to the dataset.

    Raises
    ------
    DataError
        Missing, constant or non-numeric target, NaN/inf values (the offending
        columns are named), unsupported column types, categorical columns with
        too many values, or fewer than 10 rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"from_frame expects a pandas DataFrame, got {type(df).__name__}.")
    if df.shape[1] == 0:
        raise DataError("The table has no columns.")
    df = df.copy()
    df.columns = [_clean_name(c) for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise DataError(f"Column names must be unique; duplicated: {', '.join(map(repr, dupes))}.")
    target = _clean_name(target)
    if target not in df.columns:
        raise DataError(
            f"Target column {target!r} not found; available columns: {', '.join(df.columns)}."
        )
    if len(df) < _MIN_ROWS:
        raise DataError(f"Need at least {_MIN_ROWS} rows to build a dataset, got {len(df)}.")
    if df.shape[1] < 2:
        raise DataError("The frame has no feature columns besides the target.")

    nan_cols = [c for c in df.columns if df[c].isna().any()]
    if nan_cols:
        raise DataError(
            f"Missing values (NaN) in column(s): {', '.join(nan_cols)}; drop or impute them first."
        )
    y = df.pop(target)
    y_num = _as_numbers(y)
    if y_num is not None:
        y = y_num
    if not _is_numeric(y):
        raise DataError(f"Target column {target!r} must be numeric, got dtype {y.dtype}.")

    parts = []
    for col in df.columns:
        s = df[col]
        numbers = _as_numbers(s)
        if _is_numeric(s):
            parts.append(s.astype(float).to_frame())
        elif numbers is not None:
            parts.append(numbers.to_frame())
        elif _is_categorical(s):
            parts.append(_one_hot(s, col))
        else:
            raise DataError(
                f"Column {col!r} has unsupported dtype {s.dtype}; convert it to numbers or strings."
            )
    X = pd.concat(parts, axis=1).reset_index(drop=True)
    y = y.astype(float).reset_index(drop=True)

    bad = [c for c in X.columns if not np.isfinite(X[c].to_numpy()).all()]
    if not np.isfinite(y.to_numpy()).all():
        bad.append(target)
    if bad:
        raise DataError(f"Infinite values in column(s): {', '.join(bad)}; remove them first.")
    if y.nunique() < 2:
        raise DataError(
            f"Target column {target!r} is constant ({y.iloc[0]:g} in every row); "
            "there is nothing to learn."
        )
    if X.columns.duplicated().any():
        dup = ", ".join(sorted(set(X.columns[X.columns.duplicated()])))
        raise DataError(f"One-hot encoding produced duplicate column names ({dup}); rename columns.")
    return Dataset(name=name, X=X, y=y, description=f"User data (target {target!r}).", source="")


def from_csv(path, target: str, sep: str | None = None, name: str | None = None) -> Dataset:
    """Read a CSV file and wrap it as a :class:`Dataset` (see :func:`from_frame`).

    The file is read as UTF-8 (a byte-order mark is dropped); duplicated header
    names are an error rather than pandas' silent ``x.1`` renaming.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.
    target : str
        Name of the target column.
    sep : str or None
        Field separator; None sniffs it (``,``, ``;``, tab, ...).
    name : str or None
        Dataset name; defaults to the file's stem.
    """
    import csv

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"CSV file not found: {path}.")
    try:
        blank = not path.read_bytes()[:65536].replace(b"\xef\xbb\xbf", b"").strip()
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    if blank:
        raise DataError(f"{path} is empty; a CSV file with a header row is needed.")
    try:
        kw = dict(sep=None, engine="python") if sep is None else dict(sep=sep)
        df = pd.read_csv(path, encoding="utf-8-sig", **kw)
        header = pd.read_csv(path, encoding="utf-8-sig", header=None, nrows=1, dtype=str, **kw)
    except csv.Error as exc:
        raise DataError(
            f"Could not tell the field separator of {path} ({exc}); pass it with sep= (--sep)."
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"Could not parse {path} as CSV: {first}.") from exc
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    names = [_clean_name(c) for c in header.iloc[0].fillna("").tolist()] if len(header) else []
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DataError(f"{path}: duplicated column name(s) in the header: {', '.join(map(repr, dupes))}.")
    ds = from_frame(df, target=target, name=name if name is not None else path.stem)
    return replace(ds, source=str(path))


# --------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------
@dataclass
class Split:
    """Standardised train/(validation)/test arrays plus the scaling used.

    ``X_* = (X_raw - x_mean) / x_scale`` and ``y_* = (y_raw - y_mean) / y_scale``
    with statistics from the training part only; the data arrays are float32, the
    statistics float64.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    feature_names: list[str]
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    dataset: str
    seed: int
    label_noise: float
    scale_target: bool | float
    #: what label_noise was multiplied by: "sd" (sd of y_train) or "rms" (rms of y_train)
    noise_scale: str = "sd"

    def __repr__(self) -> str:
        n_val = 0 if self.X_val is None else len(self.X_val)
        return (
            f"Split(dataset={self.dataset!r}, seed={self.seed}, n_train={len(self.X_train)}, "
            f"n_val={n_val}, n_test={len(self.X_test)}, label_noise={self.label_noise})"
        )


def _standardiser(a: np.ndarray):
    """(pre, mean, sd) per column with ``(a - pre*mean) / (pre*sd)`` the standardised
    values. Columns whose magnitude passes 1e150 are divided by it first (``pre``), so that
    ``(x - mean)**2`` cannot overflow near the float limit; other columns keep ``pre=1``
    and exactly the plain arithmetic."""
    big = np.max(np.abs(a), axis=0)
    pre = np.where(np.isfinite(big) & (big > 1e150), big, 1.0)
    z = a / pre
    return pre, z.mean(axis=0), z.std(axis=0)


def _check_fraction(value, name: str, low_inclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    value = float(value)
    ok = (0.0 <= value < 1.0) if low_inclusive else (0.0 < value < 1.0)
    if not ok:
        interval = "[0, 1)" if low_inclusive else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}.")
    return value


def split_dataset(
    ds: Dataset,
    seed: int = 0,
    test_size: float = 0.2,
    validation_size: float = 0.0,
    scale_target: bool = True,
    label_noise: float = 0.0,
) -> Split:
    """Split, optionally add label noise, and standardise a dataset.

    Parameters
    ----------
    ds : Dataset
        Data to split.
    seed : int
        Non-negative seed for the splits and the label noise.
    test_size : float
        Fraction of rows held out for testing, in (0, 1).
    validation_size : float
        Fraction of the *training* part carved out for validation, in [0, 1).
    scale_target : bool or float
        True: standardise ``y`` with the training labels' mean/std; False: leave
        the target in raw units (``y_mean=0``, ``y_scale=1``); a number k > 0:
        centre ``y`` and scale it to standard deviation k (True is k = 1).
    label_noise : float
        Gaussian noise with sd ``label_noise * std(y_train)`` (or
        ``label_noise * rms(y_train)`` when ``ds.noise_scale == "rms"``, as for the
        ``feynman_<id>`` data sets; recorded as ``Split.noise_scale``) added to the
        training and validation labels (paper, appendix D.2); test labels stay
        clean.

    Returns
    -------
    Split
    """
    if not isinstance(ds, Dataset):
        raise DataError(f"split_dataset expects a Dataset, got {type(ds).__name__}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    seed = int(seed)
    test_size = _check_fraction(test_size, "test_size", low_inclusive=False)
    validation_size = _check_fraction(validation_size, "validation_size", low_inclusive=True)
    if (
        isinstance(label_noise, bool)
        or not isinstance(label_noise, numbers.Real)
        or not math.isfinite(label_noise)
        or label_noise < 0
    ):
        raise ValueError(f"label_noise must be a finite number >= 0, got {label_noise!r}.")
    label_noise = float(label_noise)
    if isinstance(scale_target, (bool, np.bool_)):
        target_sd = 1.0 if scale_target else None
    elif (isinstance(scale_target, numbers.Real) and math.isfinite(scale_target)
          and scale_target > 0):
        target_sd = float(scale_target)
    else:
        raise ValueError(f"scale_target must be True, False or a number > 0, got {scale_target!r}.")

    X = ds.X.to_numpy(dtype=np.float64)
    y = ds.y.to_numpy(dtype=np.float64)
    try:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed)
        X_va = y_va = None
        if validation_size > 0:
            X_tr, X_va, y_tr, y_va = train_test_split(
                X_tr, y_tr, test_size=validation_size, random_state=seed
            )
    except ValueError as exc:
        raise DataError(
            f"Cannot split {ds.n_samples} rows with test_size={test_size} and "
            f"validation_size={validation_size}: {exc}"
        ) from exc
    if len(X_tr) < 2:
        raise DataError(f"The training part has {len(X_tr)} row(s); at least 2 are needed.")

    if label_noise > 0:
        rng = np.random.default_rng([seed, 2507])
        spread = np.sqrt(np.mean(y_tr**2)) if ds.noise_scale == "rms" else np.std(y_tr)
        sd = label_noise * float(spread)
        y_tr = y_tr + rng.normal(0.0, sd, size=y_tr.shape)
        if y_va is not None:
            y_va = y_va + rng.normal(0.0, sd, size=y_va.shape)

    for part, values in (("training", y_tr), ("test", y_te)):
        if np.ptp(values) == 0:
            raise DataError(
                f"The target is constant ({values[0]:g}) in the {part} part of {ds.name!r}; "
                "R² is undefined. Use more rows or a different seed/test_size."
            )
    x_pre, x_mid, x_sd = _standardiser(X_tr)
    x_sd[x_sd == 0] = 1.0  # constant columns: avoid division by zero
    x_mean, x_scale = x_mid * x_pre, x_sd * x_pre
    if target_sd is not None:
        y_pre, y_mid, y_sd = _standardiser(y_tr)
        y_sd = y_sd / target_sd
        y_mean, y_scale = float(y_mid * y_pre), float(y_sd * y_pre)
    else:
        y_pre, y_mid, y_sd = 1.0, 0.0, 1.0
        y_mean, y_scale = 0.0, 1.0

    def fx(a):
        return None if a is None else ((a / x_pre - x_mid) / x_sd).astype(np.float32)

    def fy(a):
        return None if a is None else ((a / y_pre - y_mid) / y_sd).astype(np.float32)

    with np.errstate(all="ignore"):  # overflow is reported below, as a DataError
        arrays = {"X_train": fx(X_tr), "y_train": fy(y_tr), "X_test": fx(X_te), "y_test": fy(y_te),
                  "X_val": fx(X_va), "y_val": fy(y_va)}
        stats_ok = np.isfinite(x_mean) & np.isfinite(x_scale) & (x_scale > 0)
        for part in ("X_train", "X_test", "X_val"):
            if arrays[part] is not None:
                stats_ok &= np.isfinite(arrays[part]).all(axis=0)
    bad = [n for n, ok in zip(ds.feature_names, stats_ok) if not ok]
    if not (np.isfinite([y_mean, y_scale]).all() and y_scale > 0 and all(
            np.isfinite(arrays[p]).all() for p in ("y_train", "y_test", "y_val") if arrays[p] is not None)):
        bad.append(f"target {ds.y.name!r}")
    if bad:
        raise DataError(
            f"Cannot standardise {', '.join(map(str, bad))} of {ds.name!r} in float32: the values are "
            "too large or their spread too small relative to their size; rescale them first."
        )

    return Split(
        **arrays,
        feature_names=ds.feature_names,
        x_mean=x_mean,  # float64: float32 would turn statistics beyond 3.4e38 into inf
        x_scale=x_scale,
        y_mean=y_mean,
        y_scale=y_scale,
        dataset=ds.name,
        seed=seed,
        label_noise=label_noise,
        noise_scale=ds.noise_scale,
        scale_target=bool(scale_target) if target_sd in (None, 1.0) else target_sd,
    )
