"""Chapter 05's verdicts and the numbers its prose uses, on hand-made tables with known answers."""
from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib
import numpy as np

from distillkit.book import analyses
from distillkit.experiments import paper
from distillkit.book.chapters import snr_and_noise as snr
from distillkit.book.verdict import Verdict
from tests import sweeps as shared  # noqa: E402

LAMS = (0.0, 0.001, 0.01, 0.1)

#: student R² per λ of LAMS: Concrete gains 500 % (0.10 -> 0.60), Abalone 10 %, Wine nothing;
#: every λ = 0 student is competent (the paper's Table 2: 0.10, 0.39, 0.18)
CURVES = {"concrete": [0.10, 0.60, 0.30, 0.20], "abalone": [0.40, 0.44, 0.42, 0.41],
          "wine_red": [0.18, 0.18, 0.17, 0.18]}

#: the label-noise sweep on Concrete, student R² per λ at each α: the λ = 0 students are
#: competent (Table 9: 0.10, 0.24, 0.36, 0.33) and the signs of the improvements are the
#: paper's (-, +, +)
NOISY = {0.0: CURVES["concrete"], 0.1: [0.24, 0.20, 0.20, 0.19], 0.25: [0.36, 0.40, 0.38, 0.37],
         0.5: [0.33, 0.35, 0.34, 0.33]}


def fake_sweep(curves: dict, noise: float = 0.0, readings=("literal", "converged")) -> pd.DataFrame:
    rows = []
    for ds, curve in curves.items():
        for reading in readings:
            for k, lam in enumerate(LAMS):
                rows.append(dict(dataset=ds, lam=lam, seed=0, noise=noise, sr_reading=reading,
                                 teacher_r2=0.8, student_r2=curve[k], xgb_r2=0.9, linear_r2=0.6,
                                 tree_r2=0.7, tree_leaves=32, complexity=10, formula="X0",
                                 formula_latex="x_0", sr_generations=1))
    return pd.DataFrame(rows)


def noisy_sweep(curves: dict = NOISY) -> pd.DataFrame:
    return pd.concat([fake_sweep({"concrete": c}, noise=a) for a, c in curves.items()], ignore_index=True)


def snr_tab(concrete=2.60, wine=1.56, abalone=2.2) -> pd.DataFrame:
    return pd.DataFrame({"dataset": ["concrete", "abalone", "wine_red"], "paper": [2.60, math.nan, 1.56],
                         "full": [concrete, abalone, wine], "held_out": [2.75, 2.0, 1.51]})


def by_key(sweep=None, table=None, noisy=None, reading="literal") -> dict[str, Verdict]:
    sweep = fake_sweep(CURVES) if sweep is None else sweep
    out = snr.verdicts(sweep, snr_tab() if table is None else table,
                       noisy_sweep() if noisy is None else noisy, reading=reading)
    return {v.key: v for v in out}


def test_rules_carry_their_thresholds(monkeypatch):
    assert set(snr.RULES) == {"values", "explain", "noise"}
    assert "within 0.05 of both" in snr.rule("values") and "within 0.25" in snr.rule("values")
    assert "at most 5 %" in snr.rule("explain") and "at least 0.5" in snr.rule("explain")
    assert "50% of them" in snr.rule("noise")
    monkeypatch.setitem(snr.THRESHOLDS, "min_rho", 0.7)
    assert "at least 0.7" in snr.rule("explain")
    assert all("{" not in snr.rule(k) for k in snr.RULES)


def test_all_reproduced_with_the_numbers_in_the_evidence():
    v = by_key()
    assert [x.key for x in snr.verdicts(fake_sweep(CURVES), snr_tab(), noisy_sweep(), reading="literal")] == [
        "values", "explain", "noise"]
    assert {k: x.verdict for k, x in v.items()} == dict.fromkeys(v, "reproduced")
    assert all(x.rule == snr.rule(k) for k, x in v.items())
    assert v["values"].evidence.startswith("In-sample linear fit: Concrete 2.60, Wine 1.56; held-out: 2.75 and 1.51;")
    assert "match the in-sample version (max difference 0.000)" in v["values"].evidence
    assert v["values"].paper == "Concrete Strength 2.60, Wine Quality Red 1.56" == v["values"].ours
    e = v["explain"].evidence
    assert "Wine has the lowest SNR of the 3 data sets; its improvement (literal) is 0.0 %" in e
    assert "Spearman ρ(SNR, improvement) = 1.00" in e and "0 of 6 (reading, data set) cells left out" in e
    assert v["explain"].ours == "lowest SNR: Wine Quality Red; ρ = 1.00"
    e = v["noise"].evidence
    assert e.startswith("Improvement at α = 0, 0.1, 0.25, 0.5 (literal): +500.0 %, -16.7 %, +11.1 %, +6.1 %;")
    assert "paper: +0.0 %, -22.5 %, +56.5 %, +8.7 %; signs match at 3/3 noise levels α > 0" in e
    assert v["noise"].ours == "+500.0 %, -16.7 %, +11.1 %, +6.1 %"


