r"""The outcome rule of every verdict that compares two arms: what the data can decide.

API (everything a chapter needs; nothing else is required)
----------------------------------------------------------
1. Measure the effect of arm A over arm B, with a 95 % interval, over the *replication unit*
   (data set, trial, equation, seed) -- one of:

   * :func:`effect_from_units` ``(values, unit=..., label=...)``: one effect per unit (e.g. the
     per-data-set mean ΔR²); estimate = their mean (or median), interval = bootstrap over the
     units (``scipy.stats.bootstrap``, BCa, percentile when BCa cannot be computed);
   * :func:`paired_effect` ``(a, b, units=None, ...)``: paired scores ``a - b``, first
     averaged within each unit when ``units`` is given, then :func:`effect_from_units`;
   * :func:`paired_proportion_effect` ``(a, b, unit=...)``: paired booleans (e.g. symbolic
     solution with / without a smooth teacher): difference of rates with Newcombe's hybrid
     score interval for paired proportions (his method 10, from Wilson intervals), which stays
     honest with zero or few discordant pairs where a bootstrap would collapse to a point;
   * :func:`effect_from_interval` ``(estimate, lo, hi, n, unit=..., method=...)``: a test's own
     interval (e.g. a mixed model's coefficient).

2. State what is claimed: :class:`Claim` ``(size, kind="sesoi"|"claimed"|"noninferior"|"nonsuperior",
   direction=+1, label=...)`` -- the paper's claimed effect (``kind="claimed"``, e.g. +120 %) or,
   where the paper claims only "significant", the smallest effect of interest (SESOI,
   ``kind="sesoi"``, e.g. ΔR² = 0.01), stated once in the chapter's ``THRESHOLDS``; for a claim
   "A is at least as good as B", ``kind="noninferior"`` with ``size`` the margin; for a null
   claim ("A gives no gain over B"), ``kind="nonsuperior"`` with ``size`` the smallest gain of
   interest.

3. :func:`decide` ``(effect, claim) -> Outcome``; ``Outcome.outcome`` is one of
   :data:`OUTCOMES`, ``Outcome.text()`` one sentence for the evidence column (estimate,
   interval, units, claim, outcome, and for an inconclusive outcome the units that would
   decide), ``Outcome.as_dict()`` the numbers for glue / JSON.

The rule
--------
Write the claim's direction as :math:`s \in \{+1, -1\}` and its size (claimed effect or SESOI)
as :math:`c > 0`; sign-normalize the effect, :math:`\hat\theta = s\,\hat\delta` with interval
:math:`[L, U]` (the 95 % interval of :math:`s\,\delta`). Then

* **reproduced** if :math:`L > 0` and :math:`U \ge c`: the interval excludes zero in the claimed
  direction and reaches the claimed size (for a SESOI: the effect is real and an effect of
  interest is compatible with the data);
* **partly reproduced** if :math:`L > 0` and :math:`U < c`: real, but smaller than claimed
  (smaller than any effect of interest);
* **not reproduced** if :math:`L \le 0` and :math:`U < c`: the interval excludes the claimed
  effect (the SESOI), so the data are inconsistent with the claim. This is the equivalence
  logic of Lakens (2017): a 90 % interval inside :math:`(-c, c)` is a TOST at 5 %; we use the
  one-sided half of it, that the upper end of the 95 % interval stays below :math:`c`
  (a one-sided test of :math:`\theta \ge c` at 2.5 %);
* **inconclusive** otherwise (:math:`L \le 0` and :math:`U \ge c`): the interval holds both
  zero and the claim. Then :func:`units_needed` says how many units the observed variance
  says would decide it: with the per-unit standard deviation :math:`\hat\sigma` (from the
  units, or recovered from a test's interval as :math:`\hat\sigma = (U-L)\sqrt n / (2 z)`) and
  the estimate held fixed, the half-width :math:`z\hat\sigma/\sqrt n` must fall below the
  distance to the nearer decision bound, :math:`\max(\hat\theta, c - \hat\theta)`, so
  :math:`n^* = \lceil (z\hat\sigma / \max(\hat\theta, c - \hat\theta))^2 \rceil`
  (:math:`\max(\hat\theta, c-\hat\theta) \ge c/2 > 0`, so :math:`n^*` is always finite), and at
  least :math:`n + 1` (the data in hand did not decide it).

A **non-inferiority** claim ("A serves at least as well as B", margin :math:`m = c`) reads
the same interval against :math:`-m`: reproduced if :math:`L > -m` (A is at most :math:`m`
worse), not reproduced if :math:`U < -m` (A is worse by more than the margin), inconclusive
otherwise, with :math:`n^* = \lceil (z\hat\sigma / |\hat\theta + m|)^2 \rceil`.

A **non-superiority** claim ("A gives no gain over B", the paper's null results; smallest gain
of interest :math:`c`) is the upper half of Lakens' equivalence test read on the same 95 %
interval: reproduced if :math:`U < c` (the data exclude every gain of interest; a loss does
not contradict "no gain"), not reproduced if :math:`L \ge c` (the data exclude every effect
smaller than a gain of interest), inconclusive otherwise, with
:math:`n^* = \lceil (z\hat\sigma / |c - \hat\theta|)^2 \rceil`.

:func:`combine` joins the outcomes of one claim tested in several arms (students, readings):
all reproduced -> reproduced; all not reproduced -> not reproduced; otherwise, if any is
inconclusive and none is reproduced or partly -> inconclusive; else partly reproduced.

By construction no outcome is "not reproduced" while the interval contains the claimed effect
(or the SESOI). One unit cannot estimate a variance: its interval is :math:`(-\infty, \infty)`
and the outcome inconclusive (``units_needed`` None: "needs at least 2 units").
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

REPRODUCED, PARTLY, NOT, INCONCLUSIVE = OUTCOMES = ("reproduced", "partly reproduced", "not reproduced",
                                                    "inconclusive")
LEVEL = 0.95
KINDS = ("sesoi", "claimed", "noninferior", "nonsuperior")
#: an inconclusive outcome needing more than this many times the units in hand says so instead
#: of printing a number no study would collect
FAR = 100
#: bootstrap resamples (``scipy.stats.bootstrap``)
N_RESAMPLES = 9999


@dataclass(frozen=True)
class Effect:
    """An effect of arm A over arm B: ``estimate`` with its ``level`` interval ``[lo, hi]``
    over ``n`` replication units named ``unit``; ``sd`` the per-unit standard deviation
    (NaN if unknown); ``method`` how the interval was made; ``label`` what is measured."""
    estimate: float
    lo: float
    hi: float
    n: int
    unit: str = "unit"
    method: str = ""
    sd: float = math.nan
    label: str = "effect"
    level: float = LEVEL

    def text(self, fmt: str = "{:+.3f}") -> str:
        if not np.isfinite(self.estimate):
            return f"{self.label}: no {self.unit} to measure"
        ci = (f"[{fmt.format(self.lo)}, {fmt.format(self.hi)}]" if np.isfinite(self.lo) and np.isfinite(self.hi)
              else "[no interval]")
        return (f"{self.label} {fmt.format(self.estimate)}, {self.level:.0%} CI {ci} over {self.n} "
                f"{_plural(self.unit, self.n)}")


@dataclass(frozen=True)
class Claim:
    """What a verdict tests: an effect of ``size`` > 0 in ``direction`` (+1: A above B).

    ``kind`` "claimed" is the paper's own size; "sesoi" the smallest effect of interest where
    the paper claims only a significant difference; "noninferior" a claim that A is no worse
    than B by more than ``size``; "nonsuperior" a null claim, that A gains less than ``size`` over
    B."""
    size: float
    kind: str = "sesoi"
    direction: int = 1
    label: str = ""

    def __post_init__(self):
        if not (np.isfinite(self.size) and self.size > 0):
            raise ValueError(f"a claim's size must be finite and > 0, got {self.size!r}")
        if self.kind not in KINDS:
            raise ValueError(f"claim kind must be one of {KINDS}, got {self.kind!r}")
        if self.direction not in (1, -1):
            raise ValueError(f"claim direction must be +1 or -1, got {self.direction!r}")

    def text(self, fmt: str = "{:+.3f}") -> str:
        if self.kind == "noninferior":
            what = f"non-inferiority margin {fmt.format(-self.direction * self.size)}"
        elif self.kind == "nonsuperior":
            what = f"claimed no gain: smallest gain of interest {fmt.format(self.direction * self.size)}"
        else:
            what = ("claimed " if self.kind == "claimed" else "smallest effect of interest ") \
                + fmt.format(self.direction * self.size)
        return what + (f" ({self.label})" if self.label else "")


@dataclass(frozen=True)
class Outcome:
    outcome: str
    effect: Effect
    claim: Claim
    units_needed: int | None
    reason: str

    def text(self, fmt: str = "{:+.3f}") -> str:
        """One sentence: effect, interval, units, claim, outcome (and what would decide it)."""
        s = f"{self.effect.text(fmt)}; {self.claim.text(fmt)}: {self.outcome} ({self.reason})"
        if self.outcome == INCONCLUSIVE:
            u = self.effect.unit
            if self.units_needed is None:
                s += "; at least 2 " + _plural(u, 2) + " are needed to estimate a variance"
            elif self.units_needed > FAR * self.effect.n:  # the estimate sits on a decision bound
                s += (f"; more {_plural(u, 2)} than {FAR} times those in hand ({self.units_needed:,}) would be "
                      "needed at the observed variance: the estimate lies almost on the decision bound")
            else:
                s += (f"; about {self.units_needed} {_plural(u, self.units_needed)} would decide it "
                      "at the observed variance")
        return s

    def as_dict(self) -> dict:
        e = self.effect
        return {"outcome": self.outcome, "estimate": e.estimate, "ci_lo": e.lo, "ci_hi": e.hi,
                "level": e.level, "n": e.n, "unit": e.unit, "sd": e.sd, "method": e.method,
                "label": e.label, "claim": self.claim.direction * self.claim.size,
                "claim_kind": self.claim.kind, "units_needed": self.units_needed, "reason": self.reason}


def _plural(unit: str, n: int) -> str:
    if n == 1 or unit.endswith("s"):
        return unit
    return unit[:-1] + "ies" if unit.endswith("y") and unit[-2:-1] not in "aeiou" else unit + "s"


def _z(level: float) -> float:
    from scipy.stats import norm
    return float(norm.ppf(0.5 + level / 2))


# --------------------------------------------------------------------------------------
# effects
# --------------------------------------------------------------------------------------
def effect_from_units(values, unit: str = "unit", label: str = "effect", stat: str = "mean",
                      level: float = LEVEL, n_resamples: int = N_RESAMPLES, rng=0) -> Effect:
    """Effect from one value per replication unit: ``stat`` ("mean" or "median") of the finite
    values, bootstrap interval over the units (``scipy.stats.bootstrap``: BCa, percentile when
    BCa is undefined). Deterministic for a fixed ``rng``. Fewer than 2 units: no interval."""
    from scipy.stats import bootstrap

    if stat not in ("mean", "median"):
        raise ValueError(f"stat must be 'mean' or 'median', got {stat!r}")
    a = np.asarray(values, dtype=np.float64).ravel()
    a = a[np.isfinite(a)]
    fn = np.mean if stat == "mean" else np.median
    n = int(a.size)
    if n == 0:
        return Effect(math.nan, math.nan, math.nan, 0, unit, "no data", math.nan, label, level)
    est, sd = float(fn(a)), float(np.std(a, ddof=1)) if n > 1 else math.nan
    if n == 1:
        return Effect(est, -math.inf, math.inf, 1, unit, "one unit: no interval", sd, label, level)
    if np.all(a == a[0]):  # every unit the same: the bootstrap distribution is a point
        return Effect(est, est, est, n, unit, f"bootstrap of the {stat} over {unit}s (all equal)", 0.0, label, level)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate-BCa notes: handled by the fallback
        res = bootstrap((a,), fn, n_resamples=n_resamples, confidence_level=level, method="BCa",
                        rng=gen, vectorized=True)
        lo, hi, method = float(res.confidence_interval.low), float(res.confidence_interval.high), "BCa"
        if not (np.isfinite(lo) and np.isfinite(hi)):
            res = bootstrap((a,), fn, n_resamples=n_resamples, confidence_level=level, method="percentile",
                            rng=np.random.default_rng(rng if isinstance(rng, int) else 0), vectorized=True)
            lo, hi, method = float(res.confidence_interval.low), float(res.confidence_interval.high), "percentile"
    return Effect(est, lo, hi, n, unit, f"{method} bootstrap of the {stat} over {_plural(unit, 2)}", sd, label, level)


def paired_effect(a, b, units=None, unit: str = "pair", label: str = "effect", stat: str = "mean",
                  level: float = LEVEL, rng=0) -> Effect:
    """Effect of ``a`` over ``b`` (paired arrays): ``a - b`` (pairs with a non-finite member
    dropped), averaged within each value of ``units`` when given (the replication unit, e.g.
    the data set when pairs are trials), then :func:`effect_from_units`."""
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} vs {b.shape}")
    d = a - b
    if units is not None:
        import pandas as pd
        u = np.asarray(units).ravel()
        if u.shape != d.shape:
            raise ValueError(f"units has {u.size} entries for {d.size} pairs")
        keep = np.isfinite(d)
        d = pd.Series(d[keep]).groupby(u[keep], sort=True).mean().to_numpy()
    return effect_from_units(d, unit=unit, label=label, stat=stat, level=level, rng=rng)


def wilson_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (statsmodels ``proportion_confint``);
    exactly 0 / 1 at the ends; (NaN, NaN) when n = 0."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = int(k), int(n)
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return (0.0 if k == 0 else max(0.0, float(lo)), 1.0 if k == n else min(1.0, float(hi)))


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts (statsmodels
    ``contingency_tables.mcnemar(exact=True)``, the binomial test at 1/2); 1 with none."""
    from statsmodels.stats.contingency_tables import mcnemar

    a_only, b_only = int(a_only), int(b_only)
    if a_only + b_only == 0:
        return 1.0
    return float(mcnemar([[0, a_only], [b_only, 0]], exact=True).pvalue)


