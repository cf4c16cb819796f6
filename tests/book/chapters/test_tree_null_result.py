"""Chapter 04 (distillkit.book.chapters.tree_null_result): the tree verdict, its rule and the glued numbers, on small
hand-made sweeps (no training, no data files)."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
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


FIVE = ("concrete", "california", "diabetes", "abalone", "wine_red")
# λ = 0 trees near the paper's (Concrete 0.709, California 0.599: the competence yardsticks)
BASE = {"concrete": 0.72, "california": 0.60, "diabetes": 0.40, "abalone": 0.50, "wine_red": 0.30}


def changed(deltas: dict) -> dict:
    """Tree R² per λ: BASE everywhere, BASE + delta at the SR student's best λ (0.001)."""
    return {ds: flat(BASE[ds], BASE[ds] + d) for ds, d in deltas.items()}


@pytest.mark.parametrize("deltas, expected", [
    (dict(zip(FIVE, (0.004, -0.003, 0.001, 0.0, -0.002))), "reproduced"),      # below a +0.02 gain
    (dict(zip(FIVE, (-0.05, -0.06, -0.045, -0.055, -0.05))), "reproduced"),    # a loss is no gain
    (dict(zip(FIVE, (0.05, 0.06, 0.045, 0.055, 0.05))), "not reproduced"),     # a gain beyond 0.02
    (dict(zip(FIVE[:2], (0.03, -0.01))), "inconclusive"),                       # 2 data sets, spread
])
def test_tree_verdict_outcomes(deltas, expected):
    (v,) = trees.verdicts(sweep(changed(deltas)), "literal")
    assert v.key == "tree" and v.verdict == expected
    assert (f"Concrete Strength: 0.720 -> {0.72 + deltas['concrete']:.3f} (λ = 0.001, 32 leaves)") in v.evidence
    assert "(regularized λ = best SR λ under the literal reading)" in v.evidence
    assert f"0 of {len(deltas)} data sets left out" in v.evidence
    assert v.numbers["Concrete Strength"] == pytest.approx(deltas["concrete"])
    assert v.paper.startswith("Concrete Strength standard 0.709; Concrete Strength regularized 0.706")
    (r2, leaves) = v.effects  # one row per arm: estimate, interval, equivalence bound
    assert r2["arm"] == "test R²" and r2["claim_kind"] == "nonsuperior" and r2["claim"] == 0.02
    assert r2["estimate"] == pytest.approx(np.mean(list(deltas.values())))
    assert leaves["arm"] == "leaves" and leaves["outcome"] == "reproduced"  # 32 leaves throughout
    if expected == "inconclusive":
        assert "data sets would decide it" in v.evidence
        assert r2["units_needed"] > len(deltas)
    if expected == "not reproduced":
        assert r2["ci_lo"] >= 0.02  # never "not reproduced" while the interval holds a smaller gain


def test_fewer_leaves_is_a_gain():
    leaves = {ds: [32, 20, 32, 32, 32, 32] for ds in FIVE}
    (v,) = trees.verdicts(sweep(changed(dict.fromkeys(FIVE, 0.0)), leaves=leaves), "literal")
    assert v.verdict == "not reproduced" and "20 leaves" in v.evidence
    assert [e["outcome"] for e in v.effects] == ["reproduced", "not reproduced"]


def test_one_data_set_is_inconclusive():
    (v,) = trees.verdicts(sweep(changed({"concrete": 0.0})), "literal")
    assert v.verdict == "inconclusive" and "at least 2 data sets are needed" in v.evidence


def test_incompetent_trees_are_left_out():
    # California's λ = 0 tree 0.50 is more than 0.05 below the paper's 0.599: it does not count
    trees_by_ds = changed(dict(zip(FIVE, (0.004, -0.003, 0.001, 0.0, -0.002))))
    trees_by_ds["california"] = flat(0.50, 0.60)
    (v,) = trees.verdicts(sweep(trees_by_ds), "literal")
    assert v.verdict == "reproduced" and "1 of 5 data sets left out" in v.evidence
    assert "California" not in v.ours and "California Housing" not in v.numbers
    sw = sweep({"concrete": flat(0.60, 0.70), "california": flat(0.50, 0.60)})
    assert trees.verdicts(sw, "literal")[0].verdict == "inconclusive"


def test_rule_carries_the_thresholds(monkeypatch):
    assert "a rise of 0.02 R²" in trees.rule("tree") and "at most 0.05 R²" in trees.rule("tree")
    sw = sweep(changed(dict(zip(FIVE, (0.03, 0.035, 0.032, 0.03, 0.031)))))
    assert trees.verdicts(sw, "literal")[0].verdict == "not reproduced"
    monkeypatch.setitem(trees.THRESHOLDS, "gain", 0.05)  # rule and decision move together
    (v,) = trees.verdicts(sw, "literal")
    assert v.verdict == "reproduced" and "a rise of 0.05 R²" in v.rule


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
    ch = trees.tree_changes(shared.fake_sweep(shared.CURVES), "literal").set_index("dataset")
    assert ch.loc["Concrete Strength", "lam"] == 0.001 and ch.loc["Concrete Strength", "delta_leaves"] == 0
