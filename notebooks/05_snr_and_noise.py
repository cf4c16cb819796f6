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
# # Signal-to-noise ratio and label noise
#
# The paper explains the lack of improvement on Wine Quality Red by noise (Section 5.1,
# Appendix D): Wine "has a significantly lower signal-to-noise ratio", measured by the proxy
# $\mathrm{SNR} = \mathrm{Var}(y) / \mathrm{Var}(\text{residuals of a linear regression})$
# (Table 8: Concrete 2.60, Wine 1.56). A label-noise ablation on Concrete (Table 9) then adds
# Gaussian noise of standard deviation $\alpha \cdot \mathrm{sd}(y)$ to the training labels and
# measures the improvement of the regularized student *relative to a standard teacher trained
# on the same noisy labels*; the paper calls the result "non-trivial".
#
# The paper does not say whether its linear fit is scored in-sample or on held-out data,
# so we compute both.

# %% tags=["parameters"]
profile = "paper"
datasets = None
lams = None
seeds = None
sr_readings = ["literal", "converged"]
n_jobs = 2
results_dir = None
noise_levels = [0.0, 0.1, 0.25, 0.5]

# %%
import math

from IPython.display import display

from distillkit import competence, improvement, metrics, paper, params, plots, show, snr, summaries
from distillkit.book import check_parameters, write_verdict
from distillkit.show import glue

check_parameters(globals())
CHAPTER = "05_snr_and_noise"
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
readings = params.resolve_readings(sr_readings)
primary = improvement.table6_reading(improvement.table6_pattern(sweep))
summary = summaries.lambda_summary(sweep)
seed_list = params.resolve_seeds(profile, seeds)
glue("ch5_primary", primary)

# %% [markdown]
# Improvements below are those of {doc}`03_lambda_sweep` (best $\lambda > 0$ against
# $\lambda = 0$); verdicts use the **{glue:text}`ch5_primary`** reading, the one that reproduces
# the pattern of the paper's Table 6.
#
# ## Table 8: the SNR proxy

# %%
snr_tab = snr.snr_table(params.resolve_datasets(datasets), seeds=seed_list, profile=profile)
display(show.styled(snr.snr_display(snr_tab, summary), precision=2,
                      caption="Table 8: SNR proxy Var(y) / Var(linear-fit residuals), with each data set's improvement"))
version, diff = snr.snr_matching_version(snr_tab)
names = {"full": "the in-sample fit on the full data set", "held_out": "the held-out test split"}
glue("ch5_snr_version", names.get(version, version))
glue("ch5_snr_diff", diff)
s = snr_tab.set_index("dataset")
for ds in ("concrete", "wine_red"):
    glue(f"ch5_snr_{ds}_full", float(s.full.get(ds, math.nan)))
    glue(f"ch5_snr_{ds}_held", float(s.held_out.get(ds, math.nan)))
    glue(f"ch5_snr_{ds}_paper", float(paper.TABLE8.set_index("dataset").snr_proxy[ds]))
glue("ch5_lowest_snr", show.name_of(s.full.idxmin()))
glue("ch5_n_seeds", len(seed_list))

# %% [markdown]
# The paper's values are Concrete {glue:text}`ch5_snr_concrete_paper:.2f` and Wine
# {glue:text}`ch5_snr_wine_red_paper:.2f`. A least-squares fit on all rows, scored on the same
# rows, gives {glue:text}`ch5_snr_concrete_full:.2f` and {glue:text}`ch5_snr_wine_red_full:.2f`;
# scored on the held-out test split (mean over {glue:text}`ch5_n_seeds` seed(s)),
# {glue:text}`ch5_snr_concrete_held:.2f` and {glue:text}`ch5_snr_wine_red_held:.2f`. The paper's
# numbers match {glue:text}`ch5_snr_version` (largest difference
# {glue:text}`ch5_snr_diff:.3f`). The data set with the lowest SNR is
# {glue:text}`ch5_lowest_snr`.
#
# The paper shows only two SNR values. Its argument needs more: that a low SNR goes with a
# small improvement across data sets. The figure puts all five side by side.

# %%
display(plots.snr_figure(snr_tab, summary))
rho = {r: metrics.spearman(s.full.reindex(summary[summary.sr_reading == r].dataset),
                          summary[summary.sr_reading == r].improvement_pct) for r in readings}
