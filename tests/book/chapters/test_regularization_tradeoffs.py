"""Chapter 02's glue numbers, timing helpers and verdict rules on small hand-made sweeps."""
import math

import pandas as pd
import pytest

from distillkit.book.chapters import cost_of_smoothness as cost
from distillkit.book.chapters import lambda_sweep as improvement
from distillkit.book.chapters import regularization_tradeoffs as tradeoffs
from distillkit.book.protocol import VERDICTS
from tests import sweeps as shared  # noqa: E402

LAMS = (0.0, 0.001, 0.01, 0.1)
#: the paper's curve shape on Concrete under literal; converged flat
PEAKED = {"literal": [0.10, 0.60, 0.20, 0.10], "converged": [0.50, 0.52, 0.55, 0.50]}


def _sweep(students=PEAKED, teacher=(0.85, 0.85, 0.84, 0.84), dataset="concrete", seeds=(0,)) -> pd.DataFrame:
    rows = []
    for reading, curve in students.items():
        for seed in seeds:
            for k, lam in enumerate(LAMS):
                rows.append(dict(dataset=dataset, lam=lam, seed=seed, noise=0.0, sr_reading=reading,
                                 teacher_r2=teacher[k], student_r2=curve[k], xgb_r2=0.9))
    return pd.DataFrame(rows)


def _by_key(sweep, primary="literal", focus="concrete", readings=("literal", "converged")):
    vs = tradeoffs.verdicts(sweep, focus, readings, primary=primary)
    assert [v.key for v in vs] == ["teacher", "peak"] and all(v.verdict in VERDICTS for v in vs)
    return {v.key: v for v in vs}


def test_rules_carry_the_thresholds():
    t = tradeoffs.rule("teacher")
    assert "{" not in t and "at most 0.02 reproduced, at most 0.05 partly" in t
    p = tradeoffs.rule("peak")
    assert "{" not in p and "best λ > 0 is 0.001" in p and "within 0.10 of the paper's 0.10 and 0.60" in p
    assert "at least 0.2 in R²" in p and "more than 0.05 R²" in p


@pytest.mark.parametrize("lowest, verdict", [(0.84, "reproduced"), (0.81, "partly reproduced"),
                                             (0.70, "not reproduced")])
def test_teacher_verdict_follows_the_largest_drop(lowest, verdict):
    v = _by_key(_sweep(teacher=(0.85, 0.85, lowest, 0.84), seeds=(0, 1, 2)))["teacher"]
    assert v.verdict == verdict and v.numbers["drop"] == pytest.approx(0.85 - lowest)
    assert v.evidence.startswith(f"On Concrete Strength the teacher R² is 0.850 at λ = 0 and at least "
                                 f"{lowest:.3f} over the grid (largest drop {0.85 - lowest:.3f}); teacher R² at "
                                 f"λ = 0.01 − λ = 0 {lowest - 0.85:+.3f}, 95% CI [")
    assert "over 3 seeds; non-inferiority margin -0.020" in v.evidence and "0 of 1 data sets left out" in v.evidence
    assert v.ours == f"largest drop {0.85 - lowest:.3f}" and v.paper == "no degradation even at high λ"
    (row,) = v.effects
    assert row["claim_kind"] == "noninferior" and row["n"] == 3 and row["estimate"] == pytest.approx(lowest - 0.85)


def test_one_run_cannot_say_not_reproduced():
    # the same 0.15 drop from one seed: no interval, so the rule's "not reproduced" becomes inconclusive
    v = _by_key(_sweep(teacher=(0.85, 0.85, 0.70, 0.84)))["teacher"]
    assert v.verdict == "inconclusive" and "at least 2 seeds are needed" in v.evidence
    sw = _sweep({"literal": [0.10, 0.15, 0.45, 0.10], "converged": PEAKED["converged"]})
    assert _by_key(sw, primary="converged")["peak"].verdict == "inconclusive"
    # a seed-to-seed spread that leaves the claimed gain inside the interval: inconclusive too
    rows = [_sweep({"converged": [0.50, 0.52, 0.55 + d, 0.50]}, seeds=(k,)) for k, d in enumerate((-0.3, 0.5, 0.0))]
    v = _by_key(pd.concat(rows, ignore_index=True), primary="converged", readings=("converged",))["peak"]
    assert v.verdict == "inconclusive" and v.effects[0]["ci_hi"] >= 0.5


