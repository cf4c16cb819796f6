"""The outcome rule (distillkit.stats.outcome) on synthetic data with known truth."""
import math

import numpy as np
import pytest

from distillkit.stats import outcome as oc

SESOI = oc.Claim(0.01, kind="sesoi", label="ΔR²")


def _null(n, seed=0, sd=0.02):
    return np.random.default_rng(seed).normal(0.0, sd, n)


def test_true_null_with_large_n_is_not_reproduced():
    e = oc.effect_from_units(_null(400), unit="data set", label="ΔR²")
    out = oc.decide(e, SESOI)
    assert out.outcome == oc.NOT
    assert e.lo < 0 < e.hi < SESOI.size  # the interval holds 0 and excludes the SESOI


def test_same_null_with_one_unit_is_inconclusive():
    e = oc.effect_from_units(_null(1), unit="data set")
    out = oc.decide(e, SESOI)
    assert out.outcome == oc.INCONCLUSIVE
    assert out.units_needed is None and "at least 2 data sets" in out.text()


def test_real_effect_is_reproduced():
    x = np.random.default_rng(1).normal(0.03, 0.02, 30)
    out = oc.decide(oc.effect_from_units(x, unit="data set"), SESOI)
    assert out.outcome == oc.REPRODUCED


def test_small_null_sample_is_inconclusive_and_says_how_many_units_decide():
    x = _null(5, seed=3)
    e = oc.effect_from_units(x, unit="trial")
    out = oc.decide(e, SESOI)
    assert out.outcome == oc.INCONCLUSIVE
    assert out.units_needed > 5
    # at that many units (same variance, estimate near 0), the null is decided
    big = oc.effect_from_units(_null(out.units_needed * 4, seed=4), unit="trial")
    assert oc.decide(big, SESOI).outcome == oc.NOT
    assert f"about {out.units_needed} trials would decide it" in out.text()


def test_real_but_smaller_than_claimed_is_partly_reproduced():
    x = np.random.default_rng(2).normal(0.2, 0.05, 200)  # +0.2 measured, +1.2 claimed
    out = oc.decide(oc.effect_from_units(x), oc.Claim(1.2, kind="claimed"))
    assert out.outcome == oc.PARTLY and "below the claimed effect" in out.reason


def test_claim_direction_minus_one():
    x = np.random.default_rng(5).normal(-0.05, 0.02, 50)
    assert oc.decide(oc.effect_from_units(x), oc.Claim(0.01, direction=-1)).outcome == oc.REPRODUCED
    assert oc.decide(oc.effect_from_units(x), oc.Claim(0.01, direction=1)).outcome == oc.NOT


def test_never_not_reproduced_while_the_interval_holds_the_claim():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 30))
        x = rng.normal(rng.normal(0, 0.02), rng.uniform(0.001, 0.05), n)
        e = oc.effect_from_units(x, n_resamples=999)
        out = oc.decide(e, SESOI)
        if e.lo <= SESOI.size <= e.hi:
            assert out.outcome != oc.NOT
        if out.outcome == oc.REPRODUCED:
            assert e.lo > 0


def test_bootstrap_is_deterministic_and_matches_scipy():
    from scipy.stats import bootstrap
    x = _null(20, seed=9)
    a, b = oc.effect_from_units(x, rng=3), oc.effect_from_units(x, rng=3)
    assert a == b
    ref = bootstrap((x,), np.mean, n_resamples=oc.N_RESAMPLES, method="BCa", rng=np.random.default_rng(3))
    assert (a.lo, a.hi) == (ref.confidence_interval.low, ref.confidence_interval.high)


def test_paired_effect_averages_within_units():
    a = np.array([1.0, 3.0, 2.0, 2.0, 5.0, 5.0])
    b = np.zeros(6)
    e = oc.paired_effect(a, b, units=["x", "x", "y", "y", "z", "z"], unit="data set")
    assert e.n == 3 and e.estimate == pytest.approx(3.0)
    with pytest.raises(ValueError, match="differ in length"):
        oc.paired_effect([1, 2], [1])


def test_all_equal_units_give_a_point_interval():
    e = oc.effect_from_units(np.zeros(25), unit="trial")
    assert (e.lo, e.hi) == (0.0, 0.0)
    assert oc.decide(e, SESOI).outcome == oc.NOT


