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
# # Decision-tree students: the null result
#
# To test whether the benefit is specific to symbolic regression, the paper also distils
# the standard and the regularized teacher into a decision tree (Section 4.3, Table 3) and
# finds "no significant improvement in either the accuracy or the complexity of the
# student tree": on Concrete the tree's $R^2$ is 0.709 (standard teacher) vs 0.706
# (regularized), on California 0.599 for both, always with 32 leaves. Its explanation: a
# tree approximates the teacher with axis-aligned, piecewise-constant splits, which a
# smoother teacher does not simplify.
#
# Our tree student is `DecisionTreeRegressor(max_leaf_nodes=32)` fitted, like the SR
# student, to the teacher's predictions on the training inputs, and scored on the true
# held-out labels. The paper does not say which $\lambda$ its "regularized" teacher used; we
# take, per data set, the $\lambda > 0$ that is best for the SR student, as its Table 2 does,
# under the SR reading that reproduces the pattern of its Table 6 (see {doc}`03_lambda_sweep`).
# The tree itself does not depend on the SR reading.

# %% tags=["parameters"]
profile = "paper"
datasets = None
lams = None
seeds = None
sr_readings = ["literal", "converged"]
n_jobs = 2
results_dir = None

# %%
from distillkit.book import analyses, competence, params
from distillkit.book.chapters import tree_null_result
from distillkit.book.chapter import Chapter

ch = Chapter("04_tree_null_result", globals())
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
primary = analyses.primary_reading(sweep)
tree_datasets = tree_null_result.tree_datasets(params.resolve_datasets(datasets))
ch.glue(tree_null_result.glues(sweep, primary, tree_datasets))

# %% [markdown]
# The regularized teacher is the best $\lambda > 0$ for the SR student under the
# **{glue:text}`ch4_primary`** reading; numbers are means over {glue:text}`ch4_n_seeds` seed(s).
#
# ## Table 3: tree students from the standard and the regularized teacher

# %%
t3 = tree_null_result.tree_table(sweep, primary, datasets=tree_datasets)
ch.table(t3, caption=f"Table 3: 32-leaf tree students (regularized λ: best SR λ > 0, {primary} reading)")

# %% [markdown]
# On Concrete our tree scores {glue:text}`ch4_concrete_standard:.3f` from the standard teacher
# and {glue:text}`ch4_concrete_regularized:.3f` from the regularized one ($\lambda =$
# {glue:text}`ch4_concrete_lam`); the paper has {glue:text}`ch4_concrete_paper_standard:.3f` and
# {glue:text}`ch4_concrete_paper_regularized:.3f`. On California:
# {glue:text}`ch4_california_standard:.3f` and {glue:text}`ch4_california_regularized:.3f`
# ($\lambda =$ {glue:text}`ch4_california_lam`); the paper has
# {glue:text}`ch4_california_paper_standard:.3f` and {glue:text}`ch4_california_paper_regularized:.3f`.
#
# ## The tree student across the whole $\lambda$ grid
#
# The choice of "regularized" $\lambda$ above follows the SR student, so it could miss a
# $\lambda$ that helps the tree. The figure shows the tree's test $R^2$ (and its teacher's) for
# every data set and $\lambda$; black crosses are the paper's Table 3, drawn at $\lambda = 0$ and
# at its best SR $\lambda$.

# %%
ch.figure(tree_null_result.tree_figure(sweep))

# %% [markdown]
# Over all data sets and all $\lambda > 0$, the largest gain of the tree student over its
# $\lambda = 0$ counterpart is {glue:text}`ch4_max_gain_any_lam:.3f` in $R^2$
# ({glue:text}`ch4_max_gain_dataset`).
#
# ## Verdict
#
# "No gain" is a null claim: two data sets with one tree each cannot show it, and neither can a
# p-value above 0.05. The verdict therefore measures the change on every data set we sweep, with
# an interval over data sets, and asks whether that interval excludes a gain worth having.
# Rule (the thresholds live in `distillkit.book.chapters.tree_null_result.THRESHOLDS`): {glue:text}`ch4_tree_rule`

# %%
comp = tree_null_result.tree_competence(sweep)  # the competence rule on the λ = 0 trees
ch.table(competence.competence_display(comp, "tree"), highlight_paper=False,
         caption="Competence rule: λ = 0 tree students; 'left out' data sets do not count")
table = ch.publish(tree_null_result.verdicts(sweep, primary, tree_datasets))

# %% [markdown]
# **No gain for tree students: {glue:text}`ch4_tree_verdict`.** {glue:text}`ch4_tree_evidence`
#
# The verdict with its rule (also on the verdict page):

# %%
table
