"""run_grid on a local dask.distributed cluster gives the same records as the default backend."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")

from distillkit.experiments.sweep import run_grid

GRID = dict(profile="smoke", lams=[0.0, 0.5], seeds=[0], sr_readings=["literal"], progress=False,
            epochs=2, population_size=30, generations=2, baselines=False)
COLS = ["teacher_r2", "student_r2", "tree_r2"]


@pytest.fixture(scope="module")
def dask_client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_dask_backend_matches_default(tmp_path, dask_client):
    ref = run_grid(["diabetes"], cache_dir=tmp_path / "default", n_jobs=1, **GRID)
    with distributed.get_task_stream(client=dask_client) as stream:
        got = run_grid(["diabetes"], cache_dir=tmp_path / "dask", n_jobs=2, backend="dask", **GRID)
    assert len(got) == len(ref) == 2
    assert len(stream.data) >= 2, "no task ran on the dask workers"
    assert sorted(got.lam) == sorted(ref.lam)
    for col in COLS:
        np.testing.assert_allclose(got[col].to_numpy(), ref[col].to_numpy(), atol=1e-6, err_msg=col)
    assert list(got.formula) == list(ref.formula)
    # and its cache is complete: a second call computes nothing
    again = run_grid(["diabetes"], cache_dir=tmp_path / "dask", n_jobs=2, backend="dask", **GRID)
    np.testing.assert_allclose(again.student_r2.to_numpy(), got.student_r2.to_numpy())