def paired_proportion_effect(a, b, unit: str = "pair", label: str = "Δ rate", level: float = LEVEL) -> Effect:
    """Difference of the rates of paired booleans ``a`` and ``b`` (None / NaN pairs dropped),
    with Newcombe's (1998) hybrid score interval for paired proportions (his method 10):
    Wilson limits of each rate combined with the phi correlation of the pairs. With no
    discordant pair (where phi = 1 would collapse it to a point) the interval is at least
    ±(the Wilson upper bound of 0 discordant of n), since |Δ| never exceeds the discordant share."""
    pairs = [(bool(x), bool(y)) for x, y in zip(a, b)
             if x is not None and y is not None and not (isinstance(x, float) and math.isnan(x))
             and not (isinstance(y, float) and math.isnan(y))]
    n = len(pairs)
    if n == 0:
        return Effect(math.nan, math.nan, math.nan, 0, unit, "no data", math.nan, label, level)
    both = sum(x and y for x, y in pairs)
    a_only = sum(x and not y for x, y in pairs)
    b_only = sum(y and not x for x, y in pairs)
    neither = n - both - a_only - b_only
    p1, p2 = (both + a_only) / n, (both + b_only) / n
    (l1, u1), (l2, u2) = wilson_interval(both + a_only, n, level), wilson_interval(both + b_only, n, level)
    denom = math.sqrt((both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither))
    phi = (both * neither - a_only * b_only) / denom if denom > 0 else 0.0
    d = p1 - p2
    lo = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    hi = d + math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    if a_only + b_only == 0:  # no discordant pair: phi = 1 collapses method 10 to a point, but the
        # data still allow a discordant share up to its Wilson bound u, and |Δ| <= that share
        u = wilson_interval(0, n, level)[1]
        lo, hi = min(lo, d - u), max(hi, d + u)
    sd = float(np.std([int(x) - int(y) for x, y in pairs], ddof=1)) if n > 1 else math.nan
    return Effect(d, max(-1.0, lo), min(1.0, hi), n, unit,
                  f"Newcombe paired score interval ({a_only} vs {b_only} discordant of {n})", sd, label, level)


