"""One verdict on one claim, as data: what is claimed, the rule, the evidence, the outcome.

A chapter's module returns a list of :class:`Verdict`; the chapter glues, shows and
writes them with one call (:func:`publish`), so the rule text printed in the book is
the one the code applied.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from distillkit.book.protocol import VERDICTS, write_verdict

REPRODUCED, PARTLY, NOT, INCONCLUSIVE = VERDICTS


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

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not self.rule.strip():
            raise ValueError(f"verdict {self.key!r} has no rule")

    def as_row(self) -> dict:
        row = asdict(self)
        row.pop("numbers")
        return row


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
                      paper=v.paper, ours=v.ours, rule=v.rule)
    return pd.DataFrame([v.as_row() for v in verdicts])[["claim", "verdict", "rule", "evidence"]]


__all__ = ["Verdict", "publish", "rule_text", "REPRODUCED", "PARTLY", "NOT", "INCONCLUSIVE"]
