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
# # Beyond the paper: is the 120 % real?
#
# The paper's headline, an average improvement of the symbolic student's test $R^2$ of
# about 120 %, comes from one run per (data set, $\lambda$) cell, with the "best"
# $\lambda$ of six picked per data set **by the student's test $R^2$** (Table 2 and
# Table 6). Two things can produce an improvement from such a procedure even when
# $\lambda$ does nothing at all:
#
# * **selection on the test set**: the best of six noisy numbers beats the first one;
# * **one seed**: the split, the teacher's initialisation and the symbolic regressor's
#   random state are all fixed, so a lucky or unlucky draw is never averaged out.
#
# This chapter repeats the $\lambda$ sweep over several seeds (each seed changes the
# split, the teacher's initialisation and the SR random state), measures what picking
# the best of six *pure-noise* SR runs gives on an unregularized teacher, and chooses
# $\lambda$ honestly, on a validation set carved out of the training data (20 % of it;
# the test split is untouched). Everything is done for both readings of the paper's
# ambiguous SR stopping rule (`literal`: stop once $R^2 \ge 0.01$, which happens at once;
# `converged`: run all 30 generations; see {doc}`/book/methods`).

# %% tags=["parameters"]
profile = "paper"
datasets = None  # None: every data set (distillkit.datasets.DATASETS)
lams = None  # None: the profile's λ grid
seeds = None  # None: the profile's robustness_seeds; int n: range(n); or a list
sr_readings = ["literal", "converged"]
n_jobs = 2
results_dir = None

# %%
import time


from distillkit.experiments import paper
from distillkit.book import analyses, plots
from distillkit.book.chapters import robustness
from distillkit.book.chapter import Chapter

ch = Chapter("08_robustness", globals())
t0 = time.perf_counter()
grids = robustness.robustness_sweep(profile, datasets=datasets, lams=lams, seeds=seeds,
                            sr_readings=sr_readings, n_jobs=n_jobs)
seconds = time.perf_counter() - t0

# %%
main, control, raw = grids["main"], grids["control"], grids["raw"]
verdicts = robustness.verdicts(main, control, raw)
verdict_table = ch.publish(verdicts)
ch.glue(robustness.glues(grids, verdicts), profile=profile, sweep_seconds=seconds)
ch.glue(analyses.ledger_records(*grids.values()))  # how many runs the evidence ledger supplied
ch.table(robustness.grid_table(grids))

# %% [markdown]
# Profile **{glue:text}`ch8_profile`**: {glue:text}`ch8_n_datasets` data sets,
# {glue:text}`ch8_n_lams` values of $\lambda$, {glue:text}`ch8_n_seeds` seeds,
# {glue:text}`ch8_n_cells` pipeline runs in all (read from the run cache when already
# computed; this execution took {glue:text}`ch8_sweep_seconds:.1f` s). Of its
# {glue:text}`ch8_n_records` distinct runs, {glue:text}`ch8_n_ledger` are records of the evidence
# ledger (`make book` seeds the run cache from it: chapter 11's grid shares its Jacobian cells on
# the real data sets; `make verify-evidence` recomputes a sample). The teachers of
# the selection-bias control are the main grid's $\lambda = 0$ teachers, and its draw 0 is
# the main grid's $\lambda = 0$ run itself, so nothing is computed twice.
#
# ## The paper's arithmetic, checked
#
# The paper's improvement for a data set is $(\text{best} - \text{first}) / |\text{first}|
# \cdot 100$ with "first" the student at $\lambda = 0$ and "best" the best student over
# the six $\lambda$ (on test), averaged over the five data sets. Applied to the paper's own
# Table 6, our function gives back the headline:

# %%
ch.table(robustness.paper_table6())

# %% [markdown]
# Paper reports {glue:text}`ch8_paper_pct:.0f` %; its Table 6 gives
# {glue:text}`ch8_paper_recomputed:.1f` % with the same formula, so the comparison below
# uses exactly the paper's procedure. Note how much of it is Concrete, where "first" is
# close to zero: a percentage of a near-zero baseline is unstable, which is why every
# percentage below comes with the absolute change $\Delta R^2$.
#
# ## Student and teacher across $\lambda$, over seeds
#
# Mean over seeds with a 95 % percentile-bootstrap interval (2000 resamples of the seeds,
# fixed random generator) as line and band; the median as open markers.

# %%
summary = robustness.grid_summary(grids)
ch.figure(plots.plot_lambda_curves(summary, names=paper.NAMES))

# %%
ch.table(robustness.student_table(summary))

# %% [markdown]
# ### Means, medians and blow-ups
#
# gplearn's protected division returns 1 when the denominator is tiny, but a formula can
# still explode on test points slightly outside the training range. We count a student
# as *blown up* when some test prediction lies more than 10 standard deviations (of the
# teacher's training predictions) away from their mean, and also count negative test
# $R^2$. A few such runs drag a mean far below the median.

# %%
ch.table(robustness.blowup_table(main))

# %% [markdown]
# Over the main grid, {glue:text}`ch8_blowup_frac:.1%` of the runs blow up on some test
# point and {glue:text}`ch8_negative_frac:.1%` have a negative test $R^2$;
# {glue:text}`ch8_nonfinite` produced non-finite predictions (left out of means and tests).
#
# ## Selection bias: best of six $\lambda$ vs best of six coin flips
#
# The control runs the symbolic regressor six times with independent random states on
# the **same unregularized teacher** ($\lambda = 0$) and applies the paper's formula with
# "draw" in place of "$\lambda$": draw 0 is "first", the best draw on test is "best".
# Nothing about the teacher changes, so whatever "improvement" appears is pure selection.
# The comparison is conservative in one respect: in the $\lambda$ sweep the SR random
# state is the same for all six $\lambda$ (only the teacher changes), so its six runs are
# more alike than six independent draws.

