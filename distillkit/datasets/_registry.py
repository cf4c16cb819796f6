"""Datasets used in the "Teaching the Teacher" reproduction (arXiv 2507.22767).

Five regression benchmarks are available by name (see :data:`DATASETS`).  Raw
files are read from the folder named by the ``DISTILLKIT_DATA`` environment
variable when it holds them, and otherwise downloaded from their canonical URL
with :mod:`pooch` into ``pooch.os_cache("distillkit")``.  Every raw file is
checked against a known sha256 before it is used.

Typical use::

    from distillkit.datasets import load_dataset, split_dataset
    ds = load_dataset("california")
    sp = split_dataset(ds, seed=0)

Your own data can be wrapped with :func:`from_frame` or :func:`from_csv`.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pooch


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


RAW_FILES: dict[str, _RawFile] = {
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


DATASET_INFO: dict[str, _Info] = {
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
        return RAW_FILES[filename]
    except (KeyError, TypeError):
        raise DataError(
            f"Unknown raw file {filename!r}; known files are: {', '.join(sorted(RAW_FILES))}."
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
    for raw in RAW_FILES.values():
        candidates = ([folder / raw.filename] if folder is not None else []) + [_cached_path(raw)]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            rows.append({"file": raw.filename, "path": str(candidates[0]), "status": "missing"})
            continue
        status = "ok" if _sha256(found) == raw.sha256 else "bad checksum"
        rows.append({"file": raw.filename, "path": str(found), "status": status})
    return pd.DataFrame(rows, columns=["file", "path", "status"])


