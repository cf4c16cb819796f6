# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Verdicts
#
# One row per claim of the paper that a chapter of this book tests: what the paper
# reports, what we measure, and our verdict, with a link to the chapter holding the
# evidence. The table is assembled from the verdict files each chapter writes when it is
# executed (`distillkit.book.write_verdict`), so it always reflects the last build.
#
# Verdicts: **reproduced** (the claim holds in our runs), **partly reproduced** (it holds
# in part, or under some reasonable readings of the paper only), **not reproduced**, and
# **inconclusive** (our runs cannot decide, e.g. too few seeds). Each chapter states the
# rule that decides its verdicts.

# %% tags=["parameters"]
profile = "paper"
results_dir = None

# %% tags=["remove-input"]
import re
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display
from myst_nb import glue

from distillkit.book import (REPO_ROOT, VERDICTS, VERDICTS_NOTEBOOK, check_parameters,
                             read_verdicts, toc_notebooks)

check_parameters(globals())
STYLE = {  # symbol and colour per verdict (plain shapes: every text font has them, unlike emoji)
    "reproduced": ("●", "#1a7f37"),
    "partly reproduced": ("◐", "#9a6700"),
    "not reproduced": ("○", "#cf222e"),
    "inconclusive": ("?", "#57606a"),
}


def chapter_title(name: str) -> str:
    """The first heading of a chapter notebook (its .py), else its name."""
    py = REPO_ROOT / "notebooks" / f"{name}.py"
    try:
        for line in py.read_text(encoding="utf-8").splitlines():
            m = re.match(r"#\s+#\s+(.+)", line)
            if m:
                return m.group(1).strip()
    except OSError:
        pass
    return name.split("_", 1)[-1].replace("_", " ")


def cell(text) -> str:
    """Text safe inside a markdown table cell."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(str(text).split()).replace("|", "\\|")


def badge(verdict: str) -> str:
    symbol, colour = STYLE.get(verdict, ("•", "#57606a"))
    return f'<span style="color:{colour}; font-weight:bold">{symbol} {cell(verdict)}</span>'


verdicts = read_verdicts(results_dir)
chapters = [n for n in toc_notebooks() if n != VERDICTS_NOTEBOOK]
order = {name: i for i, name in enumerate(chapters)}
if len(verdicts):
    verdicts = verdicts.assign(_order=verdicts.chapter.map(order).fillna(len(order)))
    verdicts = verdicts.sort_values(["_order", "chapter", "claim"], kind="stable")
for col in ("paper", "ours"):
    if col not in verdicts:
        verdicts[col] = None
missing = [n for n in chapters if n not in set(verdicts.chapter)]
counts = verdicts.verdict.value_counts()
glue("ch0_n_claims", len(verdicts), display=False)
glue("ch0_n_chapters", int(verdicts.chapter.nunique()), display=False)
for v in VERDICTS:
    glue(f"ch0_n_{v.replace(' ', '_')}", int(counts.get(v, 0)), display=False)

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
if verdicts.empty:
    display(Markdown(
        "```{note}\nNo chapter has written a verdict yet: execute the chapters first "
        "(`python -m distillkit.book`), then this page.\n```"))
else:
    rows = ["| Claim | Paper reports | We measure | Verdict | Chapter |", "|---|---|---|---|---|"]
    for r in verdicts.itertuples():
        ours = r.ours if isinstance(r.ours, str) and r.ours.strip() else r.evidence
        link = f"[{r.chapter[:2]}: {cell(chapter_title(r.chapter))}]({r.chapter}.ipynb)"
        rows.append(f"| {cell(r.claim)} | {cell(r.paper)} | {cell(ours)} | {badge(r.verdict)} "
                    f"| {link if r.chapter in order else cell(r.chapter)} |")
    display(Markdown("\n".join(rows)))

# %% [markdown]
# {glue:text}`ch0_n_claims` claims from {glue:text}`ch0_n_chapters` chapters:
# {glue:text}`ch0_n_reproduced` reproduced, {glue:text}`ch0_n_partly_reproduced` partly
# reproduced, {glue:text}`ch0_n_not_reproduced` not reproduced and
# {glue:text}`ch0_n_inconclusive` inconclusive.

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
notes = []
if missing:
    notes.append("No verdict from " + ", ".join(
        f"[{n[:2]}: {cell(chapter_title(n))}]({n}.ipynb)" for n in missing)
        + ": those chapters were not executed in this build, failed, or decide no claim.")
profiles = sorted(p for p in set(verdicts.profile.dropna()) if p)
if profiles and profiles != [profile]:
    notes.append(f"This page was built with profile `{profile}`, the verdicts with "
                 + ", ".join(f"`{p}`" for p in profiles) + ".")
if "smoke" in profiles or profile == "smoke":
    notes.append("Profile `smoke` uses tiny budgets to check that everything runs: its "
                 "numbers and verdicts mean nothing.")
if notes:
    display(Markdown("```{note}\n" + "\n\n".join(notes) + "\n```"))

# %% [markdown]
# ## The evidence, claim by claim

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
if verdicts.empty:
    display(Markdown("Nothing to show yet."))
else:
    display(Markdown("\n\n".join(
        f"**{cell(r.claim)}** ({badge(r.verdict)}, [{r.chapter[:2]}]({r.chapter}.ipynb)): "
        f"{cell(r.evidence)}" for r in verdicts.itertuples())))
