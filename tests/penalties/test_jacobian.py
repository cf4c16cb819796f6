"""The Jacobian penalty: every method against torch.autograd.functional.jacobian."""
from __future__ import annotations

import pytest
import torch

from distillkit.penalties.jacobian import (METHODS, exact_penalty, exact_sq_norms, frobenius_reference, grad_penalty, jacobian_penalty)
from distillkit.teacher import MLP


def _mlp(d=4, hidden=(6, 5), m=3, G=None, seed=0, dtype=torch.float64):
    model = MLP(d, hidden, m, ensemble_size=G).to(dtype)
    gens = [torch.Generator().manual_seed(seed + g) for g in range(1 if G is None else G)]
    model.init_from_generators(gens)
    return model


def _x(*shape, seed=1, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("method", ["exact", "autograd", "jacrev", "jacfwd"])
def test_methods_match_reference_multilayer_multioutput(method):
    model, x = _mlp(), _x(7, 4)
    ref = frobenius_reference(model, x).mean()
    got = jacobian_penalty(model, x, method)
    torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-12)


def test_projection_is_unbiased_with_many_projections():
    model, x = _mlp(), _x(7, 4)
    ref = frobenius_reference(model, x).mean()
    gen = torch.Generator().manual_seed(0)
    got = jacobian_penalty(model, x, "projection", n_projections=4000, generator=gen)
    assert abs(got.item() / ref.item() - 1) < 0.05
    # one projection is a noisy but finite estimate; for one output it is exact
    scalar = _mlp(m=1)
    torch.testing.assert_close(jacobian_penalty(scalar, x, "projection"),
                               frobenius_reference(scalar, x).mean())


def test_exact_sq_norms_per_sample():
    model, x = _mlp(), _x(5, 4)
    _, masks = model.forward_with_masks(x)
    torch.testing.assert_close(exact_sq_norms(model.weights(), masks), frobenius_reference(model, x))
    torch.testing.assert_close(exact_penalty(model.weights(), masks), frobenius_reference(model, x).mean())


@pytest.mark.parametrize("m", [1, 3])
def test_ensemble_penalties_match_each_member(m):
    G = 3
    model, x = _mlp(m=m, G=G), _x(G, 6, 4)
    per_member = torch.stack([frobenius_reference(model.member(g), x[g]).mean() for g in range(G)])
    for method in ("exact", "autograd", "jacrev", "jacfwd"):
        torch.testing.assert_close(jacobian_penalty(model, x, method), per_member,
                                   rtol=1e-10, atol=1e-12, msg=method)


def test_exact_equals_autograd_for_scalar_output_ensembles_float32():
    model = _mlp(d=8, hidden=(100,), m=1, G=5, dtype=torch.float32)
    x = _x(5, 64, 8, dtype=torch.float32)
    torch.testing.assert_close(jacobian_penalty(model, x, "exact"),
                               jacobian_penalty(model, x, "autograd"), rtol=1e-5, atol=1e-7)


def test_penalty_gradients_agree():
    """The penalty is used inside a loss: its parameter gradients must agree too."""
    model, x = _mlp(), _x(7, 4)
    grads = {}
    for method in ("exact", "autograd", "jacrev"):
        model.zero_grad()
        jacobian_penalty(model, x, method).backward()
        grads[method] = [torch.zeros_like(p) if p.grad is None else p.grad.clone()
                         for p in model.parameters()]
    for method in ("autograd", "jacrev"):
        for a, b in zip(grads["exact"], grads[method]):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


def test_grad_penalty_reuses_a_forward_pass():
    model, x = _mlp(m=2), _x(7, 4)
    xr = x.clone().requires_grad_(True)
    torch.testing.assert_close(grad_penalty(model(xr), xr, "autograd"),
                               frobenius_reference(model, x).mean())


def test_bad_arguments():
    model, x = _mlp(), _x(3, 4)
    with pytest.raises(ValueError, match="unknown Jacobian method"):
        jacobian_penalty(model, x, "finite-differences")
    with pytest.raises(TypeError, match="forward_with_masks"):
        jacobian_penalty(torch.nn.Linear(4, 1).double(), x, "exact")
    with pytest.raises(ValueError, match="n_projections"):
        jacobian_penalty(model, x, "projection", n_projections=0)
    assert set(METHODS) == {"exact", "autograd", "projection", "jacrev", "jacfwd"}
