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
import math

from IPython.display import display

from distillkit import competence, improvement, paper, params, plots, show, trees
from distillkit.book import check_parameters, write_verdict
from distillkit.show import glue

check_parameters(globals())
CHAPTER = "04_tree_null_result"
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
readings = params.resolve_readings(sr_readings)
primary = improvement.table6_reading(improvement.table6_pattern(sweep))
swept = params.resolve_datasets(datasets)
tree_datasets = [d for d in ("concrete", "california") if d in swept] or swept[:1]
glue("ch4_primary", primary)
glue("ch4_n_seeds", int(sweep.seed.nunique()))

# %% [markdown]
# The regularized teacher is the best $\lambda > 0$ for the SR student under the
# **{glue:text}`ch4_primary`** reading; numbers are means over {glue:text}`ch4_n_seeds` seed(s).
#
# ## Table 3: tree students from the standard and the regularized teacher

# %%
t3 = trees.tree_table(sweep, primary, datasets=tree_datasets)
display(show.styled(t3, caption=f"Table 3: 32-leaf tree students (regularized λ: best SR λ > 0, {primary} reading)"))
for ds in ("concrete", "california"):
    name = show.name_of(ds)
    have = name in t3.index.get_level_values(0)
    for kind in ("standard", "regularized"):
        glue(f"ch4_{ds}_{kind}", float(t3.loc[(name, kind), "ours: tree R²"]) if have else math.nan)
        p3 = paper.TABLE3[(paper.TABLE3.dataset == ds) & (paper.TABLE3.teacher == kind)]
        glue(f"ch4_{ds}_paper_{kind}", float(p3.tree_r2.iloc[0]))
    glue(f"ch4_{ds}_lam", show.fmt_lam(t3.loc[(name, "regularized"), "ours: λ"]) if have else "none")

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
tree_curves = trees.tree_by_lambda(sweep)
display(plots.lambda_panels(tree_curves, "r2", "test R²", "Tree student (32 leaves) and its teacher against λ",
                            paper_points=trees.paper_tree_points(), group="model"))
tree_only = tree_curves[tree_curves.model == "tree student"]
best_gain = {}
for ds, g in tree_only.groupby("dataset", sort=False):
    c = g.set_index("lam").r2.sort_index()
    best_gain[ds] = float(c[c.index > 0].max() - c.loc[0.0]) if (c.index > 0).any() else math.nan
glue("ch4_max_gain_any_lam", max(best_gain.values()))
glue("ch4_max_gain_dataset", show.name_of(max(best_gain, key=best_gain.get)))

# %% [markdown]
# Over all data sets and all $\lambda > 0$, the largest gain of the tree student over its
# $\lambda = 0$ counterpart is {glue:text}`ch4_max_gain_any_lam:.3f` in $R^2$
# ({glue:text}`ch4_max_gain_dataset`).
#
# ## Verdict
#
# Rule: on each of Concrete and California, the regularized teacher *helps* the tree if the
# tree's $R^2$ rises by more than 0.02 or it needs fewer leaves. Reproduced ("no gain") if
# it helps on neither data set; not reproduced if it helps on both; partly reproduced
# otherwise.

# %%
comp = competence.competence_table(sweep, "tree")  # the competence rule on the λ = 0 trees
comp = comp[comp.dataset.map(show.name_of).isin(t3.index.get_level_values("dataset"))]
display(show.styled(competence.competence_display(comp, "tree"), highlight_paper=False,
                      caption="Competence rule: λ = 0 tree students; 'left out' data sets do not count"))
v_tree, gains = trees.verdict_tree(t3, competence=comp)
parts = [f"{ds}: {t3.loc[(ds, 'standard'), 'ours: tree R²']:.3f} -> {t3.loc[(ds, 'regularized'), 'ours: tree R²']:.3f} "
         f"(λ = {show.fmt_lam(t3.loc[(ds, 'regularized'), 'ours: λ'])}, "
         f"{int(t3.loc[(ds, 'regularized'), 'ours: leaves'])} leaves)" for ds in gains]
paper_parts = [f"{show.name_of(r.dataset)} {r.teacher} {r.tree_r2:.3f}" for _, r in paper.TABLE3.iterrows()]
verdicts = [dict(claim="Jacobian regularization gives no gain for decision-tree students", verdict=v_tree,
                 evidence=("Tree R² from the standard -> regularized teacher: " + "; ".join(parts)
                           + f" (regularized λ = best SR λ under the {primary} reading); "
                           + competence.competence_note(comp, "tree") + "."),
                 paper="; ".join(paper_parts), ours="; ".join(parts))]
for v in verdicts:
    write_verdict(chapter=CHAPTER, results_dir=results_dir, **v)
glue("ch4_verdict", v_tree)
glue("ch4_evidence", verdicts[0]["evidence"])

# %% [markdown]
# **No gain for tree students: {glue:text}`ch4_verdict`.** {glue:text}`ch4_evidence`
