r"""The Jacobian penalty :math:`\mathbb{E}_x \|\partial f/\partial x\|_F^2` of paper eq. (3).

For a network :math:`f:\mathbb{R}^d\to\mathbb{R}^m` and a batch :math:`x_1..x_B`,

.. math::  P(f, x) = \frac{1}{B}\sum_{i=1}^B \|J_f(x_i)\|_F^2,
           \qquad J_f(x) = \partial f(x)/\partial x \in \mathbb{R}^{m\times d}.

Methods (all differentiable in the parameters, so usable inside a loss):

``"exact"``
    Closed form for ReLU MLPs :math:`f = W_L\,\sigma(\dots\sigma(W_1x+b_1)\dots)+b_L`:
    :math:`J(x) = W_L D_{L-1}(x) W_{L-1}\cdots D_1(x) W_1` with
    :math:`D_l = \mathrm{diag}(\mathbb{1}[z_l>0])`. For a scalar output this is one
    row vector, computed with the same matmuls as a forward pass. (Training a
    one-hidden-layer teacher does not even call this: :class:`distillkit.teacher.FastEngine`
    computes the penalty and its gradient by hand inside the training step.)
``"autograd"``
    Double backpropagation (Drucker & LeCun 1992): one ``autograd.grad`` with
    ``create_graph=True`` per output dimension. Works for any module.
``"projection"``
    Random-projection estimator (Hoffman et al. 2019): for :math:`v` uniform on the
    unit sphere of :math:`\mathbb{R}^m`, :math:`m\,\mathbb{E}_v\|v^\top J\|^2 = \|J\|_F^2`;
    each projection costs one backward pass whatever :math:`m`. Exact when :math:`m=1`.
``"jacrev"`` / ``"jacfwd"``
    The naive route: the full per-sample Jacobian with ``torch.func`` + ``vmap``
    (``jacfwd`` costs one forward-mode pass per input feature, the scaling the paper
    describes). Kept for benchmarks.

Every method accepts inputs with leading "ensemble" dimensions, ``x`` of shape
``(..., B, d)`` mapped by ``f`` to ``(..., B, m)``, and returns the penalty per leading
index (a 0-d tensor for a plain batch); :func:`jacobian_sq_norms` returns the per-sample
norms, which the Lipschitz penalties of :mod:`distillkit.penalties.lipschitz` reduce by a maximum
instead of a mean.
"""
from __future__ import annotations

import torch

from distillkit.vocab import JACOBIAN_METHODS as METHODS