show.glue_by_reading("ch5_rho", rho)
p_common = paper.TABLE2.set_index("dataset").improvement_pct.reindex(s.index)
glue("ch5_rho_paper", metrics.spearman(s.full, p_common))

# %% [markdown]
# The Spearman rank correlation between our SNR proxy and the improvement is
# {glue:text}`ch5_rho_literal:.2f` (literal reading) and {glue:text}`ch5_rho_converged:.2f`
# (converged); with the paper's own improvements (Table 2) it is
# {glue:text}`ch5_rho_paper:.2f`. (With five data sets, a rank correlation is a weak
# summary at best; NaN means one side is constant.)
#
# ## Table 9: label-noise ablation

# %%
noise_ds = params.focus_dataset(params.resolve_datasets(datasets))
noisy = params.paper_sweep(profile, [noise_ds], lams, seeds, sr_readings, n_jobs,
                           noises=tuple(float(a) for a in params.as_list(noise_levels)))
nt = snr.noise_table(noisy)
display(show.styled(nt, caption=f"Table 9: label noise on {show.name_of(noise_ds)}"))
display(plots.noise_figure(nt, noise_ds))
t9 = paper.TABLE9.set_index("noise")
glue("ch5_noise_dataset", show.name_of(noise_ds))
glue("ch5_paper_t9_zero", float(t9.improvement_pct.get(0.0, math.nan)))
glue("ch5_paper_t2_concrete", float(paper.TABLE2.set_index("dataset").improvement_pct["concrete"]))
ntr = nt.reset_index()
for r in readings:
    o = ntr[ntr.source == show.ours_label(r)].set_index("noise α")
    glue(f"ch5_noise_impr_{r}", ", ".join(f"{v:+.1f} %" for v in o["improvement (%)"]))
    glue(f"ch5_noise_std_{r}", ", ".join(f"{v:.2f}" for v in o["standard student R²"]))
glue("ch5_noise_alphas", ", ".join(f"{a:g}" for a in sorted(noisy.noise.unique())))
glue("ch5_noise_paper_impr", ", ".join(f"{v:+.1f} %" for v in paper.TABLE9.improvement_pct))
glue("ch5_noise_paper_std", ", ".join(f"{v:.2f}" for v in paper.TABLE9.student_r2_standard))

# %% [markdown]
# At $\alpha =$ {glue:text}`ch5_noise_alphas` on {glue:text}`ch5_noise_dataset`, the paper
# reports standard students of {glue:text}`ch5_noise_paper_std` and improvements of
# {glue:text}`ch5_noise_paper_impr`. We measure standard students of
# {glue:text}`ch5_noise_std_literal` and improvements of {glue:text}`ch5_noise_impr_literal`
# (literal reading), and {glue:text}`ch5_noise_std_converged` with
# {glue:text}`ch5_noise_impr_converged` (converged).
#
# Two remarks on the paper's table. Its $\alpha = 0$ row gives an improvement of
# {glue:text}`ch5_paper_t9_zero:.1f` %, whereas its Table 2 gives
# {glue:text}`ch5_paper_t2_concrete:.1f` % for the same noiseless Concrete data, so the two
# tables cannot both use the best $\lambda$ over the same grid. And a negative improvement (its
# $\alpha = 0.10$ row) is impossible for the best $\lambda$ over a grid containing
# $\lambda = 0$, and possible for the best over $\lambda > 0$ only if *every* regularized
# student is worse; a fixed $\lambda$ would explain both. Our table therefore also shows the
# improvement at the paper's Concrete optimum $\lambda = 0.001$ when the grid contains it.
# (Our $\alpha = 0$ row is, by construction, the Concrete row of {doc}`03_lambda_sweep`.)
#
# ## Verdict
#
# Rules, under the {glue:text}`ch5_primary` reading. *SNR values*: reproduced if our
# in-sample proxy is within 0.05 of both of the paper's values, partly reproduced if within
# 0.25, not reproduced otherwise. *Low SNR explains Wine*: (a) Wine has the lowest SNR of the
# data sets, (b) Wine's improvement is at most 5 %, (c) across data sets the rank correlation
# of SNR and improvement is at least 0.5; reproduced if (a), (b) and (c), partly reproduced if (a)
# and one of the others, not reproduced otherwise. *Noise ablation*: the sign of our
# improvement matches the paper's at every $\alpha > 0$ (reproduced), at least half of them
# (partly reproduced), or fewer (not reproduced).

