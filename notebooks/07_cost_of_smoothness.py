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
# # The cost of smoothness
#
# The paper reports that its Jacobian regularizer "increases training time by roughly
# 10x" (Section 4.2 and Figure 2, again under Limitations) and that "the cost scales
# roughly as $O(d \cdot h)$" in the input dimension $d$ and width $h$ because computing the
# Jacobian "requires a backward pass for each input feature" (Section 3.2).
#
# That cost belongs to an implementation, not to the regularizer. For a ReLU network with
# one output the input Jacobian is a single row, $J(x) = (m(x) \odot w_2)\,W_1$ with the 0/1
# activation mask $m$, which costs one small matrix product per batch, and its gradient
# folds into the matrix products a plain training step already does
# (`distillkit.teacher.FastEngine`). Here we time every way of computing the penalty on the
# same network and data:
#
# * **exact, closed form** on our hand-written engine (`exact`), and through autograd
#   (`exact_autograd`);
# * **double backprop** (`autograd`): one `autograd.grad` with `create_graph=True`;
# * **random projection** (`projection`, Hoffman et al. 2019), one projection per step;
# * the **naive route**: the full per-sample Jacobian with `torch.func` and `vmap`, in
#   reverse (`jacrev`) and forward mode (`jacfwd`: one pass per input feature, the scaling
#   the paper describes).
#
# Beside the Jacobian penalty we time the two Lipschitz penalties of
# `distillkit.penalties.lipschitz` on our engine: the book's **Lipschitz** penalty, the largest squared
# input-gradient norm over the batch (`lipschitz`), and the global bound of Gouk et al.
# (2021), the squared product of the layers' spectral norms tracked by power iteration
# (`lipschitz_bound`); `lipschitz_autograd` is the first through autograd.
#
# Each is compared with the plain step ($\lambda = 0$) *of the same engine*, so a ratio is the
# price of the regularizer within one implementation. Step times are medians of
# individually timed steps, with the methods measured interleaved (blocks of steps in turn)
# so that background load on a shared machine hits them alike.

# %% tags=["parameters"]
profile = "paper"
results_dir = None
steps = None           # timed steps per method at the paper's setting (None: by profile)
grid_steps = None      # timed steps per method in the d x width grid
dims = None            # input dimensions of the grid
hiddens = None         # hidden widths of the grid
ensemble_sizes = None  # ensemble sizes G
ensemble_epochs = None
training_epochs = None  # epochs of the full training runs on Concrete (paper: 100)
threads = 1            # torch threads for step and training timings

# %%
from distillkit.experiments import bench
from distillkit.book.chapters import cost_of_smoothness
from distillkit.experiments import paper
from distillkit.book.chapter import Chapter

ch = Chapter("07_cost_of_smoothness", globals())
cfg = cost_of_smoothness.settings(profile, steps=steps, grid_steps=grid_steps, dims=dims, hiddens=hiddens,
                    ensemble_sizes=ensemble_sizes, ensemble_epochs=ensemble_epochs,
                    training_epochs=training_epochs)
ch.glue(cost_of_smoothness.machine_glues(bench.machine_info(), threads))

# %% [markdown]
# Machine: {glue:text}`ch7_cpu`, {glue:text}`ch7_cores` usable cores, torch
# {glue:text}`ch7_torch`, {glue:text}`ch7_threads` torch thread(s) for the step timings; the
# 1-minute load average when the chapter started was {glue:text}`ch7_load:.2f` (other work
# on the machine slows every method alike, but adds noise).
#
# ## One training step at the paper's setting
#
# California-sized data (16 512 training rows), $d = 8$ inputs, 100 hidden units, batch
# 128 (the paper's Table 5). `ratio` divides by the plain step of our fast engine,
# `ratio_engine` by the plain step of the method's own engine, `ratio_best_plain` by the
# faster of the two plain steps.

# %%
setting = cost_of_smoothness.setting_steps(cfg, threads)
ch.glue(cost_of_smoothness.setting_glues(setting))
ch.table(cost_of_smoothness.setting_display(setting), precision=2)

