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