def effect_from_interval(estimate: float, lo: float, hi: float, n: int, unit: str = "unit",
                         method: str = "test interval", label: str = "effect", level: float = LEVEL,
                         sd: float | None = None) -> Effect:
    """An effect with a test's own interval (``sd`` recovered from its width when not given,
    assuming a normal interval: (hi - lo) √n / (2 z))."""
    if not (lo <= estimate <= hi) and all(np.isfinite([estimate, lo, hi])):
        raise ValueError(f"estimate {estimate} lies outside its interval [{lo}, {hi}]")
    if sd is None:
        sd = (hi - lo) * math.sqrt(max(int(n), 1)) / (2 * _z(level)) if np.isfinite(hi - lo) else math.nan
    return Effect(float(estimate), float(lo), float(hi), int(n), unit, method, float(sd), label, level)


# --------------------------------------------------------------------------------------
# the rule
# --------------------------------------------------------------------------------------
def units_needed(effect: Effect, claim: Claim) -> int | None:
    """Units that would decide an inconclusive comparison at the observed variance (module
    docstring): ⌈(z σ / max(θ, c − θ))²⌉; None when σ is unknown (fewer than 2 units)."""
    if not np.isfinite(effect.sd) or not np.isfinite(effect.estimate):
        return None
    theta, c = claim.direction * effect.estimate, claim.size
    gap = (abs(theta + c) if claim.kind == "noninferior" else abs(c - theta) if claim.kind == "nonsuperior"
           else max(theta, c - theta))
    if gap == 0:
        return None
    return max(int(math.ceil((_z(effect.level) * effect.sd / gap) ** 2)), effect.n + 1)