# %%
v_values, d_values = snr.verdict_snr_values(snr_tab, "full")
comp = competence.competence_table(sweep, "student")  # the competence rule on the λ = 0 students
comp_noise = competence.competence_table(noisy, "noisy")
display(show.styled(competence.competence_display(comp, "student"), highlight_paper=False,
                      caption="Competence rule: λ = 0 students; 'left out' cells do not count"))
display(show.styled(competence.competence_display(comp_noise, "noisy"), highlight_paper=False,
                      caption="Competence rule: λ = 0 students at each noise level α"))
v_explain, info = snr.verdict_snr_explains(snr_tab, summary, primary, competence=comp)
v_noise, ninfo = snr.verdict_noise(nt, primary, competence=comp_noise)
p8 = paper.TABLE8.set_index("dataset").snr_proxy
paper_snr = ", ".join(f"{show.name_of(d)} {v:.2f}" for d, v in p8.items())
ours_noise = ntr[ntr.source == show.ours_label(primary)].set_index("noise α")["improvement (%)"]
verdicts = [
    dict(claim="SNR proxy values of Table 8", verdict=v_values,
         evidence=(f"In-sample linear fit: Concrete {s.full.get('concrete', math.nan):.2f}, Wine "
                   f"{s.full.get('wine_red', math.nan):.2f}; held-out: {s.held_out.get('concrete', math.nan):.2f} "
                   f"and {s.held_out.get('wine_red', math.nan):.2f}; the paper's values match the "
                   f"{'in-sample' if version == 'full' else 'held-out'} version (max difference {diff:.3f})."),
         paper=paper_snr,
         ours=", ".join(f"{show.name_of(d)} {s.full.get(d, math.nan):.2f}" for d in p8.index)),
    dict(claim="A low signal-to-noise ratio explains the lack of improvement on Wine Quality Red",
         verdict=v_explain,
         evidence=(f"Wine {'has' if info['wine_lowest_snr'] else 'does not have'} the lowest SNR of the "
                   f"{len(s)} data sets; its improvement ({primary}) is "
                   f"{info['wine_improvement']:.1f} %; Spearman ρ(SNR, improvement) = {info['rho']:.2f}; "
                   + competence.competence_note(comp, "student") + "."),
         paper=(f"SNR {paper_snr}; Wine improvement "
                f"{paper.TABLE2.set_index('dataset').improvement_pct['wine_red']:+.1f} %"),
         ours=f"lowest SNR: {show.name_of(s.full.idxmin())}; ρ = {info['rho']:.2f}"),
    dict(claim="Label-noise ablation pattern of Table 9", verdict=v_noise,
         evidence=(f"Improvement at α = " + ", ".join(f"{a:g}" for a in ours_noise.index) + f" ({primary}): "
                   + ", ".join(f"{v:+.1f} %" for v in ours_noise) + "; paper: "
                   + ", ".join(f"{v:+.1f} %" for v in paper.TABLE9.improvement_pct)
                   + f"; signs match at {sum(ninfo['match'].values())}/{len(ninfo['match'])} noise levels α > 0; "
                   + competence.competence_note(comp_noise, "noisy") + "."),
         paper=", ".join(f"{v:+.1f} %" for v in paper.TABLE9.improvement_pct),
         ours=", ".join(f"{v:+.1f} %" for v in ours_noise)),
]
for v in verdicts:
    write_verdict(chapter=CHAPTER, results_dir=results_dir, **v)
for key, v in zip(("values", "explain", "noise"), verdicts):
    glue(f"ch5_verdict_{key}", v["verdict"])
    glue(f"ch5_evidence_{key}", v["evidence"])

# %% [markdown]
# **SNR values of Table 8: {glue:text}`ch5_verdict_values`.** {glue:text}`ch5_evidence_values`
#
# **Low SNR explains Wine's lack of improvement: {glue:text}`ch5_verdict_explain`.**
# {glue:text}`ch5_evidence_explain`
#
# **Noise-ablation pattern: {glue:text}`ch5_verdict_noise`.** {glue:text}`ch5_evidence_noise`