def test_snr_values_partly_and_not():
    assert by_key(table=snr_tab(concrete=2.80))["values"].verdict == "partly reproduced"
    v = by_key(table=snr_tab(concrete=3.00))["values"]
    assert v.verdict == "not reproduced" and v.numbers["max_diff_in_sample"] == pytest.approx(0.4)
    assert "Concrete 3.00" in v.evidence and "match the held-out version (max difference 0.150)" in v.evidence


def test_snr_explains_partly_not_and_inconclusive(monkeypatch):
    # Wine lowest, SNR and improvement go together, but Wine gains 11 %: (a) and (c), not (b)
    gains = fake_sweep({**CURVES, "wine_red": [0.18, 0.20, 0.19, 0.18]})
    v = by_key(sweep=gains)["explain"]
    assert v.verdict == "partly reproduced"
    assert "its improvement (literal) is 11.1 %; Spearman ρ(SNR, improvement) = 0.50" in v.evidence
    monkeypatch.setitem(snr.THRESHOLDS, "no_gain", 20.0)  # the rule and the decision move together
    v = by_key(sweep=gains)["explain"]
    assert v.verdict == "reproduced" and "at most 20 %" in v.rule
    # Wine is not the lowest
    v = by_key(table=snr_tab(wine=2.0, abalone=1.9))["explain"]
    assert v.verdict == "not reproduced" and v.evidence.startswith("Wine does not have the lowest SNR")
    # Wine's λ = 0 student failed (the paper's 0.18): the claim cannot be judged
    failed = {**CURVES, "wine_red": [-0.2, 0.18, 0.18, 0.18]}
    v = by_key(sweep=fake_sweep(failed))["explain"]
    assert v.verdict == "inconclusive" and "2 of 6 (reading, data set) cells left out" in v.evidence


def test_noise_partly_not_and_inconclusive():
    two = {**NOISY, 0.5: [0.33, 0.30, 0.31, 0.32]}  # α = 0.5 now worse: 2 of 3 signs match
    v = by_key(noisy=noisy_sweep(two))["noise"]
    assert v.verdict == "partly reproduced" and "signs match at 2/3 noise levels" in v.evidence
    one = {**two, 0.25: [0.36, 0.30, 0.31, 0.32]}
    assert by_key(noisy=noisy_sweep(one))["noise"].verdict == "not reproduced"
    failed = {a: [c[0] - 0.3] + list(c[1:]) for a, c in NOISY.items()}  # every λ = 0 student failed
    v = by_key(noisy=noisy_sweep(failed))["noise"]
    assert v.verdict == "inconclusive" and "8 of 8 (reading, noise level) cells left out" in v.evidence


def test_thresholds_are_the_defaults_of_the_rules():
    assert snr.verdict_snr_values.__defaults__[1:] == (snr.THRESHOLDS["values_tol"],
                                                       snr.THRESHOLDS["values_partly_tol"])
    table = snr_tab(concrete=2.70)  # 0.10 off the paper
    assert snr.verdict_snr_values(table)[0] == "partly reproduced"
    assert snr.verdict_snr_values(table, tol=0.2)[0] == "reproduced"
    assert snr.verdict_snr_values(table, partly_tol=0.05)[0] == "not reproduced"


def test_glues_hold_the_prose_numbers():
    g = snr.snr_glues(snr_tab(concrete=2.61), n_seeds=3)
    assert g["snr_version"] == snr.VERSION_NAMES["full"] and g["snr_diff"] == pytest.approx(0.01)
    assert (g["snr_concrete_full"], g["snr_concrete_held"], g["snr_concrete_paper"]) == (2.61, 2.75, 2.60)
    assert g["lowest_snr"] == "Wine Quality Red" and g["n_seeds"] == 3
    held = snr_tab().assign(held_out=[2.60, 2.0, 1.56], full=[1.0, 2.0, 3.0])
    assert snr.snr_glues(held, 1)["snr_version"] == "the held-out test split"

    summary = snr.lambda_summary(fake_sweep(CURVES, readings=("literal",)))
    r = snr.rho_glues(snr_tab(), summary)
    assert r["rho_literal"] == pytest.approx(1.0) and math.isnan(r["rho_converged"])
    assert r["rho_paper"] == pytest.approx(1.0)  # Wine 0 %, Abalone 13.3 %, Concrete 515.5 % in Table 2

    noisy = noisy_sweep({a: c for a, c in NOISY.items()})
    n = snr.noise_glues(snr.noise_table(noisy), noisy)
    assert n["noise_dataset"] == "Concrete Strength" and n["noise_alphas"] == "0, 0.1, 0.25, 0.5"
    assert n["noise_impr_literal"] == "+500.0 %, -16.7 %, +11.1 %, +6.1 %"
    assert n["noise_std_converged"] == "0.10, 0.24, 0.36, 0.33"
    assert n["noise_paper_impr"] == "+0.0 %, -22.5 %, +56.5 %, +8.7 %"
    assert n["noise_paper_std"] == "0.10, 0.24, 0.36, 0.33"
    assert n["paper_t9_zero"] == 0.0 and n["paper_t2_concrete"] == pytest.approx(515.5)
    one = noisy_sweep()
    one = one[one.sr_reading == "literal"]
    assert snr.noise_glues(snr.noise_table(one), one)["noise_impr_converged"] == ""


