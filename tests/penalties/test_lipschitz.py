"""The Lipschitz penalties: against brute-force computations, the hand-written gradients
against autograd, ensembles against lone teachers, and their effect on training."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from distillkit.penalties.jacobian import METHODS, frobenius_reference
from distillkit.penalties.lipschitz import (PENALTIES, bound_penalty, check_penalty, lipschitz_bound, local_lipschitz_penalty, local_lipschitz_reference, penalty_value, power_iteration, top_right_singular_vector)
from distillkit.teacher import (MLP, AutogradEngine, FastEngine, MLPTeacher, fit_teacher, fit_teacher_ensemble, make_engine)


def _mlp(d, hidden, G=None, seed=0, dtype=torch.float64):
    model = MLP(d, hidden, 1, ensemble_size=G).to(dtype)
    model.init_from_generators([torch.Generator().manual_seed(seed + g) for g in range(G or 1)])
    return model


def _data(n=240, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=n)).astype(np.float32)
    return X, y


# ------------------------------------------------------------ against brute force

def test_bound_is_product_of_singular_values():
    model = _mlp(4, (7, 5))
    # brute force: the largest singular value of each layer from numpy's SVD
    ref = np.prod([np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] for w in model.weights()])
    assert float(lipschitz_bound(model.weights())) == pytest.approx(ref, rel=1e-12)
    assert float(bound_penalty(model.weights())) == pytest.approx(ref ** 2, rel=1e-12)


def test_bound_per_ensemble_member():
    model = _mlp(3, (6,), G=4)
    got = lipschitz_bound(model.weights())
    assert got.shape == (4,)
    for g in range(4):
        ref = np.prod([torch.linalg.matrix_norm(w[g], ord=2).item() for w in model.weights()])
        assert got[g].item() == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_local_penalty_is_largest_gradient_norm(method):
    model = _mlp(4, (8, 6), seed=2)
    x = torch.randn(13, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ref = local_lipschitz_reference(model, x)  # torch.autograd.functional.jacobian per sample
    got = local_lipschitz_penalty(model, x, method, n_projections=1)
    torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-12)


def test_local_penalty_per_ensemble_member():
    model = _mlp(3, (5,), G=3, seed=4)
    x = torch.randn(3, 9, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    got = penalty_value(model, x, "lipschitz")
    for g in range(3):
        torch.testing.assert_close(got[g], local_lipschitz_reference(model.member(g), x[g]))


def test_penalties_are_ordered_mean_max_bound():
    """mean ||J||^2 <= max ||J||^2 <= L(f)^2 <= (prod ||W_l||_2)^2 on every batch."""
    for seed in range(5):
        model = _mlp(6, (12, 9), seed=seed)
        x = torch.randn(40, 6, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        jac, loc, glob = (penalty_value(model, x, p).item() for p in PENALTIES)
        assert jac < loc < glob  # strict for random nets: samples differ, the bound is loose
        assert loc == pytest.approx(frobenius_reference(model, x).max().item())


def test_power_iteration_converges_to_spectral_norm():
    W = torch.randn(3, 100, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    v = torch.nn.functional.normalize(torch.ones(3, 8, dtype=torch.float64), dim=-1)
    sigma1, _ = power_iteration(W, v, 1)
    sigma, v = power_iteration(W, v, 500)
    exact = torch.linalg.matrix_norm(W, ord=2)
    assert (sigma1 <= exact + 1e-12).all()  # a lower bound at every step
    torch.testing.assert_close(sigma, exact, rtol=1e-8, atol=0)
    vt = top_right_singular_vector(W)
    torch.testing.assert_close((W @ vt.unsqueeze(-1)).squeeze(-1).norm(dim=-1), exact)


# ------------------------------------------------------- hand-written gradients

@pytest.mark.parametrize("penalty", ["lipschitz", "lipschitz_bound"])
@pytest.mark.parametrize("G", [None, 4])
def test_fast_engine_gradient_equals_autograd(penalty, G):
    """Fast engine (closed form; power iteration starting at the exact singular vector)
    against autograd (double backprop for the local form, an SVD for the bound)."""
    d, h, B, n = 6, 9, 16, 50
    gen = torch.Generator().manual_seed(3)
    X, y = torch.randn(n, d, generator=gen, dtype=torch.float64), torch.randn(n, generator=gen, dtype=torch.float64)
    lams = torch.tensor([0.7] if G is None else [0.0, 0.01, 0.5, 3.0], dtype=torch.float64)
    model = _mlp(d, (h,), G)
    rows = 1 if G is None else G
    idx = torch.stack([torch.randperm(n, generator=gen)[:B] for _ in range(rows)])
    eng = FastEngine(model, X, y, lams, batch_size=B, learning_rate=1e-3, penalty=penalty)
    loss, grads = eng.loss_and_grad(X[idx], y[idx])
    ref = AutogradEngine(model, X, y, lams, batch_size=B, learning_rate=1e-3, penalty=penalty,
                         jacobian_method="autograd")
    xb, yb = (X[idx], y[idx]) if G else (X[idx[0]], y[idx[0]])
    ref_loss = ref.loss(xb, yb)
    ref_loss.sum().backward()
    torch.testing.assert_close(loss.reshape(-1), ref_loss.detach().reshape(-1), rtol=1e-12, atol=1e-12)
    for name, p in (("W1", model.W[0]), ("b1", model.b[0]), ("W2", model.W[1]), ("b2", model.b[1])):
        scale = p.grad.abs().max()
        torch.testing.assert_close(grads[name].reshape(p.shape) / scale, p.grad / scale,
                                   rtol=1e-10, atol=1e-12, msg=name)


def test_fast_bound_tracks_spectral_norm_while_training():
    """The tracked vector gives a lower bound on ||W1||_2 that stays close while training
    (exact refresh each epoch, one power-iteration step per training step)."""
    X, y = _data(n=200)
    model = _mlp(5, (20,), G=2, dtype=torch.float32)
    eng = make_engine(model, torch.as_tensor(X), torch.as_tensor(y), [0.1, 0.5], batch_size=32,
                      learning_rate=1e-3, penalty="lipschitz_bound")
    assert isinstance(eng, FastEngine)
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    for _ in range(5):
        eng.begin_epoch(torch.stack([torch.randperm(200, generator=g) for g in gens]))
        for i in range(7):
            eng.step(i)
    eng.finish()
    W1 = model.W[0].detach()
    tracked = (W1 @ eng.v.unsqueeze(-1)).squeeze(-1).norm(dim=-1)
    exact = torch.linalg.matrix_norm(W1, ord=2)
    assert (tracked <= exact * (1 + 1e-6)).all() and (tracked >= 0.98 * exact).all(), (tracked, exact)


# ------------------------------------------------------------ teachers, ensembles

@pytest.mark.parametrize("penalty", ["lipschitz", "lipschitz_bound"])
def test_member_equals_lone_teacher(penalty):
    X, y = _data()
    lams, seeds = [0.0, 0.05, 0.5, 0.01], [0, 1, 0, 2]
    kw = dict(epochs=2, batch_size=32, device="cpu", penalty=penalty)
    ens = fit_teacher_ensemble(X, y, lams, seeds, **kw)
    for g in (1, 2, 3):
        lone = fit_teacher(X, y, lams[g], random_state=seeds[g], **kw)
        if penalty == "lipschitz":  # bitwise: the run cache keys a teacher without its ensemble's
            assert np.array_equal(ens[g].predict(X), lone.predict(X))  # other members
            assert np.array_equal(ens[g].loss_curve_, lone.loss_curve_)
        else:  # the bound's per-epoch SVD is batched over the members: equal to rounding only
            np.testing.assert_allclose(ens[g].predict(X), lone.predict(X), atol=1e-6, rtol=0)
            np.testing.assert_allclose(ens[g].loss_curve_, lone.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("penalty,atol", [("lipschitz", 1e-4), ("lipschitz_bound", 1e-2)])
def test_fast_and_autograd_engines_train_alike(penalty, atol):
    """The bound differs slightly by construction: power iteration (fast) vs an SVD per step."""
    X, y = _data(n=200)
    kw = dict(epochs=3, batch_size=32, device="cpu", penalty=penalty)
    fast = fit_teacher_ensemble(X, y, [0.0, 0.05], [0, 1], engine="fast", **kw)
    slow = fit_teacher_ensemble(X, y, [0.0, 0.05], [0, 1], engine="autograd", **kw)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a.predict(X), b.predict(X), atol=atol)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=atol)


def test_penalties_make_the_teacher_smoother():
    X, y = _data(n=300)
    kw = dict(epochs=30, batch_size=64, random_state=0, device="cpu")
    rough = fit_teacher(X, y, 0.0, **kw)
    local = fit_teacher(X, y, 1.0, penalty="lipschitz", **kw)
    bound = fit_teacher(X, y, 1.0, penalty="lipschitz_bound", **kw)
    assert local.jacobian_sq_norm(X).max() < 0.7 * rough.jacobian_sq_norm(X).max()
    assert bound.lipschitz_bound() < 0.7 * rough.lipschitz_bound()


def test_bad_names():
    with pytest.raises(ValueError, match="unknown penalty 'lipshitz'"):
        check_penalty("lipshitz")
    with pytest.raises(ValueError, match="is a Jacobian method"):
        MLPTeacher(penalty="jacfwd").fit(*_data(n=20))
    with pytest.raises(ValueError, match="unknown jacobian_method"):
        penalty_value(_mlp(2, (3,)), torch.zeros(4, 2, dtype=torch.float64), "lipschitz", "fd")


# ------------------------------------------------------------------ the pipeline

def test_pipeline_and_sweep_select_the_penalty(tmp_path):
    import pandas as pd

    from distillkit.datasets import from_frame
    from distillkit.experiments.pipeline import resolve_config, run
    from distillkit.experiments.sweep import run_grid, teacher_key

    X, y = _data(n=150, d=3)
    ds = from_frame(pd.DataFrame(X, columns=list("abc")).assign(t=y), target="t", name="toy")
    tiny = dict(profile="smoke", epochs=2, population_size=20, generations=1, baselines=False)
    rec = run(ds, lam=0.01, penalty="lipschitz", **tiny)
    assert rec["penalty"] == "lipschitz" and rec["jacobian_method"] == "exact"
    assert run(ds, lam=0.01, **tiny)["penalty"] == "jacobian"
    grid = run_grid([ds], lams=[0.0, 0.01], seeds=[0], cache_dir=tmp_path, progress=False,
                    penalty="lipschitz_bound", **tiny)
    assert set(grid.penalty) == {"lipschitz_bound"} and len(grid) == 2
    # the penalty is part of the teacher's cache key
    keys = {p: teacher_key(ds, 0, 0.0, 0.01, resolve_config("smoke", penalty=p)) for p in PENALTIES}
    assert len(set(keys.values())) == len(PENALTIES)
    with pytest.raises(ValueError, match="penalty"):
        run(ds, lam=0.01, penalty="exact", **tiny)
