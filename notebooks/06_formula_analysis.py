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
import pandas as pd
import sympy
from IPython.display import Markdown, Math, display

from distillkit import competence, formulas, improvement, metrics, paper, params, plots, show, students, summaries
from distillkit.book import check_parameters, write_verdict
from distillkit.data import load_dataset
from distillkit.show import glue
from distillkit.students import program_to_sympy

check_parameters(globals())
CHAPTER = "06_formula_analysis"
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
readings = params.resolve_readings(sr_readings)
primary = improvement.table6_reading(improvement.table6_pattern(sweep))
summary = summaries.lambda_summary(sweep)
focus = params.focus_dataset(params.resolve_datasets(datasets))
glue("ch6_primary", primary)
glue("ch6_focus", show.name_of(focus))
glue("ch6_seed", int(sweep.seed.min()))

# %% [markdown]
# ## Table 7: formulas from the standard and the best regularized teacher
#
# Data set: {glue:text}`ch6_focus`. "Best regularized" is the $\lambda > 0$ with the best
# student $R^2$ under each reading (as in {doc}`03_lambda_sweep`); the formula shown is that
# of seed {glue:text}`ch6_seed`. The paper's $R^2$ column is from its Table 6.

# %%
formula_rows = formulas.formula_table(sweep, focus)
shown = formula_rows.drop(columns="latex").rename(columns={
    "lam": "λ", "program": "formula (gplearn program)", "complexity": "complexity (nodes)",
    "student_r2": "student test R²"}).set_index(["teacher", "source"])
display(show.styled(shown, caption=f"Table 7: formulas on {show.name_of(focus)}"))

features = load_dataset(focus).feature_names
display(Markdown("Variables: " + ", ".join(f"`X{i}` = {f}" for i, f in enumerate(features))
                 + (". (We assume the paper's `X0`... follow the same column order.)" if focus == "concrete" else ".")))
for _, row in formula_rows.iterrows():
    latex = row.latex if isinstance(row.latex, str) else sympy.latex(program_to_sympy(row.program))
    display(Markdown(f"**{row.source}, {row.teacher} teacher** (λ = {show.fmt_lam(row.lam)}; "
                     f"{row.complexity} nodes; student R² = {row.student_r2:.3f}):"))
    display(Math(latex))

f = formula_rows.set_index(["source", "teacher"]).complexity
for src in [show.PAPER] + [show.ours_label(r) for r in students.SR_READINGS]:
    key = src.replace("ours (", "").rstrip(")")
    for kind in ("standard", "regularized"):
        glue(f"ch6_complexity_{key}_{kind}", int(f.get((src, kind), -1)))

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
complexity = formulas.complexity_by_lambda(sweep)
paper_pts = pd.DataFrame([(d, lam, c) for (d, lam), c in formulas.PAPER_COMPLEXITY.items()],
                         columns=["dataset", "lam", "complexity"])
display(plots.lambda_panels(complexity, "complexity", "formula size (nodes)",
                            "SR formula complexity against λ (ours: mean over seeds)", paper_points=paper_pts,
                            r2=False))
rho = {r: metrics.spearman(complexity[complexity.sr_reading == r].lam,
                          complexity[complexity.sr_reading == r].complexity) for r in readings}
show.glue_by_reading("ch6_rho", rho)
mean_c = complexity.groupby(["sr_reading", complexity.lam > 0]).complexity.mean()
for r in readings:
    glue(f"ch6_mean_c0_{r}", float(mean_c.get((r, False), float("nan"))))
    glue(f"ch6_mean_cpos_{r}", float(mean_c.get((r, True), float("nan"))))
for r in set(students.SR_READINGS) - set(readings):
    glue(f"ch6_mean_c0_{r}", float("nan"))
    glue(f"ch6_mean_cpos_{r}", float("nan"))

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
# Table 6): (a) on {glue:text}`ch6_focus` the best-$\lambda$ formula has fewer nodes than the
# $\lambda = 0$ formula; (b) on a majority of data sets the mean complexity at the best
# $\lambda > 0$ is below that at $\lambda = 0$. Reproduced if (a) and (b), partly reproduced if
# one of them, not reproduced otherwise.

# %%
comp = competence.competence_table(sweep, "student")  # the competence rule on the λ = 0 students
display(show.styled(competence.competence_display(comp, "student"), highlight_paper=False,
                      caption="Competence rule: λ = 0 students; 'left out' cells do not count"))
v_simple, info = formulas.verdict_simpler(formula_rows, complexity, summary, primary, competence=comp, focus=focus)
fc = formula_rows.set_index(["source", "teacher"])
ours_src = show.ours_label(primary)
n_simpler = sum(info["simpler"].values())
verdicts = [dict(
    claim="Regularized teachers give simpler formulas", verdict=v_simple,
    evidence=(f"On {show.name_of(focus)} ({primary} reading) the formula has "
              f"{fc.complexity.get((ours_src, 'standard'), float('nan'))} nodes at λ = 0 and "
              f"{fc.complexity.get((ours_src, 'regularized'), float('nan'))} at the best λ > 0 "
              f"(paper: {formulas.PAPER_COMPLEXITY[('concrete', 0.0)]} and {formulas.PAPER_COMPLEXITY[('concrete', 0.001)]}); "
              f"the best-λ formula is simpler than the λ = 0 one on {n_simpler}/{len(info['simpler'])} data sets; "
              + competence.competence_note(comp, "student") + "."),
    paper=f"{formulas.PAPER_COMPLEXITY[('concrete', 0.0)]} -> {formulas.PAPER_COMPLEXITY[('concrete', 0.001)]} nodes (Concrete)",
    ours=(f"{fc.complexity.get((ours_src, 'standard'), float('nan'))} -> "
          f"{fc.complexity.get((ours_src, 'regularized'), float('nan'))} nodes ({show.name_of(focus)}, {primary}); "
          f"simpler on {n_simpler}/{len(info['simpler'])} data sets"))]
for v in verdicts:
    write_verdict(chapter=CHAPTER, results_dir=results_dir, **v)
glue("ch6_verdict", v_simple)
glue("ch6_evidence", verdicts[0]["evidence"])

# %% [markdown]
# **Regularized teachers give simpler formulas: {glue:text}`ch6_verdict`.** {glue:text}`ch6_evidence`