# %% [markdown]
# A regularized step with the closed-form penalty on our engine takes
# {glue:text}`ch7_exact_us:.0f` µs against {glue:text}`ch7_plain_us:.0f` µs for a plain step,
# a ratio of **{glue:text}`ch7_ratio_exact:.2f`**. It is also
# {glue:text}`ch7_autograd_plain_over_exact:.1f`× faster than a plain step written the usual
# way with autograd ({glue:text}`ch7_plain_autograd_us:.0f` µs). Within the autograd engine
# the closed form costs {glue:text}`ch7_ratio_exact_autograd:.2f`× a plain step, double
# backprop {glue:text}`ch7_ratio_autograd:.2f`×, a random projection
# {glue:text}`ch7_ratio_projection:.2f`×, and the naive full Jacobian
# {glue:text}`ch7_ratio_jacrev:.2f`× (`jacrev`) and {glue:text}`ch7_ratio_jacfwd:.2f`×
# (`jacfwd`). The paper's figure is {glue:text}`ch7_paper_overhead:.0f`×.
#
# The book's Lipschitz penalty (largest squared gradient norm over the batch) takes
# {glue:text}`ch7_lipschitz_us:.0f` µs on our engine, **{glue:text}`ch7_ratio_lipschitz:.2f`×**
# a plain step (our target was at most {glue:text}`ch7_lipschitz_target`×): on top of the
# Jacobian's work it needs a per-sample norm, a maximum over the batch, and a gather and
# scatter of one Jacobian row, four small kernels whose fixed cost is most of their time at this size. The global bound
# costs {glue:text}`ch7_ratio_lipschitz_bound:.2f`× (about a dozen tiny kernels per step: a
# power-iteration step and a rank-one gradient, independent of the batch), and the local
# penalty through autograd {glue:text}`ch7_ratio_lipschitz_autograd:.2f`× autograd's plain step.
#
# ## Scaling with input dimension and width

# %%
grid = cost_of_smoothness.grid_steps(cfg, threads)
fig = bench.overhead_figure(grid, paper_overhead=paper.TRAINING_OVERHEAD)
ch.glue(cost_of_smoothness.grid_glues(grid))
ch.table(cost_of_smoothness.grid_ratio_table(grid), precision=2,
         caption="Step time / plain step time of the same engine, by width and input dimension")
ch.table(cost_of_smoothness.grid_time_table(grid), precision=0, caption="Median step time (µs)")

# %% [markdown]
# From $d =$ {glue:text}`ch7_dmin` to $d =$ {glue:text}`ch7_dmax` (100 hidden units) the
# overhead of `jacfwd`, which pays one forward pass per input feature, grows
# {glue:text}`ch7_growth_jacfwd:.1f`-fold, to {glue:text}`ch7_ratio_dmax_jacfwd:.1f`× a plain
# step: that is the paper's $O(d \cdot h)$. The closed form does not grow with $d$ in the same
# way (ratio {glue:text}`ch7_ratio_dmax_exact:.2f` at $d =$ {glue:text}`ch7_dmax`, a
# {glue:text}`ch7_growth_exact:.2f`-fold change), and neither does double backprop
# ({glue:text}`ch7_growth_autograd:.2f`-fold): one backward pass gives the whole gradient
# row whatever $d$. Over the whole grid a regularized step on our engine costs at most
# {glue:text}`ch7_exact_worst_best_plain:.2f`× the faster of the two plain steps. (At large
# $d \times h$ the fast engine's plain step, which forms the Jacobian anyway because it
# reads the network output off it, is no faster than autograd's; the tables show both.)
#
# ## Training the paper's teachers as one ensemble
#
# The paper's grid trains 6 values of $\lambda$ and 5 seeds per data set: 30 teachers on the
# same data. `distillkit` trains them as one batched model (`fit_teacher_ensemble`); member
# $g$ draws its initial weights and batch order from its own generator exactly as a lone
# teacher would, and every kernel acts on each member separately, so a member ends with the
# lone teacher's weights (bitwise, in our tests). `x_one` is the wall time relative to one
# teacher on the same number of threads; `speedup` is G × (one teacher) / (ensemble). The
# `autograd` rows time one teacher trained the standard way for comparison.

# %%
ens = cost_of_smoothness.ensemble_times(cfg)
ch.glue(cost_of_smoothness.ensemble_glues(ens))
ch.table(cost_of_smoothness.ensemble_display(ens), precision=2)