def test_teacher_threshold_decides(monkeypatch):
    sw = _sweep(teacher=(0.85, 0.85, 0.81, 0.84))  # a drop of 0.04: partly reproduced by default
    monkeypatch.setitem(tradeoffs.THRESHOLDS, "drop_tol", 0.045)
    v = _by_key(sw)["teacher"]
    assert v.verdict == "reproduced" and "at most 0.045 reproduced" in v.rule


def test_incompetent_teacher_is_inconclusive():
    std = _sweep().assign(scale_target=True)
    raw = std.assign(scale_target=False, teacher_r2=std.teacher_r2 - 0.5)
    v = _by_key(pd.concat([std, raw], ignore_index=True))["teacher"]
    assert v.verdict == "inconclusive" and math.isnan(v.numbers["drop"])
    assert "1 of 1 data sets left out" in v.evidence


def test_peak_reproduced_with_evidence_of_both_readings():
    v = _by_key(_sweep())["peak"]
    assert v.claim == "The Concrete student peaks at λ = 0.001, from 0.10 to about 0.60"
    assert v.verdict == "reproduced" and v.numbers["reading"] == "literal"
    assert v.evidence.startswith("Under the literal reading (the one matching Table 6) the student goes from "
                                 "0.10 at λ = 0 to 0.60 at λ = 0.001; converged: 0.50 -> 0.55 at λ=0.01; "
                                 "student R² at λ = 0.001 − λ = 0 +0.500, 95% CI [no interval] over 1 seed; "
                                 "claimed +0.500 (the paper's Concrete peak): inconclusive")
    assert "0 of 2 (reading, data set) cells left out" in v.evidence
    assert v.ours == "0.10 -> 0.60 at λ = 0.001 (literal)"
    assert v.paper == "0.10 -> 0.60 at λ = 0.001"


def test_peak_elsewhere_is_partly_and_flat_is_not():
    sw = _sweep({"literal": [0.10, 0.15, 0.45, 0.10], "converged": PEAKED["converged"]}, seeds=(0, 1, 2))
    assert _by_key(sw)["peak"].verdict == "partly reproduced"  # +0.35 at λ = 0.01
    v = _by_key(sw, primary="converged")["peak"]  # +0.05 only, on every seed: the interval excludes +0.50
    assert v.verdict == "not reproduced" and v.effects[0]["ci_hi"] < 0.5 and v.effects[0]["claim"] == 0.5


def test_peak_thresholds_decide(monkeypatch):
    sw = _sweep({"literal": [0.10, 0.15, 0.45, 0.10], "converged": PEAKED["converged"]}, seeds=(0, 1))
    monkeypatch.setitem(tradeoffs.THRESHOLDS, "min_gain", 0.4)
    v = _by_key(sw)["peak"]
    assert v.verdict == "not reproduced" and "at least 0.4 in R²" in v.rule
    monkeypatch.setitem(tradeoffs.THRESHOLDS, "peak_lam", 0.01)  # the paper's peak moved to our best λ,
    monkeypatch.setitem(tradeoffs.THRESHOLDS, "peak_to", 0.45)  # and its height to ours
    v = _by_key(sw)["peak"]
    assert v.verdict == "reproduced" and v.claim.startswith("The Concrete student peaks at λ = 0.01, ")


def test_incompetent_student_is_inconclusive():
    sw = _sweep({"literal": [0.0, 0.60, 0.20, 0.10], "converged": PEAKED["converged"]})  # paper: 0.10
    v = _by_key(sw)["peak"]
    assert v.verdict == "inconclusive" and "1 of 2 (reading, data set) cells left out" in v.evidence
    shown = tradeoffs.competence_display(sw, "concrete")
    assert list(shown["in the verdict"]) == ["left out", "yes"]


def test_primary_not_run_falls_back_to_the_first_reading():
    sw = _sweep({"converged": PEAKED["literal"]})
    v = _by_key(sw, primary="literal", readings=("converged",))["peak"]
    assert v.verdict == "reproduced" and v.evidence.startswith("Under the converged reading")
    assert v.ours.endswith("(converged)")
    assert tradeoffs.verdicts(sw, "concrete", ("converged",))[1].numbers["reading"] == "converged"


