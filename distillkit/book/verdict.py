"""One verdict on one claim, as data: what is claimed, the rule, the evidence, the outcome.

A chapter's module returns a list of :class:`Verdict`; the chapter glues, shows and
writes them with one call (:func:`publish`), so the rule text printed in the book is
the one the code applied.

A verdict that compares two arms carries ``effects``: one row per arm (student, reading,
penalty) with the estimate, its 95 % interval, the replication units, the claimed effect or
smallest effect of interest and the outcome (:func:`effect_rows` of
:func:`distillkit.stats.outcome.decide`'s outcomes). Verdicts of several chapters on the same
claim share a ``topic`` (:data:`TOPICS`); the verdict page shows them side by side.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from distillkit.book.protocol import VERDICTS, write_verdict

REPRODUCED, PARTLY, NOT, INCONCLUSIVE = VERDICTS

#: claims that several chapters test; a verdict names its topic, the verdict page groups them
TOPICS = {
    "smoothing_helps": "A smoothness-regularized teacher's student scores a higher test R² than the "
                       "standard pipeline's (λ = 0)",
}


@dataclass(frozen=True)
class Verdict:
    """``verdict`` is one of :data:`distillkit.book.protocol.VERDICTS`; ``key`` names it in glue."""

    key: str
    claim: str
    verdict: str
    rule: str
    evidence: str
    paper: str = ""
    ours: str = ""
    numbers: dict = field(default_factory=dict)
    effects: tuple = ()
    topic: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not self.rule.strip():
            raise ValueError(f"verdict {self.key!r} has no rule")
        if self.topic and self.topic not in TOPICS:
            raise ValueError(f"verdict {self.key!r}: unknown topic {self.topic!r}; known: {sorted(TOPICS)}")
        if self.verdict == NOT and any(_holds_claim(r) for r in self.effects):
            raise ValueError(f"verdict {self.key!r}: 'not reproduced' while an interval holds the claim")

    def as_row(self) -> dict:
        row = asdict(self)
        for k in ("numbers", "effects", "topic"):
            row.pop(k)
        return row


def _holds_claim(row: dict) -> bool:
    """Is an effect row "not reproduced" while its interval still holds the claim? (For an
    non-superiority claim, "no gain": while the interval still holds a smaller gain.)"""
    if row["outcome"] != NOT or row["claim_kind"] == "noninferior":
        return False
    if row["claim_kind"] == "nonsuperior":
        c = row["claim"]  # signed: the smallest gain of interest in the gain's direction
        return min(row["ci_lo"] * np.sign(c), row["ci_hi"] * np.sign(c)) < abs(c)
    return row["ci_lo"] <= row["claim"] <= row["ci_hi"]


def guarded(verdict: str, outcome) -> str:
    """A chapter rule's verdict read beside the outcome rule: its "not reproduced" stands only
    where ``outcome``'s interval excludes the claim (:func:`distillkit.stats.outcome.excludes_claim`;
    for a claimed size, a real but smaller effect excludes it too); otherwise inconclusive."""
    from distillkit.stats.outcome import excludes_claim
    return INCONCLUSIVE if verdict == NOT and not excludes_claim(outcome.effect, outcome.claim) else verdict


def effect_rows(outcomes: dict) -> tuple:
    """``{arm: Outcome}`` -> the ``effects`` of a verdict: each outcome's numbers
    (:meth:`distillkit.stats.outcome.Outcome.as_dict`) with its ``arm``."""
    return tuple(dict(o.as_dict(), arm=str(arm)) for arm, o in outcomes.items())


def rule_text(rules: dict, thresholds: dict, key: str) -> str:
    """The rule of verdict ``key`` with its thresholds filled in (``"p < {alpha:g}"``)."""
    return rules[key].format(**thresholds)


def publish(verdicts: list[Verdict], chapter: str, prefix: str, results_dir=None):
    """Glue each verdict's outcome, rule and evidence (``<prefix>_<key>_verdict`` ...),
    write it to the verdict table, and return a DataFrame to display."""
    import pandas as pd

    from distillkit.book.show import glue

    for v in verdicts:
        glue(f"{prefix}_{v.key}_verdict", v.verdict)
        glue(f"{prefix}_{v.key}_rule", v.rule)
        glue(f"{prefix}_{v.key}_evidence", v.evidence)
        write_verdict(v.claim, v.verdict, v.evidence, chapter=chapter, results_dir=results_dir,
                      paper=v.paper, ours=v.ours, rule=v.rule, effects=list(v.effects), topic=v.topic)
    return pd.DataFrame([v.as_row() for v in verdicts])[["claim", "verdict", "rule", "evidence"]]


__all__ = ["Verdict", "TOPICS", "effect_rows", "guarded", "publish", "rule_text", "REPRODUCED", "PARTLY", "NOT", "INCONCLUSIVE"]