# %% [markdown]
# On one thread the {glue:text}`ch7_G` teachers take {glue:text}`ch7_ens_x_one_1t:.1f`× the wall
# time of one teacher on our engine, {glue:text}`ch7_ens_speedup_1t:.1f`× faster than training
# them one after another, and {glue:text}`ch7_ens_vs_autograd_one:.1f`× the time of *one*
# teacher trained the standard way with autograd. With {glue:text}`ch7_ens_threads` threads
# the ensemble takes {glue:text}`ch7_ens_x_one_default:.1f`× one single-threaded teacher (on a
# busy shared machine, multi-threaded timings are the least reliable numbers here). A lone
# teacher is already cheap (its step is dominated by fixed per-operation costs); an ensemble
# step is dominated by three small matrix products per member, whose cost grows with G.
#
# How close to "G teachers for the price of one" can a CPU get? Each member's step needs
# three matrix products of $h \times (d+1) \times B$ multiply-adds, here
# {glue:text}`ch7_flops_member:.2f` MFLOP, whatever the implementation. This machine
# multiplies large float32 matrices at {glue:text}`ch7_peak_1t:.0f` GFLOP/s on one
# thread{glue:text}`ch7_peak_more`. Even if the other members' products ran at that rate,
# on top of one teacher's step, the ensemble could not be faster than
# {glue:text}`ch7_floor_1t:.1f`× one teacher on one thread{glue:text}`ch7_floor_more`;
# the table below lists this bound as `floor_x_one`. The whole ensemble step runs at an effective
# {glue:text}`ch7_achieved_1t:.0f` GFLOP/s on one thread ({glue:text}`ch7_efficiency_1t:.0f` %
# of that rate): products with a dimension of only $d + 1 = 9$ run well below the
# large-matrix rate, and elementwise work and fixed per-operation costs take the rest. So on
# a small CPU what the ensemble saves is the lone teacher's fixed per-step costs, paid once
# instead of G times, not arithmetic. Against one teacher trained the standard way with
# autograd the whole grid costs {glue:text}`ch7_ens_vs_autograd_one:.1f`× on one
# thread{glue:text}`ch7_vs_autograd_more`. A GPU, where a lone teacher leaves nearly all its
# arithmetic units idle, is where G members should come almost free; this page times the
# CPU only.

# %%
ch.table(cost_of_smoothness.roofline_display(ens), precision=2, caption="Ensemble step against the machine's matrix-product rate")

# %% [markdown]
# ## Full training on Concrete (the paper's Figure 2)
#
# One teacher per $\lambda$ with the paper's budget, on the Concrete training split; the
# ratio divides by the $\lambda = 0$ fit on the same engine.

# %%
train = cost_of_smoothness.concrete_training(cfg, threads)
ch.glue(cost_of_smoothness.training_glues(train))
ch.table(cost_of_smoothness.training_table(train), precision=3, caption="Training wall time (s)")

# %% [markdown]
# Over the $\lambda > 0$ fits ({glue:text}`ch7_train_epochs` epochs each), the median training
# time is {glue:text}`ch7_train_ratio_exact:.2f`× the $\lambda = 0$ time with the closed form on
# our engine, {glue:text}`ch7_train_ratio_lipschitz:.2f`× with the Lipschitz penalty on our
# engine ({glue:text}`ch7_train_ratio_lipschitz_bound:.2f`× with the global bound),
# {glue:text}`ch7_train_ratio_autograd:.2f`× with double backprop and
# {glue:text}`ch7_train_ratio_jacfwd:.2f`× with `jacfwd` (NaN: not run in this profile).
#
# ## Verdict
#
# *Overhead*: {glue:text}`ch7_overhead_rule`
#
# *Scaling*: {glue:text}`ch7_scaling_rule`

# %%
ch.publish(cost_of_smoothness.verdicts(setting, grid, train, threads))

# %% [markdown]
# **The regularizer costs ~10x training time: {glue:text}`ch7_overhead_verdict`.**
# {glue:text}`ch7_overhead_evidence`
#
# **The cost grows with the input dimension: {glue:text}`ch7_scaling_verdict`.**
# {glue:text}`ch7_scaling_evidence`
#
# The paper's overhead is what a per-feature Jacobian costs; it is not a property of the
# regularizer. For the scalar-output ReLU teachers of the paper the exact penalty is nearly
# free, so the $\lambda$ sweep of the paper (and of this book) costs little more than
# training plain teachers.
