"""Chapter 04 (distillkit.book.chapters.tree_null_result): the tree verdict, its rule and the glued numbers, on small
hand-made sweeps (no training, no data files)."""
from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib

from distillkit.book.chapters import tree_null_result as trees
from tests import sweeps as shared  # noqa: E402

LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)
SR = [0.10, 0.60, 0.10, 0.42, 0.10, 0.10]  # the SR student's best λ > 0 is 0.001


def sweep(trees_by_ds: dict, leaves=None, seeds=(0,)) -> pd.DataFrame:
    """``trees_by_ds[dataset]``: the tree's test R² per λ of LAMS; ``leaves[dataset]`` its
    leaves per λ (default 32). The SR student peaks at λ = 0.001 on every data set."""
    rows = []
    for ds, tree_r2 in trees_by_ds.items():
        for reading in ("literal", "converged"):
            for seed in seeds:
                for k, lam in enumerate(LAMS):
                    rows.append(dict(dataset=ds, lam=lam, seed=seed, noise=0.0, sr_reading=reading,
                                     teacher_r2=0.8 - 0.01 * k, student_r2=SR[k], tree_r2=tree_r2[k],
                                     tree_leaves=(leaves or {}).get(ds, [32] * 6)[k]))
    return pd.DataFrame(rows)


def flat(r2: float, at_best: float | None = None) -> list:
    """The tree R² ``r2`` at every λ, ``at_best`` at the SR student's best λ (0.001)."""
    out = [r2] * len(LAMS)
    if at_best is not None:
        out[1] = at_best
    return out


# the paper's standard trees (the competence yardsticks): Concrete 0.709, California 0.599
@pytest.mark.parametrize("concrete, california, expected", [
    (flat(0.72, 0.73), flat(0.60, 0.59), "reproduced"),        # +0.01 is no gain
    (flat(0.72, 0.75), flat(0.60, 0.59), "partly reproduced"),  # +0.03 on Concrete only
    (flat(0.72, 0.75), flat(0.60, 0.63), "not reproduced"),     # both gain
])
def test_tree_verdict_outcomes(concrete, california, expected):
    (v,) = trees.verdicts(sweep({"concrete": concrete, "california": california}), "literal")
    assert v.key == "tree" and v.verdict == expected
    assert (f"Concrete Strength: 0.720 -> {concrete[1]:.3f} (λ = 0.001, 32 leaves); "
            f"California Housing: 0.600 -> {california[1]:.3f} (λ = 0.001, 32 leaves)") in v.evidence
    assert "(regularized λ = best SR λ under the literal reading)" in v.evidence
    assert "0 of 2 data sets left out" in v.evidence
    assert v.numbers["Concrete Strength"] == pytest.approx(concrete[1] - 0.72)
    assert v.paper.startswith("Concrete Strength standard 0.709; Concrete Strength regularized 0.706")


def test_fewer_leaves_is_a_gain():
    leaves = {"concrete": [32, 20, 32, 32, 32, 32]}
    (v,) = trees.verdicts(sweep({"concrete": flat(0.72)}, leaves=leaves), "literal", ("concrete",))
    assert v.verdict == "not reproduced" and "20 leaves" in v.evidence


def test_incompetent_trees_are_left_out():
    # California's λ = 0 tree 0.50 is more than 0.05 below the paper's 0.599: only Concrete counts
    sw = sweep({"concrete": flat(0.72), "california": flat(0.50, 0.60)})
    (v,) = trees.verdicts(sw, "literal")
    assert v.verdict == "reproduced" and "1 of 2 data sets left out" in v.evidence
    assert "California" not in v.ours
    sw = sweep({"concrete": flat(0.60, 0.70), "california": flat(0.50, 0.60)})
    assert trees.verdicts(sw, "literal")[0].verdict == "inconclusive"


def test_rule_carries_the_thresholds(monkeypatch):
    assert "by more than 0.02 " in trees.rule("tree") and "at most 0.05 R²" in trees.rule("tree")
    sw = sweep({"concrete": flat(0.72, 0.75)}, seeds=(0,))
    assert trees.verdicts(sw, "literal", ("concrete",))[0].verdict == "not reproduced"
    monkeypatch.setitem(trees.THRESHOLDS, "gain", 0.05)  # rule and decision move together
    (v,) = trees.verdicts(sw, "literal", ("concrete",))
    assert v.verdict == "reproduced" and "by more than 0.05 " in v.rule


def test_tree_datasets():
    assert trees.tree_datasets(["diabetes", "california", "concrete"]) == ["concrete", "california"]
    assert trees.tree_datasets(["diabetes", "abalone"]) == ["diabetes"]


def test_glues_and_max_gain():
    sw = sweep({"concrete": flat(0.72, 0.75), "abalone": [0.5, 0.5, 0.58, 0.5, 0.5, 0.5]})
    g = trees.glues(sw, "literal", ["concrete"])
    assert g["primary"] == "literal" and g["n_seeds"] == 1
    assert g["concrete_standard"] == pytest.approx(0.72) and g["concrete_regularized"] == pytest.approx(0.75)
    assert g["concrete_paper_standard"] == pytest.approx(0.709) and g["concrete_lam"] == "0.001"
    # California is not swept: NaN and "none", the paper's numbers still there
    assert math.isnan(g["california_standard"]) and g["california_lam"] == "none"
    assert g["california_paper_regularized"] == pytest.approx(0.599)
    assert g["max_gain_any_lam"] == pytest.approx(0.08) and g["max_gain_dataset"] == "Abalone"


def test_tree_figure_has_a_panel_per_dataset():
    fig = trees.tree_figure(sweep({"concrete": flat(0.72), "california": flat(0.60)}))
    assert len([ax for ax in fig.axes if ax.has_data()]) == 2


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_tree_table_uses_best_sr_lambda():
    t3 = trees.tree_table(shared.fake_sweep(shared.CURVES), "literal", datasets=("concrete",))
    assert t3.loc[("Concrete Strength", "regularized"), "ours: λ"] == 0.001
    assert t3.loc[("Concrete Strength", "regularized"), "paper: tree R²"] == pytest.approx(0.706)
    verdict, gains = trees.verdict_tree(t3)
    assert verdict == "reproduced" and not gains["Concrete Strength"]["gain"]