def _as_2d_out(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    # scalar-output modules may return (..., B) instead of (..., B, 1)
    return out.unsqueeze(-1) if out.dim() == x.dim() - 1 else out


def exact_sq_norms(weights, masks) -> torch.Tensor:
    """Per-sample ``||J(x_i)||_F^2`` in closed form, shape ``(..., B)``.

    ``weights[l]`` is ``W_l`` of shape ``(..., out, in)``; ``masks[l]`` has shape
    ``(..., B, h_l)`` and holds ``1[z_l > 0]`` for hidden layer l.
    """
    w_last = weights[-1]
    m = w_last.shape[-2]
    jt = w_last.unsqueeze(-3)  # (..., 1, m, h_{L-1}), broadcast over the batch below
    for w, mask in zip(reversed(weights[:-1]), reversed(masks)):
        jt = jt * mask.unsqueeze(-2)  # (..., B, m, h_l)
        lead, B = jt.shape[:-3], jt.shape[-3]
        # fold (B, m) into one row dimension: one batched matmul instead of B*m tiny ones
        jt = (jt.reshape(*lead, B * m, jt.shape[-1]) @ w).reshape(*lead, B, m, w.shape[-1])
    return jt.pow(2).sum(dim=(-2, -1))


def exact_penalty(weights, masks) -> torch.Tensor:
    """Batch mean of :func:`exact_sq_norms`."""
    return exact_sq_norms(weights, masks).mean(dim=-1)


def jacobian_sq_norms(model, x: torch.Tensor, method: str = "exact", n_projections: int = 1,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Per-sample ``||J(x_i)||_F^2`` of ``model`` on the batch ``x``, shape ``(..., B)``, by
    any of :data:`METHODS` (``"projection"``: an unbiased estimate per sample).

    ``method="exact"`` needs a :class:`distillkit.teacher.MLP` (or anything with a
    ``forward_with_masks`` method and ``weights()``); the others take any callable.
    """
    if method not in METHODS:
        raise ValueError(f"unknown Jacobian method {method!r}; choose one of {METHODS}")
    if method == "exact":
        if not hasattr(model, "forward_with_masks"):
            raise TypeError("method='exact' needs a ReLU MLP with forward_with_masks(); "
                            "use method='autograd' for other modules")
        _, masks = model.forward_with_masks(x)
        return exact_sq_norms(model.weights(), masks)
    if method in ("jacrev", "jacfwd"):
        return _functorch_sq_norms(model, x, method)

    x = x.detach().requires_grad_(True)
    return grad_sq_norms(model(x), x, method, n_projections, generator)


def jacobian_penalty(model, x: torch.Tensor, method: str = "exact", n_projections: int = 1,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Mean squared Frobenius norm of the input Jacobian of ``model`` over the batch ``x``
    (the batch mean of :func:`jacobian_sq_norms`)."""
    return jacobian_sq_norms(model, x, method, n_projections, generator).mean(-1)


def grad_sq_norms(out: torch.Tensor, x: torch.Tensor, method: str = "autograd",
                  n_projections: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Per-sample squared Jacobian norms by double backprop from an output ``out = f(x)``
    already computed with ``x.requires_grad`` (lets a training step reuse its forward pass)."""
    out = _as_2d_out(out, x)
    m = out.shape[-1]
    if method == "autograd":
        total = 0.0
        for k in range(m):
            (g,) = torch.autograd.grad(out[..., k].sum(), x, create_graph=True)
            total = total + g.pow(2).sum(-1)
        return total
    if method != "projection":
        raise ValueError(f"grad_penalty supports 'autograd' and 'projection', not {method!r}")
    if n_projections < 1:
        raise ValueError("n_projections must be >= 1")
    total = 0.0
    for _ in range(n_projections):
        v = torch.randn(out.shape[:-2] + (1, m), generator=generator).to(out)
        v = v / v.norm(dim=-1, keepdim=True)
        (g,) = torch.autograd.grad((out * v).sum(), x, create_graph=True)
        total = total + m * g.pow(2).sum(-1)
    return total / n_projections


def grad_penalty(out: torch.Tensor, x: torch.Tensor, method: str = "autograd",
                 n_projections: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """Batch mean of :func:`grad_sq_norms`."""
    return grad_sq_norms(out, x, method, n_projections, generator).mean(-1)


def _functorch_sq_norms(model, x: torch.Tensor, method: str) -> torch.Tensor:
    from torch.func import jacfwd, jacrev, vmap

    jac = jacrev if method == "jacrev" else jacfwd
    if x.dim() == 2:
        def f_single(xi):  # (d,) -> (m,)
            return _as_2d_out(model(xi.unsqueeze(0)), xi.unsqueeze(0)).squeeze(0)

        j = vmap(jac(f_single))(x)  # (B, m, d)
        return j.pow(2).sum(dim=(-2, -1))
    if x.dim() != 3:
        raise ValueError(f"method={method!r} takes (B, d) or (G, B, d) inputs, got shape {tuple(x.shape)}")

    # an ensemble: sample i of all G members at once, f: (G, d) -> (G, m). Its Jacobian
    # (G, m, G, d) is block diagonal; the naive route pays for the zero blocks too.
    def f_slice(xi):
        xi = xi.unsqueeze(-2)
        return _as_2d_out(model(xi), xi).squeeze(-2)

    j = vmap(jac(f_slice), in_dims=1)(x)  # (B, G, m, G, d)
    j = torch.diagonal(j, dim1=1, dim2=3)  # (B, m, d, G)
    return j.pow(2).sum(dim=(1, 2)).T  # (G, B)


def frobenius_reference(model, x: torch.Tensor) -> torch.Tensor:
    """Per-sample ``||J||_F^2`` from ``torch.autograd.functional.jacobian`` (slow; for tests)."""
    rows = []
    for xi in x:
        j = torch.autograd.functional.jacobian(lambda z: model(z.unsqueeze(0)).reshape(-1), xi)
        rows.append(j.pow(2).sum())
    return torch.stack(rows)


__all__ = ["METHODS", "exact_sq_norms", "jacobian_sq_norms", "jacobian_penalty", "grad_sq_norms", "grad_penalty",
           "exact_penalty", "frobenius_reference"]