# %% tags=["output_scroll"]
comparison = analyses.compare_selection(main, control)
ch.table(robustness.selection_table(comparison))

# %% [markdown]
# Per data set and seed above ("first" is the same λ = 0 run in both), the paper's average
# over data sets per seed below, then per data set averaged over seeds.

# %%
ch.table(robustness.selection_means(comparison, "seed"))

# %%
ch.figure(plots.plot_selection_bias(comparison, names=paper.NAMES))

# %%
ch.table(robustness.selection_means(comparison, "dataset"))

# %% [markdown]
# ## Honest $\lambda$: chosen on validation, judged on test
#
# Per seed and data set we pick the $\lambda$ with the best student $R^2$ on the
# validation split ({glue:text}`ch8_validation_pct:.0f` % of the training part; ties go
# to $\lambda = 0$) and compare the student's **test** $R^2$ there with the test $R^2$ at
# $\lambda = 0$ on the same seed. The paired differences are tested with the Wilcoxon
# signed-rank test (two-sided; zero differences dropped), pooled over data sets and per
# data set where the number of non-zero pairs allows $p < 0.05$ at all (at least
# {glue:text}`ch8_min_n`); the effect size is the mean and median paired difference with
# bootstrap intervals and the matched-pairs rank-biserial correlation (+1: the honest
# $\lambda$ is better on every pair, −1: worse on every pair).

# %%
honest = analyses.honest_lambda(main)
ch.table(robustness.tests_table(analyses.honest_tests(honest)))

# %%
ch.figure(plots.plot_honest(honest, names=paper.NAMES))

# %%
ch.table(robustness.chosen_lams(honest))

# %% [markdown]
# The table lists, seed by seed, the $\lambda$ chosen on validation and the one the
# paper's procedure would pick on test; `share_lam0` is how often validation keeps the
# standard pipeline.
#
# ## The headline, three ways
#
# Each row is the paper's average (over data sets) improvement, per seed, then averaged
# over seeds (95 % bootstrap interval over seeds), in % and in absolute $\Delta R^2$.

# %%
ch.table(robustness.headline_table(analyses.headline(main, control)))

# %%
ch.table(robustness.improvement_table(verdicts[0]), caption="The improvement verdict per SR reading")

# %% [markdown]
# Paper reports **+{glue:text}`ch8_paper_pct:.0f` %** from the best $\lambda$ on test in
# one run. With the same procedure averaged over {glue:text}`ch8_n_seeds` seeds we measure
# {glue:text}`ch8_oracle_summary`; the same arithmetic applied to six pure-noise SR draws
# on an unregularized teacher gives {glue:text}`ch8_control_summary`; choosing $\lambda$
# on validation gives {glue:text}`ch8_honest_summary`.
#
# The rule behind the verdict (`distillkit.book.chapters.robustness.RULES`, thresholds in
# `distillkit.book.chapters.robustness.THRESHOLDS`): {glue:text}`ch8_improvement_rule` We measure:
# {glue:text}`ch8_improvement_evidence`
#
# **Verdict on "120 % average improvement survives seeds and honest λ selection":
# {glue:text}`ch8_improvement_verdict`.**
#
# ## Does the teacher degrade with $\lambda$? Two target scales
#
# The paper says the teacher shows "no degradation even at high regularization
# strengths". Does the penalty's weight relative to the MSE depend on the scale of $y$?
# For an exactly minimized loss it does not (writing the network in units of $y$ as
# $m + s\,g$ multiplies both terms by $s^2$, so the same $g$ is optimal at the same
# $\lambda$); what can differ is what Adam reaches in 100 epochs from the same
# initialisation. We therefore train the teacher a second time on the target centred and
# scaled to standard deviation {glue:text}`ch8_alt_sd` (twice the standardized scale),
# not on the raw target: with the paper's budget a raw target in the hundreds is never
# fitted, and a flat or falling curve of a teacher that never learned says nothing about
# the penalty ({doc}`../book/methods`, "The second target scale"). These runs use the
# cheap `literal` reading only: just the teacher matters here.
#
# Only competent cells count: a (target scale, data set, seed) cell enters the verdict
# if its $\lambda = 0$ teacher is at most {glue:text}`ch8_competence_tol` $R^2$ below the
# standardized teacher on the same data set and seed. The table below marks each cell.

# %%
ch.figure(plots.plot_teacher_curves(summary, names=paper.NAMES))

# %%
ch.table(robustness.teacher_competence_table(main, raw))

# %%
ch.table(robustness.degradation_table(main, raw))

# %% [markdown]
# How good is the teacher to begin with? At $\lambda = 0$ its mean test $R^2$ over data
# sets and seeds is {glue:text}`ch8_teacher_base_std:.3f` with the standardized target and
# {glue:text}`ch8_teacher_base_raw:.3f` with the second target scale.
#
# The rule (`distillkit.book.chapters.robustness.RULES`): {glue:text}`ch8_teacher_rule` We measure:
# {glue:text}`ch8_teacher_evidence`
#
# **Verdict on "the teacher does not degrade with λ (both target scales)":
# {glue:text}`ch8_teacher_verdict`.**

# %%
verdict_table
