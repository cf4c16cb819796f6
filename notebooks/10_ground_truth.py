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
# # Beyond the paper: does a smoother teacher help recover the true law?
#
# On real data, $R^2$ cannot say whether a distilled formula is *right*. A scientist who
# distils a network into a formula wants the law behind the data, not only a good fit.
# The Feynman Symbolic Regression Database (Udrescu & Tegmark, "AI Feynman"), used by
# SRBench's ground-truth track, supplies data whose generating equation is known, so a
# formula can be scored as an exact **symbolic solution** or not. The paper (and its
# revision) never asks whether a Jacobian-regularized teacher helps a student recover the
# generating law from noisy data; this chapter does.
#
# Every data set `feynman_<id>` is generated on the fly: inputs uniform on the intervals of
# the table, the target the equation itself, and label noise $N(0, (\gamma \cdot
# \mathrm{rms}(y))^2)$ added to the training labels only, SRBench's scale (the test split
# stays noiseless). Each student is **distilled** from the teacher at every $\lambda$ of the
# grid and fitted **directly** to the noisy labels with no teacher (the control). Only a
# student that finds laws when fitted directly to noiseless data can show whether a teacher
# helps: {glue:text}`ch10_students` (gplearn finds almost none at an affordable budget and is
# left out; {doc}`/book/methods`, "Ground truth").

# %% tags=["parameters"]
profile = "paper"
equations = None  # None: the profile's equations (distillkit.book.chapters.ground_truth.SIZES)
lams = None  # None: the profile's λ grid for this chapter
noises = None  # None: the profile's noise levels γ
seeds = None  # None: the profile's seeds
n_jobs = 2
results_dir = None

# %%
import time


from distillkit.datasets import feynman
from distillkit.book.chapters import ground_truth
from distillkit.book.chapter import Chapter

ch = Chapter("10_ground_truth", globals())
t0 = time.perf_counter()
df = ground_truth.recovery_sweep(profile, equations=equations, lams=lams, noises=noises, seeds=seeds,
                       n_jobs=n_jobs)
ch.glue(ground_truth.run_counts(df), seconds=time.perf_counter() - t0, profile=profile)

# %% [markdown]
# Profile **{glue:text}`ch10_profile`**: {glue:text}`ch10_n_equations` equations, noise
# levels $\gamma$ = {glue:text}`ch10_noises`, $\lambda$ = {glue:text}`ch10_lams`,
# {glue:text}`ch10_n_seeds` seed(s), distilled and direct: {glue:text}`ch10_n_runs` runs,
# from {glue:text}`ch10_source` (this execution took {glue:text}`ch10_seconds:.0f` s). The
# powered grid (`make evidence`, grid `ground_truth`: {glue:text}`ch10_ledger_grid`) is what the verdicts need; the paper profile reads it from
# the ledger when the ledger holds all of it and otherwise runs a small grid that cannot
# decide much.
#
# ## Which equations
#
# {glue:text}`ch10_rule`

# %%
ch.glue(rule=feynman.SELECTION_RULE)
ops = feynman.operator_table().set_index("name")
chosen = ops.loc[sorted(df.dataset.unique(), key=list(ops.index).index)]
ch.table(chosen.assign(operators=[", ".join(o) or "arithmetic only" for o in chosen.operators])
       [["n_inputs", "operators", "formula"]].rename_axis("equation"))

# %% [markdown]
# ## What the students can write, and in which units
#
# A miss means something only if the student could have written the law. Instead of
# restricting the selection to the arithmetic-only equations (which would leave none
# with one or with seven inputs), we extend the function sets for this
# chapter: {glue:text}`ch10_functions`. Operon's `sqrtabs` and `logabs` are $\sqrt{|x|}$
# and $\log|x|$, which on the positive inputs of these equations are the plain functions;
# its protected operators are switched off. It spends {glue:text}`ch10_evaluations`
# evaluations and reports the simplest Pareto member within {glue:text}`ch10_tolerance`
# $R^2$ of its best: of the budgets and reporting rules measured on direct noiseless fits
# ({doc}`/book/methods`, "Ground truth"), the one that finds the most laws at a cost the
# powered grid can afford.
#
# **Teacher.** The teacher keeps the paper's network (one hidden layer of 100 ReLU units,
# Adam) but not its training budget: {glue:text}`ch10_teacher`. The paper's budget (100
# epochs of 128-row batches at a step of $10^{-3}$, made for noisy real data) leaves the
# unregularized teacher of a noiseless law short of it and, since a constant-step
# mini-batch iterate keeps jittering around the optimum, off in scale and offset by a few
# parts in a thousand, which the student's fitted constants copy and SRBench's rounding to
# three digits does not forgive (below, $V = q/C$). With one batch holding every training
# row each step follows the exact gradient and the output layer settles.
#
# **Scaling.** The teacher standardizes inputs and target internally (its optimizer and
# penalty are tuned for unit-scale data), but the student is fitted on the inputs in the
# data's own units, against the teacher's predictions mapped back to the target's units.
# A law such as $V = q/C$ is then two nodes; on standardized inputs it would need four
# constants the search must discover, and `sqrt` and `log` would meet negative arguments.
# The formula is scored as written, in the data's units ({doc}`/book/methods`, "Ground
# truth").

# %%
from distillkit.experiments.pipeline import GROUND_TRUTH_CONFIG

ch.glue(ground_truth.setup_glues(profile))
ch.settings(GROUND_TRUTH_CONFIG, caption="The ground-truth family's settings (pipeline.GROUND_TRUTH_CONFIG)")

