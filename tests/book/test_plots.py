"""Every figure builds from the tidy tables (distillkit.book.plots), on synthetic sweeps."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from distillkit.book.chapters import cost_of_smoothness as cost
from distillkit.book.chapters import naive_pipeline as gap
from distillkit.book import plots
from distillkit.book import summaries
from distillkit.book.chapters import tree_null_result as trees
from tests.sweeps import CURVES, fake_sweep  # noqa: E402


def test_figures_build():
    sw = fake_sweep(CURVES)
    sw.loc[sw.student_r2 < 0.11, "student_r2"] = -np.inf  # off-scale values are drawn at the edge
    figs = [plots.distillation_gap_figure(gap.distillation_gap(sw)),
            plots.lambda_panels(summaries.per_lambda(sw), "student_r2", "R²", "t",
                                paper_points=plots.paper_sweep_points(), annotate_best=True),
            plots.lambda_panels(trees.tree_by_lambda(sw), "r2", "R²", "t", group="model")]
    times = pd.DataFrame({"penalty": ["exact"] * 4, "lam": [0.0, 0.0, 0.5, 0.5], "seconds": [1.0, 1.2, 2.0, 2.2],
                          "error": ""})
    pl = summaries.per_lambda(sw)
    figs.append(plots.tradeoff_figure(times, cost.overhead_ratios(times), pl[pl.dataset == "concrete"], "concrete"))
    assert cost.overhead_ratios(times).ratio.iloc[0] == pytest.approx(2.1 / 1.1)
    for f in figs:
        assert f.axes and f.axes[0].get_title() is not None