def test_paired_proportions_zero_discordant_pairs_is_inconclusive_not_a_point():
    # 0 vs 0 of 27: the rates could still differ by ~0.12 either way
    e = oc.paired_proportion_effect([False] * 27, [False] * 27, unit="equation")
    assert e.estimate == 0 and e.lo < -0.1 and e.hi > 0.1
    assert oc.decide(e, oc.Claim(0.05)).outcome == oc.INCONCLUSIVE


def test_paired_proportions_interval_covers_at_its_level():
    # simulated paired booleans with a known difference of rates: the interval should cover
    # it about 95 % of the time (Newcombe 1998 reports 0.93-0.96 for his method 10 at n ~ 30)
    rng = np.random.default_rng(11)
    probs, true = [0.3, 0.2, 0.1, 0.4], 0.2 - 0.1  # both, a only, b only, neither
    hits = 0
    for _ in range(1000):
        cls = rng.choice(4, size=30, p=probs)
        e = oc.paired_proportion_effect(np.isin(cls, (0, 1)), np.isin(cls, (0, 2)))
        hits += e.lo <= true <= e.hi
    assert 0.92 <= hits / 1000 <= 0.985


def test_wilson_and_mcnemar_equal_the_hand_formulas():
    from scipy.stats import binomtest
    z = 1.959963984540054
    for k, n in [(0, 27), (3, 10), (10, 10), (7, 40)]:
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo, hi = oc.wilson_interval(k, n)
        assert lo == pytest.approx(0.0 if k == 0 else centre - half, abs=1e-12)
        assert hi == pytest.approx(1.0 if k == n else centre + half, abs=1e-12)
    assert math.isnan(oc.wilson_interval(0, 0)[0])
    for x, y in [(0, 1), (3, 9), (5, 5), (0, 0)]:
        ref = binomtest(x, x + y, 0.5).pvalue if x + y else 1.0
        assert oc.mcnemar_exact(x, y) == pytest.approx(ref, rel=1e-12)


def test_effect_from_interval_recovers_sd_and_decides():
    e = oc.effect_from_interval(0.004, -0.002, 0.010, n=20, unit="data set", method="mixed model")
    out = oc.decide(e, SESOI)
    assert out.outcome == oc.INCONCLUSIVE and out.units_needed > 20
    assert e.sd == pytest.approx(0.012 * math.sqrt(20) / (2 * 1.959963984540054))
    with pytest.raises(ValueError, match="outside its interval"):
        oc.effect_from_interval(1.0, 0.0, 0.5, n=3)


def test_bad_claims_fail_with_one_line():
    for kw in ({"size": 0}, {"size": -1}, {"size": 0.1, "kind": "big"}, {"size": 0.1, "direction": 0}):
        with pytest.raises(ValueError):
            oc.Claim(**kw)
    with pytest.raises(ValueError, match="stat must be"):
        oc.effect_from_units([1, 2], stat="max")


def test_text_and_dict_carry_every_number():
    out = oc.decide(oc.effect_from_units(_null(400), unit="data set", label="ΔR²"), SESOI)
    t = out.text()
    for part in ("ΔR²", "95% CI", "400 data sets", "smallest effect of interest +0.010", "not reproduced"):
        assert part in t
    d = out.as_dict()
    assert d["outcome"] == oc.NOT and d["n"] == 400 and d["claim"] == 0.01 and d["ci_lo"] < d["ci_hi"]


def test_noninferiority_claims():
    margin = oc.Claim(0.01, kind="noninferior")
    same = oc.effect_from_units(_null(400, seed=12), unit="data set")
    assert oc.decide(same, margin).outcome == oc.REPRODUCED  # no loss beyond 0.01
    worse = oc.effect_from_units(np.random.default_rng(13).normal(-0.05, 0.02, 50))
    assert oc.decide(worse, margin).outcome == oc.NOT
    few = oc.effect_from_units(_null(3, seed=14, sd=0.05))
    out = oc.decide(few, margin)
    assert out.outcome == oc.INCONCLUSIVE and (out.units_needed is None or out.units_needed > 3)
    assert "non-inferiority margin -0.010" in out.text()


