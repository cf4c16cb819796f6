"""Loaders of the five built-in data sets and dispatch by name (Feynman equations included)."""

from __future__ import annotations

import functools
import warnings
from dataclasses import replace

import pandas as pd

from distillkit.datasets._registry import (DATASETS, DataError, DataUnavailableError, Dataset, RAW_FILES, DATASET_INFO, data_dir, fetch_file)

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
    info = DATASET_INFO[name]
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
    from distillkit.datasets import feynman

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
        (see :mod:`distillkit.datasets.feynman`).
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
    from distillkit.datasets import feynman

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
    from distillkit.datasets import feynman

    rows = []
    for name in DATASETS:
        info = DATASET_INFO[name]
        rows.append(
            {
                "name": name,
                "samples": info.samples,
                "features": info.features,
                "file": info.file,
                "url": RAW_FILES[info.file].url if info.file else None,
                "source": info.source,
            }
        )
    for eq in feynman.equations():
        rows.append({"name": eq.name, "samples": feynman.DEFAULT_N_SAMPLES,
                     "features": eq.n_inputs, "file": None, "url": None,
                     "source": "generated: Feynman SR database (Udrescu & Tegmark 2020)"})
    return pd.DataFrame(rows, columns=["name", "samples", "features", "file", "url", "source"])


