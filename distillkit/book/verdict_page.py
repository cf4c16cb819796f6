"""The verdict page (``notebooks/00_verdicts``): every chapter's verdicts in one table.

The page reads the verdict files the chapters wrote (:func:`distillkit.book.protocol.read_verdicts`),
orders them as the chapters appear in ``_toc.yml``, and shows them as markdown: one table row
per claim (what the paper reports, what we measure, the rule that decides, the verdict, the
chapter), the counts per verdict for its prose, notes on missing chapters or a profile
mismatch, and the evidence claim by claim. Each piece is a function returning a string (or
a dict), so the notebook only displays them::

    verdicts = verdict_page.load(results_dir)
    ch.glue(verdict_page.counts(verdicts))                  # -> ch0_n_claims, ch0_n_reproduced, ...
    display(Markdown(verdict_page.table(verdicts)))
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from distillkit.book.protocol import REPO_ROOT, VERDICTS, VERDICTS_NOTEBOOK, read_verdicts, toc_notebooks

#: symbol and colour per verdict (plain shapes: every text font has them, unlike emoji)
STYLE = {
    "reproduced": ("●", "#1a7f37"),
    "partly reproduced": ("◐", "#9a6700"),
    "not reproduced": ("○", "#cf222e"),
    "inconclusive": ("?", "#57606a"),
}
#: columns a verdict file may lack (written before they existed); filled with None
OPTIONAL = ("paper", "ours", "rule", "effects", "topic")
TABLE_HEAD = ("| Claim | Paper reports | We measure | Rule | Verdict | Chapter |\n"
              "|---|---|---|---|---|---|")
EMPTY_NOTE = ("```{note}\nNo chapter has written a verdict yet: execute the chapters first "
              "(`python -m distillkit.book`), then this page.\n```")


def chapter_title(name: str, root: Path = REPO_ROOT) -> str:
    """The first heading of a chapter notebook (its .py), else its name made readable."""
    py = Path(root) / "notebooks" / f"{name}.py"
    try:
        for line in py.read_text(encoding="utf-8").splitlines():
            m = re.match(r"#\s+#\s+(.+)", line)
            if m:
                return m.group(1).strip()
    except OSError:
        pass
    return name.split("_", 1)[-1].replace("_", " ")


def cell(text) -> str:
    """Text safe inside a markdown table cell: one line, ``|`` escaped, None/NaN empty."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(str(text).split()).replace("|", "\\|")


def badge(verdict: str) -> str:
    """The verdict with its symbol, in its colour (HTML inside markdown)."""
    symbol, colour = STYLE.get(verdict, ("•", "#57606a"))
    return f'<span style="color:{colour}; font-weight:bold">{symbol} {cell(verdict)}</span>'


def chapters(root: Path = REPO_ROOT) -> list[str]:
    """The chapters that may write verdicts: the toc's notebooks but this page."""
    return [n for n in toc_notebooks(root) if n != VERDICTS_NOTEBOOK]


def load(results_dir: str | os.PathLike | None = None, root: Path = REPO_ROOT) -> pd.DataFrame:
    """The verdicts in book order (toc order of the chapters, chapters outside the toc
    last, then by claim), with the :data:`OPTIONAL` columns present."""
    verdicts = read_verdicts(results_dir)
    order = {name: i for i, name in enumerate(chapters(root))}
    if len(verdicts):
        verdicts = verdicts.assign(order=verdicts.chapter.map(order).fillna(len(order)))
        verdicts = verdicts.sort_values(["order", "chapter", "claim"], kind="stable")
        verdicts = verdicts.drop(columns="order").reset_index(drop=True)
    for col in OPTIONAL:
        if col not in verdicts:
            verdicts[col] = None
    return verdicts


def counts(verdicts: pd.DataFrame) -> dict[str, int]:
    """Numbers for the page's prose: ``n_claims``, ``n_chapters`` and ``n_<verdict>`` for
    every verdict of the vocabulary (spaces as underscores, 0 where none)."""
    per = verdicts.verdict.value_counts()
    out = {"n_claims": len(verdicts), "n_chapters": int(verdicts.chapter.nunique())}
    out.update({f"n_{v.replace(' ', '_')}": int(per.get(v, 0)) for v in VERDICTS})
    return out


def missing(verdicts: pd.DataFrame, root: Path = REPO_ROOT) -> list[str]:
    """Chapters of the toc without any verdict, in toc order."""
    have = set(verdicts.chapter)
    return [n for n in chapters(root) if n not in have]


def _link(name: str, root: Path, short: bool = False) -> str:
    return f"[{name[:2]}]({name}.ipynb)" if short else \
        f"[{name[:2]}: {cell(chapter_title(name, root))}]({name}.ipynb)"


def table(verdicts: pd.DataFrame, root: Path = REPO_ROOT) -> str:
    """The verdict table as markdown, one row per claim (a note if there is none). "We
    measure" is the verdict's ``ours``, else its evidence; chapters outside the toc are
    named, not linked."""
    if verdicts.empty:
        return EMPTY_NOTE
    in_toc = set(chapters(root))
    rows = [TABLE_HEAD]
    for r in verdicts.itertuples():
        ours = r.ours if isinstance(r.ours, str) and r.ours.strip() else r.evidence
        where = _link(r.chapter, root) if r.chapter in in_toc else cell(r.chapter)
        rows.append(f"| {cell(r.claim)} | {cell(r.paper)} | {cell(ours)} | {cell(r.rule)} "
                    f"| {badge(r.verdict)} | {where} |")
    return "\n".join(rows)