# %% [markdown]
# ## The verdicts and their rules
#
# Decided before looking at the numbers; the thresholds live in
# `distillkit.book.chapters.ground_truth.THRESHOLDS`. A formula is a **symbolic solution** when, its
# constants rounded to {glue:text}`ch10_digits` significant digits, its difference from the law is a
# constant or its ratio a non-zero constant (SRBench's rule); an **accuracy solution** when its
# noiseless test $R^2$ exceeds {glue:text}`ch10_accuracy_r2`. The check decides the same on any machine
# under any load: {glue:text}`ch10_check` Undecided, for one of the stated reasons, and left out of
# the rates: {glue:text}`ch10_n_undecided` formulas ({glue:text}`ch10_undecided_share`).
#
# * **A Jacobian-regularized teacher raises the symbolic solution rate.** {glue:text}`ch10_smooth_rule`
# * **Distillation beats fitting the noisy data directly.** {glue:text}`ch10_direct_rule`

# %%
verdicts = ground_truth.verdicts(df)
table = ch.publish(verdicts)
rates = ground_truth.solution_rates(df)
ch.glue(ground_truth.rates_glues(rates), **ground_truth.teacher_glues(df))

# %% [markdown]
# ## Solution rate and test $R^2$ against $\lambda$
#
# Top: the share of (equation, seed) cells whose formula is a symbolic solution (band:
# 95 % Wilson interval); bottom: the median student test $R^2$ on the noiseless test split
# (band: 95 % bootstrap interval of the median). Dashed: the same student fitted directly
# on the noisy labels.

# %%
ch.figure(ground_truth.recovery_figure(df))

# %% [markdown]
# Each arm (student, setting, $\lambda$, $\gamma$): the all-or-nothing view (symbolic
# solutions) beside the continuous one (accuracy solutions and the median noiseless test
# $R^2$), rates with 95 % Wilson intervals. The column "affine solution" is a looser criterion, kept apart and used by no verdict: the
# rounded formula is exactly $a + b \cdot \text{law}$ with $b \neq 0$ (checked on 256
# inputs). It separates formulas that have the law's shape but carry the teacher's small
# bias in scale and offset from formulas that are wrong.

# %%
ch.table(ground_truth.rates_display(rates))

# %%
ch.table(ground_truth.r2_table(df), precision=4)

# %% [markdown]
# Equation by equation (first seed): ✓ symbolic solution, ≈ affine solution only,
# · neither, ? undecided.

# %% tags=["output_scroll"]
ch.table(ground_truth.equation_table(df))

# %% [markdown]
# ## One law up close: $V = q/C$
#
# The two-input equation `feynman_I_25_13` at $\gamma = 0$, $\lambda = 0$, distilled and
# direct, under this chapter's teacher budget and the paper's (not part of the selection; shown because it is the simplest law
# of the table and the acceptance example).

# %%
volt = ground_truth.volt_cells(profile, n_jobs=n_jobs)
ch.glue(ground_truth.volt_glues(volt))
ch.table(volt[["teacher budget", "variant", "distilled", "teacher_r2", "student_r2", "formula_compared",
               "solution", "affine_solution", "accuracy_solution"]], caption="V = q/C, γ = 0, λ = 0, seed 0")

# %% [markdown]
# A distilled formula inherits the teacher's errors: where the teacher is slightly biased,
# the best formula of the law's shape is $a + b \cdot q/C$ with $a \neq 0$ and $b \neq 1$,
# which SRBench's rule does not count (it allows an added constant or a factor, not both),
# although it is an accuracy solution and an affine one. With the paper's teacher budget
# the distilled Operon formula (seed 0) is {glue:text}`ch10_paper_formula` (teacher test
# $R^2$ {glue:text}`ch10_paper_teacher_r2:.5f`), {glue:text}`ch10_paper_solution`; with this
# chapter's it is {glue:text}`ch10_gt_formula` (teacher test $R^2$
# {glue:text}`ch10_gt_teacher_r2:.5f`), {glue:text}`ch10_gt_solution`.
#
# ## Verdicts
#
# * **A Jacobian-regularized teacher raises the symbolic solution rate:**
#   {glue:text}`ch10_smooth_verdict`. {glue:text}`ch10_smooth_evidence`
# * **Distillation beats fitting the noisy data directly:** {glue:text}`ch10_direct_verdict`.
#   {glue:text}`ch10_direct_evidence`
#
# **Paper reports** nothing here: neither the paper nor its revision has a ground-truth
# study or a direct fit. **We measure** symbolic-solution rates (over decided cells) of
# {glue:text}`ch10_rates`. The continuous view beside it, accuracy-solution rates (noiseless
# test $R^2$ > {glue:text}`ch10_accuracy_r2`): {glue:text}`ch10_acc`; the median test $R^2$ per arm is in
# the rates table above. An *inconclusive* verdict says how many equations, at this grid's
# pairs per equation, the observed variance says would decide it.
#
# **What the first verdict covers.** The grid has one $\lambda > 0$,
# {glue:text}`ch10_top_lam`. On these noiseless laws that much smoothing costs the teacher
# itself: its median test $R^2$ is {glue:text}`ch10_teacher_r2_top` against
# {glue:text}`ch10_teacher_r2_lam0` at $\lambda = 0$, and a student distilled from a teacher that
# no longer fits the law cannot write the law down. The verdict says that this $\lambda$ lowers
# the solution rate; smaller penalties are not tested here.

# %%
table
