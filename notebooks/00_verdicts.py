# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Verdicts
#
# One row per claim of the paper that a chapter of this book tests: what the paper
# reports, what we measure, the rule that decides, and our verdict, with a link to the
# chapter holding the evidence. The table is assembled from the verdict files each chapter writes when it is
# executed (`distillkit.book.protocol.write_verdict`), so it always reflects the last build.
#
# Verdicts: **reproduced** (the claim holds in our runs), **partly reproduced** (it holds
# in part, or under some reasonable readings of the paper only), **not reproduced** (our
# data are inconsistent with the claim: where a verdict compares two arms, the 95 % interval
# of the effect excludes the claimed effect or the smallest effect of interest), and
# **inconclusive** (our runs cannot decide; the evidence then says how many more data sets,
# seeds or equations would). A verdict read from one run, as the paper's own figures are,
# has no interval and cannot say "not reproduced". Each chapter states the rule that
# decides its verdicts; the outcome rule they share is in {doc}`/book/methods`.

# %% tags=["parameters"]
profile = "paper"
results_dir = None

# %% tags=["remove-input"]
from IPython.display import Markdown, display

from distillkit.book import verdict_page
from distillkit.book.chapter import Chapter

ch = Chapter("00_verdicts", globals())
verdicts = verdict_page.load(results_dir)
ch.glue(verdict_page.counts(verdicts))

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
display(Markdown(verdict_page.table(verdicts)))

# %% [markdown]
# {glue:text}`ch0_n_claims` claims from {glue:text}`ch0_n_chapters` chapters:
# {glue:text}`ch0_n_reproduced` reproduced, {glue:text}`ch0_n_partly_reproduced` partly
# reproduced, {glue:text}`ch0_n_not_reproduced` not reproduced and
# {glue:text}`ch0_n_inconclusive` inconclusive.

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
note = verdict_page.notes(verdicts, profile)
if note:
    display(Markdown(note))

# %% [markdown]
# ## One claim, one answer
#
# Chapters 08, 09 and 11 all test whether the smoothed teacher's student is better. Each
# comparison is an effect with a 95 % interval read against the smallest effect of interest
# (`distillkit.stats.outcome`): **reproduced** when the interval excludes 0 and reaches it,
# **partly** when the gain is real but smaller, **not reproduced** only when the interval
# excludes it, **inconclusive** when it holds both. Side by side on one scale ($\Delta R^2$),
# the narrowest interval is the strongest evidence; the other outcomes are explained below it.

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
display(Markdown(verdict_page.same_claim(verdicts) or "No claim is tested by two chapters in this build."))

# %% [markdown]
# ## The evidence, claim by claim

# %% tags=["remove-input"] mystnb={"markdown_format": "myst"}
display(Markdown(verdict_page.evidence(verdicts)))