def test_a_data_set_without_paper_values():
    sw = _sweep(dataset="toy")  # no yardstick: competent; the paper's Concrete numbers still decide
    v = _by_key(sw, focus="toy")
    assert v["peak"].verdict == "reproduced" and v["peak"].paper == ""
    assert v["teacher"].evidence.startswith("On toy the teacher R² is 0.850")
    g = tradeoffs.glues(sw, "toy", ("literal", "converged"))
    assert g["paper_best_lam"] == "none" and math.isnan(g["paper_std"]) and math.isnan(g["paper_best"])
    assert tradeoffs.paper_curve("diabetes").max() == pytest.approx(0.4531)


def test_glues():
    g = tradeoffs.glues(_sweep({"literal": PEAKED["literal"]}, seeds=(0, 1)), "concrete", ("literal",))
    assert g["focus"] == "Concrete Strength" and g["primary"] == "literal" and g["n_seeds"] == 2
    assert g["teacher_lam0"] == pytest.approx(0.85) and g["teacher_min"] == pytest.approx(0.84)
    assert g["teacher_drop"] == pytest.approx(0.01)
    assert g["student_std_literal"] == pytest.approx(0.10) and g["student_best_literal"] == pytest.approx(0.60)
    assert g["student_best_lam_literal"] == "0.001"
    assert math.isnan(g["student_std_converged"]) and math.isnan(g["student_best_lam_converged"])
    assert g["paper_std"] == pytest.approx(0.097) and g["paper_best"] == pytest.approx(0.5972)
    assert g["paper_best_lam"] == "0.001"


def _times(penalties=("exact", "jacfwd"), error=""):
    rows = [dict(penalty=p, lam=lam, repeat=r, epochs=10, seconds=10 * s, seconds_per_epoch=s, device="cpu",
                 error=error if p == "jacfwd" else "")
            for p in penalties for r in range(2) for lam, s in ((0.0, 1.0), (0.5, 3.0 if p == "exact" else 9.0))]
    return pd.DataFrame(rows)


def test_timing_helpers():
    assert tradeoffs.timing_epochs("paper", None) == (100, 100)
    assert tradeoffs.timing_epochs("paper", 10) == (10, 100)
    assert tradeoffs.timing_epochs("smoke", 10)[0] == tradeoffs.timing_epochs("smoke")[1]  # capped at the budget
    times = _times()
    g = tradeoffs.timing_glues(times, cost.overhead_ratios(times), "paper", 3, 10)
    assert g["ratio_exact"] == pytest.approx(3.0) and g["ratio_jacfwd"] == pytest.approx(9.0)
    assert g["device"] == "cpu" and g["repeats"] == 3 and (g["timing_epochs"], g["budget_epochs"]) == (10, 100)
    assert g["paper_ratio"] == 10.0
    assert tradeoffs.timing_caption("paper", 3, 10) == ("Lone-teacher training time per epoch, median of 3 fits "
                                                        "of 10 epochs")
    only = _times(("exact",))
    assert math.isnan(tradeoffs.timing_glues(only, cost.overhead_ratios(only), "paper", 3)["ratio_jacfwd"])
    assert tradeoffs.failed_penalty_notes(cost.overhead_ratios(times)) == []


def test_failed_penalty_note():
    times = _times(error="RuntimeError: no torch.func")
    (note,) = tradeoffs.failed_penalty_notes(cost.overhead_ratios(times))
    assert note == ("*The `jacfwd` penalty could not train a lone teacher in this build "
                    "(`RuntimeError: no torch.func`); it is left out.*")


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_simple_verdict_rules():
    assert improvement.verdict_average_improvement(100.0) == "reproduced"
    assert improvement.verdict_average_improvement(30.0) == "partly reproduced"
    assert improvement.verdict_average_improvement(500.0) == "partly reproduced"
    assert improvement.verdict_average_improvement(5.0) == "not reproduced"
    assert improvement.verdict_average_improvement(float("nan")) == "not reproduced"
    t = pd.Series([0.85, 0.84, 0.80], index=[0.0, 0.01, 0.5])
    assert tradeoffs.verdict_teacher_stable(t) == ("partly reproduced", pytest.approx(0.05))
    peak = pd.Series(shared.CURVES["concrete"]["literal"], index=shared.LAMS)
    assert tradeoffs.verdict_concrete_peak(peak)[0] == "reproduced"
    assert tradeoffs.verdict_concrete_peak(pd.Series([0.1, 0.2, 0.5], index=[0.0, 0.001, 0.5]))[0] == "partly reproduced"