def notes(verdicts: pd.DataFrame, profile: str, root: Path = REPO_ROOT) -> str | None:
    """A ``{note}`` on chapters without verdicts, on verdicts of another profile than the
    page's, and on the smoke profile's meaningless numbers; None if there is nothing to say."""
    out = []
    absent = missing(verdicts, root)
    if absent:
        out.append("No verdict from " + ", ".join(_link(n, root) for n in absent)
                   + ": those chapters were not executed in this build, failed, or decide no claim.")
    profiles = sorted(p for p in set(verdicts.profile.dropna()) if p)
    if profiles and profiles != [profile]:
        out.append(f"This page was built with profile `{profile}`, the verdicts with "
                   + ", ".join(f"`{p}`" for p in profiles) + ".")
    if "smoke" in profiles or profile == "smoke":
        out.append("Profile `smoke` uses tiny budgets to check that everything runs: its "
                   "numbers and verdicts mean nothing.")
    return "```{note}\n" + "\n\n".join(out) + "\n```" if out else None


def evidence(verdicts: pd.DataFrame) -> str:
    """One paragraph per claim: the claim, its verdict, the chapter, the evidence."""
    if verdicts.empty:
        return "Nothing to show yet."
    return "\n\n".join(f"**{cell(r.claim)}** ({badge(r.verdict)}, {_link(r.chapter, REPO_ROOT, short=True)}): "
                       f"{cell(r.evidence)}" for r in verdicts.itertuples())


def _effect_rows(verdicts: pd.DataFrame, topic: str) -> pd.DataFrame:
    rows = []
    for r in verdicts[verdicts.topic == topic].itertuples():
        for e in (r.effects if isinstance(r.effects, list) else []):
            if e.get("claim_kind") == "sesoi" and e.get("label") == "ΔR²":  # one scale: comparable
                rows.append(dict(e, chapter=r.chapter, claim_text=r.claim, verdict=r.verdict))
    out = pd.DataFrame(rows)
    if len(out):  # an arm two verdicts of one chapter share is shown once
        out = out.drop_duplicates(["chapter", "arm"]).reset_index(drop=True)
        out["width"] = out.ci_hi.astype(float) - out.ci_lo.astype(float)
    return out


def same_claim(verdicts: pd.DataFrame, root: Path = REPO_ROOT) -> str | None:
    """One claim, one answer: for every topic (:data:`distillkit.book.verdict.TOPICS`) tested by
    more than one chapter, a table of each chapter's arms on one scale (ΔR² against the smallest
    effect of interest: estimate, 95 % interval, units, outcome), the strongest evidence (the
    narrowest interval; more units break ties) and its outcome as the answer, and why the other
    outcomes differ. A zero-width interval (every unit equal, e.g. λ = 0 chosen everywhere) is
    shown but never named the strongest. None when no topic has two chapters."""
    from distillkit.book.verdict import TOPICS

    if verdicts.empty or "topic" not in verdicts:
        return None
    parts = []
    for topic in [t for t in TOPICS if t in set(verdicts.topic.dropna())]:
        rows = _effect_rows(verdicts, topic)
        if rows.empty or rows.chapter.nunique() < 2:
            continue
        lines = [f"**{cell(TOPICS[topic])}**", "",
                 "| Chapter | Arm | ΔR² | 95 % interval | Units | Outcome | Chapter's verdict |",
                 "|---|---|---|---|---|---|---|"]
        for r in rows.itertuples():
            lines.append(f"| {_link(r.chapter, root, short=True)} | {cell(r.arm)} | {r.estimate:+.3f} "
                         f"| [{r.ci_lo:+.3f}, {r.ci_hi:+.3f}] | {r.n} × {cell(r.unit)} | {badge(r.outcome)} "
                         f"| {badge(r.verdict)} |")
        finite = rows[pd.notna(rows.width) & (rows.width < float("inf")) & (rows.width > 0)]
        if len(finite):
            best = finite.sort_values(["width", "n"], ascending=[True, False]).iloc[0]
            lines += ["", f"Strongest evidence: {_link(best.chapter, root, short=True)} {cell(best.arm)}, "
                      f"the narrowest interval (width {best.width:.3f} R² over {best.n} × {cell(best.unit)}); "
                      f"its outcome, **{best.outcome}**, is the answer on this scale."]
            other = rows[rows.outcome != best.outcome]
            if len(other):
                lines.append("Other outcomes here come from wider intervals or other arms: "
                             + "; ".join(f"{_link(r.chapter, root, short=True)} {cell(r.arm)}: "
                                         f"{r.outcome} (width {r.width:.3f}, {r.n} × {cell(r.unit)})"
                                         for r in other.itertuples())
                             + ". 'Not reproduced' means the interval excludes the smallest effect of "
                             "interest; 'inconclusive' that it holds both 0 and it; 'partly' that the "
                             "gain is real but smaller. Chapter verdicts on other scales (e.g. chapter "
                             "08's +120 %) answer other claims.")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) if parts else None


__all__ = ["same_claim", "STYLE", "OPTIONAL", "chapter_title", "cell", "badge", "chapters", "load", "counts",
           "missing", "table", "notes", "evidence"]
