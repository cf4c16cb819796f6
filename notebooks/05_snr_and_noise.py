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
from distillkit.book import analyses, competence, params, plots, show, summaries
from distillkit.book.chapters import snr_and_noise
from distillkit.book.chapter import Chapter

ch = Chapter("05_snr_and_noise", globals())
sweep = params.paper_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs)
primary = analyses.primary_reading(sweep)
summary = summaries.lambda_summary(sweep)
ch.glue(primary=primary)

# %% [markdown]
# Improvements below are those of {doc}`03_lambda_sweep` (best $\lambda > 0$ against
# $\lambda = 0$); verdicts use the **{glue:text}`ch5_primary`** reading, the one that reproduces
# the pattern of the paper's Table 6.
#
# ## Table 8: the SNR proxy

# %%
seed_list = params.resolve_seeds(profile, seeds)
snr_tab = snr_and_noise.snr_table(params.resolve_datasets(datasets), seeds=seed_list, profile=profile)
ch.glue(snr_and_noise.snr_glues(snr_tab, n_seeds=len(seed_list)))
ch.table(snr_and_noise.snr_display(snr_tab, summary), precision=2,
         caption="Table 8: SNR proxy Var(y) / Var(linear-fit residuals), with each data set's improvement")

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
ch.glue(snr_and_noise.rho_glues(snr_tab, summary))
ch.figure(plots.snr_figure(snr_tab, summary))

# %% [markdown]
# The Spearman rank correlation between our SNR proxy and the improvement is
# {glue:text}`ch5_rho_literal:.2f` (literal reading) and {glue:text}`ch5_rho_converged:.2f`
# (converged); with the paper's own improvements (Table 2) it is
# {glue:text}`ch5_rho_paper:.2f`. (With five data sets, a rank correlation is a weak
# summary at best; NaN means one side is constant.)
#
# ## Table 9: label-noise ablation

# %%
noisy = snr_and_noise.noise_sweep(profile, datasets, lams, seeds, sr_readings, n_jobs, noise_levels)
noise_ds = noisy.dataset.iloc[0]
noise_tab = snr_and_noise.noise_table(noisy)
ch.glue(snr_and_noise.noise_glues(noise_tab, noisy))
ch.table(noise_tab, caption=f"Table 9: label noise on {show.name_of(noise_ds)}")
ch.figure(plots.noise_figure(noise_tab, noise_ds))

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
# Rules, under the {glue:text}`ch5_primary` reading; the thresholds live in
# `distillkit.book.chapters.snr_and_noise.THRESHOLDS`.
#
# * **SNR values.** {glue:text}`ch5_values_rule`
# * **Low SNR explains Wine.** {glue:text}`ch5_explain_rule`
# * **Noise ablation.** {glue:text}`ch5_noise_rule`

# %%
ch.table(competence.competence_display(competence.competence_table(sweep, "student"), "student"),
         highlight_paper=False, caption="Competence rule: λ = 0 students; 'left out' cells do not count")
ch.table(competence.competence_display(competence.competence_table(noisy, "noisy"), "noisy"),
         highlight_paper=False, caption="Competence rule: λ = 0 students at each noise level α")
ch.publish(snr_and_noise.verdicts(sweep, snr_tab, noisy, reading=primary))

# %% [markdown]
# **SNR values of Table 8: {glue:text}`ch5_values_verdict`.** {glue:text}`ch5_values_evidence`
#
# **Low SNR explains Wine's lack of improvement: {glue:text}`ch5_explain_verdict`.**
# {glue:text}`ch5_explain_evidence`
#
# **Noise-ablation pattern: {glue:text}`ch5_noise_verdict`.** {glue:text}`ch5_noise_evidence`
