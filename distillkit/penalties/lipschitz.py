r"""Lipschitz penalties for the MLP teacher, beside the Jacobian penalty of paper eq. (3).

For a scalar-output network :math:`f:\mathbb{R}^d\to\mathbb{R}` the Jacobian is one row, so
its Frobenius norm already *is* its spectral norm: a "Lipschitz" penalty must differ from
the Jacobian penalty in how it aggregates, not in which norm it takes. A function is
:math:`L`-Lipschitz (in the Euclidean norm) iff :math:`\|\nabla f(x)\|\le L` almost
everywhere, so the smallest such constant is :math:`L(f) = \sup_x \|\nabla f(x)\|`. With
the per-sample squared gradient norms :math:`s_i = \|J_f(x_i)\|^2` of a batch, the
penalties of :data:`PENALTIES` are

``"jacobian"`` (paper eq. 3)
    :math:`P_J = \frac{1}{B}\sum_i s_i`, the mean: average smoothness on the data.
``"lipschitz"`` (local; the book's "Lipschitz")
    :math:`P_L = \max_i s_i`, the squared largest gradient norm over the batch: a lower
    estimate of :math:`L(f)^2` from the points the data visits. Its (sub)gradient is the
    gradient of :math:`s_{i^*}` at the maximizing sample :math:`i^*` alone.
``"lipschitz_bound"`` (global, Gouk et al. 2021)
    :math:`P_G = \prod_l \|W_l\|_2^2`, the squared product of the layers' spectral norms:
    an upper bound on :math:`L(f)^2` for any 1-Lipschitz activation (ReLU), valid on the
    whole input space, data-free and usually loose (it ignores which units are active).

All three are squared, so they share the Jacobian penalty's units and its λ grid, and on
every batch

.. math::  P_J \;\le\; P_L \;\le\; L(f)^2 \;\le\; P_G

(mean ≤ max ≤ sup ≤ bound; ``tests/penalties/test_lipschitz.py`` checks the chain).

Spectral norms. Where autograd trains the teacher (any depth) :func:`bound_penalty`
takes them exactly, ``torch.linalg.matrix_norm(ord=2)`` (an SVD; differentiable, and the
matrices are small). The hand-written engine (:class:`distillkit.teacher.FastEngine`,
one hidden layer) cannot afford an SVD per step: a batched SVD or eigen-solve of the
:math:`100\times 8` first layer costs several times a whole training step on a CPU. It
runs *power iteration with a persistent vector* instead (as Miyato et al. 2018 do for
spectral normalization): :math:`v` starts at the exact top right singular vector of
:math:`W_1` and gets one step :math:`v \leftarrow W_1^\top W_1 v / \|W_1^\top W_1 v\|`
per training step, which tracks the top singular vector because Adam moves the weights
little per step. With :math:`a = W_1 v` (:math:`\|v\| = 1`) and the output row
:math:`w_2` (whose spectral norm is its Euclidean norm),

.. math::  \hat P_G = \|w_2\|^2\,\|a\|^2,\qquad
           \frac{\partial \hat P_G}{\partial W_1} = 2\|w_2\|^2\, a\, v^\top,\qquad
           \frac{\partial \hat P_G}{\partial w_2} = 2\|a\|^2\, w_2,

which at a converged :math:`v` is the exact penalty and its exact gradient
(:math:`\partial\sigma/\partial W = u v^\top`).

Why the local form is the book's "Lipschitz": it measures the same quantity as the
Jacobian penalty (the input gradient on the data) and changes only the aggregation, mean
to worst case, so a comparison of the two isolates "average smoothness" against
"Lipschitz smoothness" on the data the student is distilled from. The global bound is
kept for comparison; for ReLU networks it can exceed :math:`L(f)` by orders of magnitude
and penalizes slopes in regions no sample visits.
"""
from __future__ import annotations

import torch

from distillkit.penalties.jacobian import METHODS, jacobian_sq_norms

from distillkit.vocab import PENALTIES


def check_penalty(penalty: str, jacobian_method: str = "exact") -> None:
    """Raise one clear ValueError for an unknown penalty kind or Jacobian method."""
    if penalty not in PENALTIES:
        hint = (f" ({penalty!r} is a Jacobian method: pass jacobian_method={penalty!r})"
                if penalty in METHODS else "")
        raise ValueError(f"unknown penalty {penalty!r}; choose one of {PENALTIES}{hint}")
    if jacobian_method not in METHODS:
        raise ValueError(f"unknown jacobian_method {jacobian_method!r}; choose one of {METHODS}")


def spectral_norms(weights) -> list[torch.Tensor]:
    """Exact spectral norm ``||W_l||_2`` of each layer, shape ``(...)`` per layer (leading
    ensemble dimensions kept); differentiable."""
    return [torch.linalg.matrix_norm(w, ord=2) for w in weights]


def lipschitz_bound(weights) -> torch.Tensor:
    """Gouk et al.'s global Lipschitz bound ``prod_l ||W_l||_2`` of a ReLU MLP."""
    out = None
    for s in spectral_norms(weights):
        out = s if out is None else out * s
    return out


def bound_penalty(weights) -> torch.Tensor:
    """``"lipschitz_bound"``: the squared global bound, per leading index."""
    return lipschitz_bound(weights).pow(2)


def local_lipschitz_penalty(model, x: torch.Tensor, jacobian_method: str = "exact",
                            n_projections: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """``"lipschitz"``: the largest squared input-gradient norm over the batch ``x``
    ``(..., B, d)``, per leading index."""
    return jacobian_sq_norms(model, x, jacobian_method, n_projections, generator).amax(-1)


def penalty_value(model, x: torch.Tensor, penalty: str = "jacobian", jacobian_method: str = "exact",
                  n_projections: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Any penalty of :data:`PENALTIES` for ``model`` on the batch ``x`` (differentiable)."""
    check_penalty(penalty, jacobian_method)
    if penalty == "lipschitz_bound":
        return bound_penalty(model.weights())
    sq = jacobian_sq_norms(model, x, jacobian_method, n_projections, generator)
    return sq.mean(-1) if penalty == "jacobian" else sq.amax(-1)


def power_iteration(W: torch.Tensor, v: torch.Tensor, n_iter: int = 1):
    """``n_iter`` steps of ``v <- W^T W v / ||W^T W v||`` on ``W`` ``(..., h, d)`` and unit
    ``v`` ``(..., d)``; returns ``(sigma, v)`` with ``sigma = ||W v||`` (a lower bound on
    ``||W||_2`` that converges to it)."""
    for _ in range(int(n_iter)):
        v = (W.mT @ (W @ v.unsqueeze(-1))).squeeze(-1)
        v = v / v.norm(dim=-1, keepdim=True)
    return (W @ v.unsqueeze(-1)).squeeze(-1).norm(dim=-1), v


def top_right_singular_vector(W: torch.Tensor) -> torch.Tensor:
    """Exact top right singular vector of ``W`` ``(..., h, d)``, shape ``(..., d)``."""
    return torch.linalg.svd(W, full_matrices=False).Vh[..., 0, :]


def local_lipschitz_reference(model, x: torch.Tensor) -> torch.Tensor:
    """``max_i ||df/dx(x_i)||^2`` from ``torch.autograd.functional.jacobian`` (slow; tests)."""
    from distillkit.penalties.jacobian import frobenius_reference
    return frobenius_reference(model, x).max()


__all__ = ["PENALTIES", "check_penalty", "spectral_norms", "lipschitz_bound", "bound_penalty",
           "local_lipschitz_penalty", "penalty_value", "power_iteration", "top_right_singular_vector",
           "local_lipschitz_reference"]