def decide(effect: Effect, claim: Claim) -> Outcome:
    """The outcome of ``effect`` against ``claim`` (rule in the module docstring)."""
    if effect.n == 0 or not np.isfinite(effect.estimate):
        return Outcome(INCONCLUSIVE, effect, claim, None, f"no {effect.unit} to measure")
    s, c = claim.direction, claim.size
    lo, hi = sorted((s * effect.lo, s * effect.hi))  # the interval of s·δ
    if claim.kind == "noninferior":
        if lo > -c:
            return Outcome(REPRODUCED, effect, claim, None, "the interval excludes a loss larger than the margin")
        if hi < -c:
            return Outcome(NOT, effect, claim, None, "the interval lies beyond the margin: worse by more than it")
        return Outcome(INCONCLUSIVE, effect, claim, units_needed(effect, claim),
                       "the interval holds both no loss and a loss beyond the margin")
    if claim.kind == "nonsuperior":
        if hi < c:
            return Outcome(REPRODUCED, effect, claim, None, "the interval excludes a gain of interest")
        if lo >= c:
            return Outcome(NOT, effect, claim, None, "the interval lies at or beyond a gain of interest")
        return Outcome(INCONCLUSIVE, effect, claim, units_needed(effect, claim),
                       "the interval holds both no gain and a gain of interest")
    what = "claimed effect" if claim.kind == "claimed" else "smallest effect of interest"
    if lo > 0 and hi >= c:
        return Outcome(REPRODUCED, effect, claim, None, f"the interval excludes 0 and reaches the {what}")
    if lo > 0:
        return Outcome(PARTLY, effect, claim, None, f"real, but the interval stays below the {what}")
    if hi < c:
        return Outcome(NOT, effect, claim, None, f"the interval excludes the {what}")
    return Outcome(INCONCLUSIVE, effect, claim, units_needed(effect, claim),
                   f"the interval holds both 0 and the {what}")


