"""The MLP teacher: hand-written engine vs autograd, ensembles vs lone teachers,
reproducibility and scikit-learn conventions."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from distillkit.penalties.jacobian import frobenius_reference
from distillkit.teacher.optim import adam_step
from distillkit.teacher import (MLP, AutogradEngine, FastEngine, MLPTeacher, epoch_permutations, fit_teacher, fit_teacher_ensemble, make_engine, relu_mask, resolve_device, train_mlp)


def _data(n=240, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=n)).astype(np.float32)
    return X, y


def _mlp(d, h, G, dtype=torch.float64, seed=0):
    model = MLP(d, (h,), 1, ensemble_size=G).to(dtype)
    model.init_from_generators([torch.Generator().manual_seed(seed + g) for g in range(G or 1)])
    return model


# ----------------------------------------------------------------- hand-written gradient

@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_fast_gradient_equals_autograd(dtype, tol):
    G, d, h, B, n = 4, 6, 9, 16, 50
    gen = torch.Generator().manual_seed(3)
    X, y = torch.randn(n, d, generator=gen, dtype=dtype), torch.randn(n, generator=gen, dtype=dtype)
    lams = torch.tensor([0.0, 0.01, 0.5, 3.0], dtype=dtype)
    model = _mlp(d, h, G, dtype)
    idx = torch.stack([torch.randperm(n, generator=gen)[:B] for _ in range(G)])
    loss, grads = FastEngine(model, X, y, lams, batch_size=B, learning_rate=1e-3).loss_and_grad(X[idx], y[idx])
    ref = AutogradEngine(model, X, y, lams, batch_size=B, learning_rate=1e-3, jacobian_method="exact")
    ref_loss = ref.loss(X[idx], y[idx])
    ref_loss.sum().backward()
    torch.testing.assert_close(loss, ref_loss.detach(), rtol=tol, atol=tol)
    for name, p in (("W1", model.W[0]), ("b1", model.b[0]), ("W2", model.W[1]), ("b2", model.b[1])):
        scale = p.grad.abs().max()
        torch.testing.assert_close(grads[name] / scale, p.grad / scale, rtol=tol, atol=tol, msg=name)


def test_fast_gradient_matches_double_backprop_penalty():
    """Independent reference: penalty by double backprop, not the closed form."""
    d, h, B = 3, 7, 11
    gen = torch.Generator().manual_seed(5)
    X, y = torch.randn(B, d, generator=gen, dtype=torch.float64), torch.randn(B, generator=gen, dtype=torch.float64)
    model = _mlp(d, h, None)
    lam = 0.7
    _, grads = FastEngine(model, X, y, torch.tensor([lam], dtype=torch.float64), batch_size=B,
                          learning_rate=1e-3).loss_and_grad(X[None], y[None])
    xr = X.clone().requires_grad_(True)
    out = model(xr).squeeze(-1)
    (g,) = torch.autograd.grad(out.sum(), xr, create_graph=True)
    loss = (out - y).pow(2).mean() + lam * g.pow(2).sum(-1).mean()
    loss.backward()
    torch.testing.assert_close(grads["W1"][0], model.W[0].grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grads["W2"][0], model.W[1].grad, rtol=1e-10, atol=1e-12)


def test_fast_and_autograd_engines_train_alike():
    X, y = _data(n=200)
    kw = dict(epochs=3, batch_size=32, device="cpu")
    fast = fit_teacher_ensemble(X, y, [0.0, 0.05], [0, 1], engine="fast", **kw)
    slow = fit_teacher_ensemble(X, y, [0.0, 0.05], [0, 1], engine="autograd", **kw)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a.predict(X), b.predict(X), atol=1e-4)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-4)


def test_manual_adam_matches_fused_and_torch():
    gen = torch.Generator().manual_seed(0)
    p0 = torch.randn(50, generator=gen)
    grads = [torch.randn(50, generator=gen) for _ in range(5)]
    states = {}
    for fused in (True, False):
        p, m, v, t = p0.clone(), torch.zeros(50), torch.zeros(50), torch.zeros(())
        for g in grads:
            adam_step(p, g, m, v, t, 1e-2, fused=fused)
        states[fused] = p
    q = p0.clone().requires_grad_(True)
    opt = torch.optim.Adam([q], lr=1e-2)
    for g in grads:
        q.grad = g.clone()
        opt.step()
    torch.testing.assert_close(states[True], q.detach(), rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(states[False], q.detach(), rtol=1e-6, atol=1e-7)


def test_relu_mask():
    z = torch.tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
    m = relu_mask(z)
    assert m.dtype == z.dtype and not m.requires_grad
    assert m.tolist() == [[0.0, 0.0, 1.0]]


# --------------------------------------------------------------- ensembles vs lone

LAMS, SEEDS = [0.0, 0.001, 0.05, 0.5, 0.01, 0.1], [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize("engine,atol", [("fast", 1e-6), ("autograd", 1e-5)])
def test_member_equals_lone_teacher_after_two_epochs(engine, atol):
    X, y = _data()
    kw = dict(epochs=2, batch_size=32, device="cpu", engine=engine)
    ens = fit_teacher_ensemble(X, y, LAMS, SEEDS, **kw)
    for g in (0, 2, 3, 5):
        lone = fit_teacher(X, y, LAMS[g], random_state=SEEDS[g], **kw)
        np.testing.assert_allclose(ens[g].predict(X), lone.predict(X), atol=atol, rtol=0)
        np.testing.assert_allclose(ens[g].loss_curve_, lone.loss_curve_, rtol=atol)


def test_member_equals_lone_teacher_after_full_training():
    X, y = _data(n=160)
    kw = dict(epochs=100, batch_size=64, device="cpu")  # paper budget, small data
    ens = fit_teacher_ensemble(X, y, LAMS, SEEDS, **kw)
    for g in (1, 4):
        lone = fit_teacher(X, y, LAMS[g], random_state=SEEDS[g], **kw)
        np.testing.assert_allclose(ens[g].predict(X), lone.predict(X), atol=1e-3, rtol=0)


def test_fast_engine_members_do_not_depend_on_chunking_or_threads():
    """Every fast-engine kernel acts per member: chunking and thread count change nothing
    beyond rounding (on the CPUs we tested: nothing at all)."""
    X, y = _data(n=200)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    lams = torch.tensor(LAMS)
    results = []
    for chunk, threads in ((None, 1), (1, 1), (4, 2)):
        model = MLP(X.shape[1], (20,), 1, ensemble_size=len(LAMS))
        gens = [torch.Generator().manual_seed(s) for s in SEEDS]
        model.init_from_generators(gens)
        old = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            eng = make_engine(model, Xt, yt, lams, batch_size=32, learning_rate=1e-3, chunk=chunk)
            assert isinstance(eng, FastEngine)
            for _ in range(2):
                eng.begin_epoch(epoch_permutations(gens, len(y), "cpu"))
                for i in range(len(y) // 32 + 1):
                    eng.step(i)
            eng.finish()
        finally:
            torch.set_num_threads(old)
        results.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]))
    for r in results[1:]:
        torch.testing.assert_close(r, results[0], rtol=0, atol=1e-6)


def test_epoch_permutations_share_draws_and_advance_generators():
    gens = [torch.Generator().manual_seed(s) for s in (7, 8, 7)]
    lone = torch.Generator().manual_seed(7)
    for _ in range(3):
        perms = epoch_permutations(gens, 20, "cpu")
        expected = torch.randperm(20, generator=lone)
        assert torch.equal(perms[0], expected) and torch.equal(perms[2], expected)
        assert not torch.equal(perms[1], expected)
    assert torch.equal(gens[2].get_state(), lone.get_state())


# ---------------------------------------------------------------- reproducibility

def test_same_seed_same_predictions_on_cpu():
    X, y = _data()
    a = fit_teacher(X, y, 0.01, random_state=3, epochs=3, device="cpu")
    b = fit_teacher(X, y, 0.01, random_state=3, epochs=3, device="cpu")
    c = fit_teacher(X, y, 0.01, random_state=4, epochs=3, device="cpu")
    assert np.array_equal(a.predict(X), b.predict(X))
    assert not np.allclose(a.predict(X), c.predict(X))


def test_regularizer_makes_the_teacher_smoother():
    X, y = _data(n=300)
    kw = dict(epochs=30, batch_size=64, random_state=0, device="cpu")
    rough, smooth = fit_teacher(X, y, 0.0, **kw), fit_teacher(X, y, 1.0, **kw)
    assert smooth.jacobian_sq_norm(X).mean() < 0.7 * rough.jacobian_sq_norm(X).mean()


def test_jacobian_sq_norm_matches_reference():
    X, y = _data(n=64)
    t = fit_teacher(X, y, 0.1, epochs=2, random_state=0, device="cpu")
    ref = frobenius_reference(t.model_, torch.as_tensor(X[:10])).numpy()
    np.testing.assert_allclose(t.jacobian_sq_norm(X[:10]), ref, rtol=1e-5, atol=1e-7)


def test_deep_and_other_penalties_use_the_autograd_engine():
    X, y = _data(n=96)
    for params in ({"hidden_layer_sizes": (8, 8)}, {"jacobian_method": "autograd"}, {"jacobian_method": "jacfwd"},
                   {"jacobian_method": "projection", "n_projections": 2},
                   {"penalty": "lipschitz", "jacobian_method": "autograd"},
                   {"penalty": "lipschitz_bound", "hidden_layer_sizes": (8, 8)}):
        t = fit_teacher(X, y, 0.05, epochs=2, random_state=0, device="cpu", **params)
        assert np.isfinite(t.predict(X)).all() and t.loss_curve_.shape == (2,)
    # "auto" picks the engine by penalty, not by λ, so λ = 0 and λ > 0 fits time alike;
    # an explicit engine="fast" accepts any penalty when every λ is 0
    model = _mlp(5, 4, 2, torch.float32)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    kw = dict(batch_size=32, learning_rate=1e-3, jacobian_method="jacrev")
    assert isinstance(make_engine(model, Xt, yt, [0.0, 0.0], **kw), AutogradEngine)
    assert isinstance(make_engine(model, Xt, yt, [0.0, 0.0], engine="fast", **kw), FastEngine)
    with pytest.raises(ValueError, match="engine='fast' needs"):
        make_engine(model, Xt, yt, [0.0, 0.1], engine="fast", **kw)


def test_train_mlp_on_a_plain_mlp():
    X, y = _data(n=100)
    model = MLP(5, (10,), 1)
    gens = [torch.Generator().manual_seed(0)]
    model.init_from_generators(gens)
    hist = train_mlp(model, torch.as_tensor(X), torch.as_tensor(y), torch.tensor(0.1), gens,
                     epochs=3, batch_size=32, learning_rate=1e-2)
    assert hist.shape == (3, 1) and hist[-1, 0] < hist[0, 0]


# ----------------------------------------------------------- estimator conventions

def test_get_set_params_and_clone():
    t = MLPTeacher(lam=0.1, epochs=5)
    assert t.get_params()["lam"] == 0.1 and t.get_params()["engine"] == "auto"
    t.set_params(lam=0.2, hidden_layer_sizes=(7,))
    c = clone(t)
    assert c.get_params() == t.get_params() and c is not t


def test_fitted_attributes_and_pickle():
    X, y = _data(n=100)
    t = MLPTeacher(lam=0.01, epochs=2, batch_size=32, random_state=0, device="cpu").fit(X, y)
    assert t.n_features_in_ == 5 and t.n_steps_ == 2 * 4 and t.ensemble_size_ == 1
    assert t.fit_seconds_ > 0 and t.device_.type == "cpu"
    again = pickle.loads(pickle.dumps(t))
    assert np.array_equal(again.predict(X), t.predict(X))
    assert np.isfinite(t.score(X, y))


def test_not_fitted():
    with pytest.raises(NotFittedError):
        MLPTeacher().predict(np.zeros((2, 3)))


@pytest.mark.parametrize("params,match", [
    ({"lam": -0.1}, "lam must be a finite number >= 0"),
    ({"lam": float("nan")}, "lam must be a finite number >= 0"),
    ({"penalty": "finite-differences"}, "unknown penalty"),
    ({"penalty": "exact"}, "is a Jacobian method: pass jacobian_method='exact'"),
    ({"jacobian_method": "finite-differences"}, "unknown jacobian_method"),
    ({"engine": "turbo"}, "unknown engine"),
    ({"engine": "fast", "hidden_layer_sizes": (4, 4)}, "engine='fast' needs one hidden layer"),
    ({"epochs": 0}, "epochs must be a positive int"),
    ({"hidden_layer_sizes": ()}, "hidden_layer_sizes"),
])
def test_bad_parameters(params, match):
    X, y = _data(n=20)
    with pytest.raises(ValueError, match=match):
        MLPTeacher(**params).fit(X, y)


def test_bad_data():
    X, y = _data(n=20)
    Xnan = X.copy()
    Xnan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        MLPTeacher(epochs=1).fit(Xnan, y)
    with pytest.raises(ValueError, match="samples but y has"):
        MLPTeacher(epochs=1).fit(X, y[:-1])
    t = MLPTeacher(epochs=1, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="NaN or infinite"):
        t.predict(Xnan)
    with pytest.raises(ValueError, match="must have shape"):
        t.predict(X[:, :2])
    with pytest.raises(ValueError, match="lam must be"):
        fit_teacher_ensemble(X, y, [0.1, -1.0], [0, 1])


# ------------------------------------------------------------------------ devices

def test_resolve_device_without_touching_a_gpu(monkeypatch):
    assert resolve_device("cpu").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    X, y = _data(n=200)
    kw = dict(epochs=3, batch_size=32, random_state=0)
    for engine in ("fast", "autograd"):
        gpu = fit_teacher(X, y, 0.05, device="cuda", engine=engine, **kw)
        cpu = fit_teacher(X, y, 0.05, device="cpu", engine=engine, **kw)
        assert gpu.device_.type == "cuda"
        np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), atol=1e-3)
        again = pickle.loads(pickle.dumps(gpu))  # cached teachers load anywhere
        assert again.device_.type == "cpu"


# =============================================================================================
# issue 22 (helper B): a batch larger than the data, and a diverged teacher
# =============================================================================================
def test_batch_size_above_the_rows_is_the_same_run():
    import tracemalloc

    X, y = _data(n=120, d=3)
    whole = MLPTeacher(epochs=4, batch_size=120, random_state=3).fit(X, y)
    tracemalloc.start()
    huge = MLPTeacher(epochs=4, batch_size=10**9, random_state=3).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.array_equal(huge.predict(X), whole.predict(X))  # bitwise: the same batches
    assert np.array_equal(huge.loss_curve_, whole.loss_curve_)
    assert peak < 200 * 2**20  # torch's allocations are not traced; this guards numpy's side
    members = fit_teacher_ensemble(X, y, [0.0, 0.1], [3, 3], epochs=4, batch_size=10**9)
    alone = MLPTeacher(lam=0.1, epochs=4, batch_size=120, random_state=3).fit(X, y)
    assert np.array_equal(members[1].predict(X), alone.predict(X))


def test_diverged_teacher_is_flagged_and_normal_ones_are_not():
    import warnings

    from distillkit.teacher.estimator import DivergenceWarning
    X, y = _data(n=120, d=3)
    with pytest.warns(DivergenceWarning, match=r"1 of 1 teacher\(s\) diverged .*lower learning_rate"):
        bad = MLPTeacher(epochs=10, learning_rate=1e6, random_state=0).fit(X, y)
    assert bad.diverged_ and (not np.isfinite(bad.loss_curve_[-1]) or bad.loss_curve_[-1] > 10 * bad.target_var_)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        good = fit_teacher_ensemble(X, y, [0.0, 0.1], [0, 0], epochs=10)
    assert not any(t.diverged_ for t in good)
