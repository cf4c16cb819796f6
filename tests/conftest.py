import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _have_data() -> bool:
    folder = os.environ.get("DISTILLKIT_DATA")
    return bool(folder) and Path(folder).is_dir()


@pytest.fixture(scope="session", autouse=True)
def _data_env():
    # CI sets DISTILLKIT_DATA; a developer checkout with ../shared beside it works too
    if not os.environ.get("DISTILLKIT_DATA") and SHARED.is_dir():
        os.environ["DISTILLKIT_DATA"] = str(SHARED)
    yield


needs_data = pytest.mark.skipif(
    not (os.environ.get("DISTILLKIT_DATA") or SHARED.is_dir()),
    reason="raw data files not found: set DISTILLKIT_DATA to a folder holding them")


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """The smoke-profile book, built once per test session (every chapter in _toc.yml
    executed by papermill, then ``jupyter-book build``) into a temporary folder, with its
    own run cache; returns the output folder (``src/notebooks``, ``results/verdicts``,
    ``_build/html``). ``DISTILLKIT_SMOKE_BOOK=<folder>`` reuses an earlier build."""
    import subprocess
    import sys

    reuse = os.environ.get("DISTILLKIT_SMOKE_BOOK")
    if reuse:
        return Path(reuse)
    root = Path(__file__).resolve().parents[1]
    tmp = tmp_path_factory.mktemp("smoke_book")
    env = dict(os.environ, DISTILLKIT_CACHE=str(tmp / "cache"), DISTILLKIT_RESULTS=str(tmp / "book" / "results"))
    res = subprocess.run([sys.executable, "-m", "distillkit.book.build", "--profile", "smoke", "--no-sync",
                          "--out", str(tmp / "book")], cwd=root, env=env, capture_output=True, text=True,
                         timeout=int(os.environ.get("DISTILLKIT_BOOK_TIMEOUT", "3600")))
    if res.returncode != 0:
        pytest.fail("smoke book build failed:\n" + "\n".join((res.stdout + "\n" + res.stderr).splitlines()[-40:]),
                    pytrace=False)
    return tmp / "book"