def excludes_claim(effect: Effect, claim: Claim) -> bool:
    """Does the interval exclude the claimed effect (or SESOI), i.e. may a verdict say "not
    reproduced"? (For a chapter keeping its own rule: its "not reproduced" stands only then.)
    For a non-superiority claim: does the interval lie at or beyond a gain of interest? For a
    non-inferiority claim: does it lie beyond the margin?"""
    if claim.kind == "noninferior":
        return bool(np.isfinite(effect.lo) and np.isfinite(effect.hi)
                    and max(claim.direction * effect.lo, claim.direction * effect.hi) < -claim.size)
    if claim.kind == "nonsuperior":
        return bool(np.isfinite(effect.lo) and np.isfinite(effect.hi)
                    and min(claim.direction * effect.lo, claim.direction * effect.hi) >= claim.size)
    return bool(np.isfinite(effect.hi) and np.isfinite(effect.lo)
                and max(claim.direction * effect.lo, claim.direction * effect.hi) < claim.size)


def combine(outcomes) -> str:
    """One outcome for a claim tested in several arms (module docstring)."""
    found = [o.outcome if isinstance(o, Outcome) else str(o) for o in outcomes]
    bad = [o for o in found if o not in OUTCOMES]
    if bad:
        raise ValueError(f"unknown outcome(s) {bad}; choose from {OUTCOMES}")
    if not found:
        return INCONCLUSIVE
    if all(o == REPRODUCED for o in found):
        return REPRODUCED
    if all(o == NOT for o in found):
        return NOT
    if INCONCLUSIVE in found and not ({REPRODUCED, PARTLY} & set(found)):
        return INCONCLUSIVE
    return PARTLY


__all__ = ["OUTCOMES", "KINDS", "combine", "excludes_claim", "REPRODUCED", "PARTLY", "NOT", "INCONCLUSIVE", "LEVEL", "Effect", "Claim", "Outcome",
           "effect_from_units", "paired_effect", "paired_proportion_effect", "effect_from_interval",
           "wilson_interval", "mcnemar_exact", "units_needed", "decide"]