def test_primary_reading_is_the_one_with_the_papers_repeated_cells():
    flat = fake_sweep({"concrete": [0.1] * 4, "wine_red": [0.18] * 4}, readings=("literal",))
    varied = fake_sweep({"concrete": [0.1, 0.2, 0.3, 0.4], "wine_red": [0.1, 0.2, 0.3, 0.15]},
                        readings=("converged",))
    assert analyses.primary_reading(pd.concat([flat, varied])) == "literal"
    swapped = pd.concat([flat.assign(sr_reading="converged"), varied.assign(sr_reading="literal")])
    assert analyses.primary_reading(swapped) == "converged"


def test_noise_sweep_runs_the_focus_data_set_at_every_alpha(monkeypatch):
    calls = []
    monkeypatch.setattr(snr, "paper_sweep", lambda *a, **kw: calls.append((a, kw)) or "sweep")
    assert snr.noise_sweep("smoke", '["wine_red", "concrete"]', None, 2, ["literal"], 1, "[0, 0.25]") == "sweep"
    (args, kw), = calls
    assert args == ("smoke", ["concrete"], None, 2, ["literal"], 1) and kw == {"noises": (0.0, 0.25)}
    snr.noise_sweep("smoke", ["wine_red"], noise_levels=[0.1])
    assert calls[-1][0][1] == ["wine_red"] and calls[-1][1] == {"noises": (0.1,)}


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_noise_table_against_same_noise_standard():
    sw = pd.concat([shared.fake_sweep(shared.CURVES, noise=0.0),
                    shared.fake_sweep({"concrete": {"literal": [0.2, 0.1, 0.15, 0.1, 0.1, 0.1],
                                             "converged": [0.2, 0.3, 0.2, 0.2, 0.2, 0.2]}}, noise=0.1)])
    sw = sw[sw.dataset == "concrete"]
    nt = snr.noise_table(sw)
    assert nt.loc[(0.1, "ours (literal)"), "improvement (%)"] == pytest.approx(-25.0)
    assert nt.loc[(0.1, "ours (literal)"), f"improvement at λ={paper.FIGURE2_BEST_LAM} (%)"] == pytest.approx(-50.0)
    assert nt.loc[(0.1, "paper"), "improvement (%)"] == pytest.approx(-22.5)
    verdict, info = snr.verdict_noise(nt, "literal")
    assert info["match"] == {0.1: True} and verdict == "reproduced"
    verdict, info = snr.verdict_noise(nt, "converged")
    assert verdict == "not reproduced"


def test_snr_verdicts():
    table = pd.DataFrame({"dataset": ["concrete", "wine_red", "abalone"], "paper": [2.60, 1.56, np.nan],
                        "full": [2.601, 1.564, 2.2], "held_out": [2.4, 1.5, 2.1]})
    assert snr.snr_matching_version(table)[0] == "full"
    assert snr.verdict_snr_values(table)[0] == "reproduced"
    summ = pd.DataFrame({"dataset": ["concrete", "wine_red", "abalone"], "sr_reading": "literal",
                         "improvement_pct": [500.0, 0.0, 10.0]})
    verdict, info = snr.verdict_snr_explains(table, summ, "literal")
    assert info["wine_lowest_snr"] and info["rho"] == pytest.approx(1.0) and verdict == "reproduced"
    summ.loc[summ.dataset == "wine_red", "improvement_pct"] = 50.0
    assert snr.verdict_snr_explains(table, summ, "literal")[0] == "partly reproduced"
    # Wine lowest and flat, but the other data sets do not follow SNR: only partly
    summ["improvement_pct"] = [0.0, 0.0, 30.0]
    verdict, info = snr.verdict_snr_explains(table, summ, "literal")
    assert info["rho"] < 0.5 and verdict == "partly reproduced"
