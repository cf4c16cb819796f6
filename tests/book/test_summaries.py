"""The λ sweep summarised (distillkit.book.summaries), on synthetic sweeps."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from distillkit.experiments import paper
from distillkit.book import summaries
from tests.sweeps import fake_sweep  # noqa: E402


def test_paper_table2_improvements_follow_from_table6():
    # the paper's Table 2 percentages are (best - standard)/standard of its Table 6
    p = summaries.paper_lambda_summary().set_index("dataset")
    for ds in p.index:
        assert p.loc[ds, "improvement_pct_t6"] == pytest.approx(p.loc[ds, "improvement_pct"], abs=0.3)
    assert paper.TABLE2.improvement_pct.mean() == pytest.approx(119.58, abs=0.01)


def test_seed_means_before_best_lambda():
    curves = {"concrete": {"literal": [0.1, 0.3, 0.2, 0.2, 0.2, 0.2], "converged": [0.1] * 6}}
    sw = fake_sweep(curves, seeds=(0, 1), shift={1: 0.2})
    pl = summaries.per_lambda(sw)
    assert set(pl.n_seeds) == {2}
    s = summaries.lambda_summary(sw).set_index("sr_reading").loc["literal"]
    assert s.student_r2_standard == pytest.approx(0.2) and s.student_r2_best == pytest.approx(0.4)
