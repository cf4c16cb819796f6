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
# # The discovered formulas
#
# The paper's Appendix C (Table 7) contrasts "a plausible formula" distilled from the
# standard Concrete teacher with one from the best regularized teacher ($\lambda = 0.001$),
# and states that the latter "is not only more accurate but also significantly less
# complex". We show the formulas our pipeline actually found for the same two teachers,
# under both SR readings, and then ask the general question: does the formula get simpler
# as $\lambda$ grows, on every data set?
#
# Complexity is gplearn's program length: the number of nodes (functions, variables and
# constants) of the program tree. Formulas are shown as gplearn programs (comparable with
# the paper's) and, for ours, as algebra simplified by sympy with the real feature names
# (constants to four significant digits). Our inputs and target are standardized (see
# {doc}`/book/methods`), so constants are in standard-deviation units.

# %% tags=["parameters"]
profile = "paper"
datasets = None
lams = None
seeds = None
sr_readings = ["literal", "converged"]
n_jobs = 2
results_dir = None

# %%
from IPython.display import display

from distillkit.book import analyses, competence, params, show
from distillkit.book.chapters import formula_analysis
from distillkit.book.chapter import Chapter

ch = Chapter("06_formula_analysis", globals())
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
primary = analyses.primary_reading(sweep)
focus = params.focus_dataset(params.resolve_datasets(datasets))
ch.glue(primary=primary, focus=show.name_of(focus), seed=int(sweep.seed.min()))

# %% [markdown]
# ## Table 7: formulas from the standard and the best regularized teacher
#
# Data set: {glue:text}`ch6_focus`. "Best regularized" is the $\lambda > 0$ with the best
# student $R^2$ under each reading (as in {doc}`03_lambda_sweep`); the formula shown is that
# of seed {glue:text}`ch6_seed`. The paper's $R^2$ column is from its Table 6.

# %%
formula_rows = formula_analysis.formula_table(sweep, focus)
ch.glue(formula_analysis.complexity_glues(formula_rows))
ch.table(formula_analysis.shown_table(formula_rows), caption=f"Table 7: formulas on {show.name_of(focus)}")
display(*formula_analysis.formula_displays(formula_rows, focus))

# %% [markdown]
# The paper's formulas have {glue:text}`ch6_complexity_paper_standard` nodes (standard teacher)
# and {glue:text}`ch6_complexity_paper_regularized` nodes (regularized). Ours have
# {glue:text}`ch6_complexity_literal_standard` and {glue:text}`ch6_complexity_literal_regularized`
# nodes under the literal reading, and {glue:text}`ch6_complexity_converged_standard` and
# {glue:text}`ch6_complexity_converged_regularized` under the converged reading (-1: not
# available).
#
# ## Formula complexity against $\lambda$, all data sets
#
# Mean over seeds; black crosses are the paper's two Concrete formulas.

# %%
complexity = formula_analysis.complexity_by_lambda(sweep)
ch.glue(formula_analysis.lambda_glues(complexity))
ch.figure(formula_analysis.complexity_figure(complexity))

# %% [markdown]
# Averaged over data sets, formulas from standard teachers have
# {glue:text}`ch6_mean_c0_literal:.1f` nodes and those from regularized teachers
# {glue:text}`ch6_mean_cpos_literal:.1f` under the literal reading
# ({glue:text}`ch6_mean_c0_converged:.1f` and {glue:text}`ch6_mean_cpos_converged:.1f` under the
# converged reading). The Spearman correlation between $\lambda$ and complexity, pooled over
# data sets, is {glue:text}`ch6_rho_literal:.2f` (literal) and {glue:text}`ch6_rho_converged:.2f`
# (converged); a negative value would mean simpler formulas at larger $\lambda$.
#
# ## Verdict
#
# Rule, under the {glue:text}`ch6_primary` reading (the one that reproduces the paper's
# Table 6); the threshold lives in `distillkit.book.chapters.formula_analysis.THRESHOLDS`. {glue:text}`ch6_simpler_rule`

# %%
ch.table(competence.competence_display(competence.competence_table(sweep, "student"), "student"),
         highlight_paper=False, caption="Competence rule: λ = 0 students; 'left out' cells do not count")
ch.publish(formula_analysis.verdicts(sweep, focus, reading=primary))

# %% [markdown]
# **Regularized teachers give simpler formulas: {glue:text}`ch6_simpler_verdict`.**
# {glue:text}`ch6_simpler_evidence`