def test_nonsuperiority_claims():
    bound = oc.Claim(0.02, kind="nonsuperior", label="no gain")
    same = oc.effect_from_units(_null(400, seed=21), unit="data set")  # true null, large n
    out = oc.decide(same, bound)
    assert out.outcome == oc.REPRODUCED and out.effect.hi < 0.02
    assert "claimed no gain: smallest gain of interest +0.020" in out.text()
    gain = oc.effect_from_units(np.random.default_rng(22).normal(0.06, 0.02, 40))  # a real gain
    assert oc.decide(gain, bound).outcome == oc.NOT and oc.excludes_claim(gain, bound)
    loss = oc.effect_from_units(np.random.default_rng(23).normal(-0.06, 0.02, 40))  # a loss is no gain
    assert oc.decide(loss, bound).outcome == oc.REPRODUCED and not oc.excludes_claim(loss, bound)
    one = oc.effect_from_units([0.0], unit="data set")  # the same null with one unit
    assert oc.decide(one, bound).outcome == oc.INCONCLUSIVE
    few = oc.effect_from_units(_null(4, seed=24, sd=0.05), unit="data set")
    out = oc.decide(few, bound)
    assert out.outcome == oc.INCONCLUSIVE and out.units_needed > 4 and not oc.excludes_claim(few, bound)
    z = 1.959963984540054  # n* = (z sd / |c - θ|)² rounded up
    assert out.units_needed == max(math.ceil((z * few.sd / abs(0.02 - few.estimate)) ** 2), 5)
    # direction -1: a gain is a fall (e.g. fewer leaves); a rise is no gain
    fewer = oc.Claim(1.0, kind="nonsuperior", direction=-1)
    assert oc.decide(oc.effect_from_units([-3.0, -4.0, -3.5, -5.0]), fewer).outcome == oc.NOT
    assert oc.decide(oc.effect_from_units([0.0, 0.0, 0.0]), fewer).outcome == oc.REPRODUCED
    assert oc.decide(oc.effect_from_units([2.0, 3.0, 2.5]), fewer).outcome == oc.REPRODUCED


def test_an_estimate_on_the_bound_says_so_instead_of_a_huge_count():
    e = oc.Effect(0.0099, -0.02, 0.04, 20, "data set", "test", 0.07, "ΔR²")
    out = oc.decide(e, oc.Claim(0.0100, kind="noninferior"))  # θ + c = 0.0199 from the margin: a count
    assert out.outcome == oc.INCONCLUSIVE and "would decide it" in out.text()
    e = oc.Effect(-0.00999, -0.04, 0.02, 20, "data set", "test", 0.07, "ΔR²")  # θ + c = 1e-5: on the margin
    out = oc.decide(e, oc.Claim(0.01, kind="noninferior"))
    assert out.units_needed > oc.FAR * 20
    assert "more data sets than 100 times those in hand" in out.text() and "decision bound" in out.text()


def test_combine():
    R, P, N, I = oc.REPRODUCED, oc.PARTLY, oc.NOT, oc.INCONCLUSIVE
    assert oc.combine([R, R]) == R and oc.combine([N, N]) == N
    assert oc.combine([R, N]) == P and oc.combine([P, I]) == P
    assert oc.combine([N, I]) == I and oc.combine([]) == I
    with pytest.raises(ValueError, match="unknown outcome"):
        oc.combine(["maybe"])


def test_paired_proportions_no_discordant_pair_is_never_a_point():
    # helper D's case: 30 both true, 30 both false, no discordant pair (phi = 1)
    e = oc.paired_proportion_effect([True] * 30 + [False] * 30, [True] * 30 + [False] * 30)
    u = oc.wilson_interval(0, 60)[1]
    assert e.estimate == 0 and e.lo == pytest.approx(-u) and e.hi == pytest.approx(u) and u > 0.05


def test_excludes_claim_agrees_with_not_reproduced_for_every_kind():
    rng = np.random.default_rng(31)
    for kind, direction in (("sesoi", 1), ("claimed", 1), ("noninferior", 1), ("nonsuperior", 1), ("nonsuperior", -1)):
        claim = oc.Claim(0.02, kind=kind, direction=direction)
        for mean in (-0.08, -0.02, 0.0, 0.01, 0.05, 0.1):
            eff = oc.effect_from_units(rng.normal(mean, 0.02, 30))
            out = oc.decide(eff, claim)
            if out.outcome == oc.NOT:
                assert oc.excludes_claim(eff, claim), (kind, direction, mean)
