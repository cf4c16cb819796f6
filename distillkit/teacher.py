"""The MLP teacher, trained with ``MSE + lam * mean ||df/dx||_F^2`` (paper eq. 3).

Defaults follow the paper's Table 5: one hidden layer of 100 ReLU units, Adam with
learning rate 1e-3, 100 epochs, batch size 128.

Training keeps the whole data set as one tensor on the device and batches by index
(no DataLoader): for a model this small the per-step Python overhead dominates.

Several teachers that share the data but differ in ``lam`` and seed train as one
*ensemble*: weights are stacked along a leading dimension and every matmul is batched.
Each member draws its initial weights and its batch order from its own generator,
seeded exactly as a teacher trained alone, and Adam acts elementwise, so a member ends
where the lone teacher ends (up to float rounding); see :func:`fit_teacher_ensemble`.
"""
from __future__ import annotations

import math
import time
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from torch import nn

from .jacobian import METHODS, exact_penalty, exact_sq_norms, grad_penalty, jacobian_penalty


class MLP(nn.Module):
    """ReLU MLP ``d -> hidden... -> n_outputs``, optionally a stack of ``ensemble_size`` MLPs.

    Weights have shape ``(*lead, out, in)`` with ``lead = ()`` or ``(G,)``; inputs
    ``(*lead, B, d)``. Initialisation matches ``torch.nn.Linear``'s default
    (uniform in +-1/sqrt(fan_in) for weights and biases) but draws from an explicit
    generator per member, so it is reproducible on any device.
    """

    def __init__(self, n_features: int, hidden: tuple[int, ...] = (100,), n_outputs: int = 1,
                 ensemble_size: int | None = None):
        super().__init__()
        self.sizes = [int(n_features), *map(int, hidden), int(n_outputs)]
        self.ensemble_size = ensemble_size
        lead = () if ensemble_size is None else (int(ensemble_size),)
        self.W = nn.ParameterList(
            nn.Parameter(torch.empty(*lead, o, i)) for i, o in zip(self.sizes[:-1], self.sizes[1:]))
        self.b = nn.ParameterList(nn.Parameter(torch.empty(*lead, o)) for o in self.sizes[1:])

    def init_from_generators(self, generators: list[torch.Generator]) -> None:
        """Draw every member's weights, layer by layer, from its own generator."""
        members = [None] if self.ensemble_size is None else range(self.ensemble_size)
        if len(generators) != len(members):
            raise ValueError("one generator per ensemble member is needed")
        with torch.no_grad():
            for g, gen in zip(members, generators):
                for w, b in zip(self.W, self.b):
                    bound = 1.0 / math.sqrt(w.shape[-1])
                    wv = (torch.rand(w.shape[-2:], generator=gen) * 2 - 1) * bound
                    bv = (torch.rand(b.shape[-1:], generator=gen) * 2 - 1) * bound
                    (w if g is None else w[g]).copy_(wv)
                    (b if g is None else b[g]).copy_(bv)

    def weights(self) -> list[torch.Tensor]:
        return list(self.W)

    def forward_with_masks(self, x: torch.Tensor):
        masks = []
        h = x
        for w, b in zip(self.W[:-1], self.b[:-1]):
            z = torch.baddbmm(b.unsqueeze(-2), h, w.mT) if h.dim() == 3 else torch.addmm(b, h, w.T)
            mask = (z > 0).to(z.dtype)
            masks.append(mask)
            h = z * mask
        w, b = self.W[-1], self.b[-1]
        out = torch.baddbmm(b.unsqueeze(-2), h, w.mT) if h.dim() == 3 else torch.addmm(b, h, w.T)
        return out, masks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for w, b in zip(self.W[:-1], self.b[:-1]):
            z = torch.baddbmm(b.unsqueeze(-2), h, w.mT) if h.dim() == 3 else torch.addmm(b, h, w.T)
            h = torch.relu(z)
        w, b = self.W[-1], self.b[-1]
        return torch.baddbmm(b.unsqueeze(-2), h, w.mT) if h.dim() == 3 else torch.addmm(b, h, w.T)

    def member(self, g: int) -> "MLP":
        """A stand-alone copy of ensemble member ``g``."""
        if self.ensemble_size is None:
            raise ValueError("not an ensemble")
        single = MLP(self.sizes[0], tuple(self.sizes[1:-1]), self.sizes[-1])
        with torch.no_grad():
            for dst, src in zip(list(single.W) + list(single.b), list(self.W) + list(self.b)):
                dst.copy_(src[g])
        return single.to(self.W[0].device)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def train_mlp(model: MLP, X: torch.Tensor, y: torch.Tensor, lams: torch.Tensor,
              generators: list[torch.Generator], *, epochs: int, batch_size: int,
              learning_rate: float, penalty: str = "exact", n_projections: int = 1,
              progress: bool = False) -> np.ndarray:
    """Train ``model`` in place; return the loss per epoch and member, shape ``(epochs, G)``.

    ``X`` ``(n, d)`` and ``y`` ``(n,)`` live on the model's device; ``lams`` has one
    entry per member (a 0-d tensor for a plain MLP). Each epoch, member g visits the
    rows in the order ``torch.randperm(n, generator=generators[g])``.
    """
    n = X.shape[0]
    regularized = bool((lams > 0).any())
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    proj_gen = torch.Generator().manual_seed(int(generators[0].initial_seed()) + 1)
    history = np.zeros((epochs, lams.numel()))
    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="teacher epochs", leave=False)
    for epoch in epoch_iter:
        perm = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(X.device)
        if model.ensemble_size is None:
            perm = perm[0]
        running = torch.zeros_like(lams, dtype=X.dtype)
        for start in range(0, n, batch_size):
            idx = perm[..., start:start + batch_size]
            xb, yb = X[idx], y[idx]
            if regularized and penalty == "exact":
                out, masks = model.forward_with_masks(xb)
                pen = exact_penalty(model.weights(), masks)
            elif regularized and penalty in ("autograd", "projection"):
                xb = xb.requires_grad_(True)
                out = model(xb)
                pen = grad_penalty(out, xb, penalty, n_projections, proj_gen)
            else:
                out = model(xb)
                pen = jacobian_penalty(model, xb, penalty) if regularized else None
            mse = (out.squeeze(-1) - yb).pow(2).mean(-1)
            loss_per_member = mse if pen is None else mse + lams * pen
            opt.zero_grad(set_to_none=True)
            loss_per_member.sum().backward()
            opt.step()
            running += loss_per_member.detach() * idx.shape[-1]
        history[epoch] = (running / n).cpu().numpy().reshape(-1)
    return history


def _check_X_y(X, y=None):
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] < 2:
        raise ValueError("X needs at least 2 samples")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    if y is None:
        return X
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}")
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite values")
    return X, y


def _check_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, Real) or not math.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    return float(lam)


def _seed_of(random_state) -> int:
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, (Integral, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(f"random_state must be an int or None, got {random_state!r}")


class MLPTeacher(RegressorMixin, BaseEstimator):
    """MLP regressor trained with the Jacobian penalty (scikit-learn conventions).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    lam : float >= 0, weight of the penalty ``mean ||df/dx||_F^2``; 0 is a plain MLP.
    penalty : {"exact", "autograd", "projection", "jacrev", "jacfwd"}, how the penalty is computed.
    epochs, batch_size, learning_rate : Adam training budget (paper: 100, 128, 1e-3).
    n_projections : projections per step for ``penalty="projection"``.
    random_state : int or None. Seeds the initial weights and the batch order.
    device : "auto" (CUDA when available), "cpu", "cuda", ...

    Attributes
    ----------
    model_ : MLP, loss_curve_ : per-epoch training loss, fit_seconds_ : wall time of fit,
    n_steps_ : optimizer steps, device_ : the torch device used.
    """

    def __init__(self, hidden_layer_sizes=(100,), lam=0.0, penalty="exact", epochs=100,
                 batch_size=128, learning_rate=1e-3, n_projections=1, random_state=None,
                 device="auto"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.lam = lam
        self.penalty = penalty
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_projections = n_projections
        self.random_state = random_state
        self.device = device

    def _validate_params(self):
        _check_lam(self.lam)
        if self.penalty not in METHODS:
            raise ValueError(f"unknown penalty {self.penalty!r}; choose one of {METHODS}")
        hidden = tuple(self.hidden_layer_sizes)
        if not hidden or any(int(h) < 1 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive ints, got {self.hidden_layer_sizes!r}")
        for name in ("epochs", "batch_size", "n_projections"):
            v = getattr(self, name)
            if not isinstance(v, (Integral, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if not (isinstance(self.learning_rate, Real) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")

    def fit(self, X, y, progress: bool = False):
        self._validate_params()
        X, y = _check_X_y(X, y)
        return fit_teacher_ensemble(X, y, [self.lam], [_seed_of(self.random_state)],
                                    _template=self, progress=progress)[0]

    def predict(self, X) -> np.ndarray:
        X = self._check_fitted_X(X)
        with torch.no_grad():
            out = self.model_(torch.as_tensor(X, device=self.device_))
        return out.squeeze(-1).double().cpu().numpy()

    def jacobian_sq_norm(self, X) -> np.ndarray:
        """Per-sample ``||df/dx||_F^2`` (exact), a smoothness diagnostic."""
        X = self._check_fitted_X(X)
        with torch.no_grad():
            _, masks = self.model_.forward_with_masks(torch.as_tensor(X, device=self.device_))
            return exact_sq_norms(self.model_.weights(), masks).double().cpu().numpy()

    def _check_fitted_X(self, X):
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("MLPTeacher is not fitted yet; call fit(X, y) first")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have shape (n, {self.n_features_in_}), got {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        return X

    def __getstate__(self):  # pickle on CPU so a cached teacher loads anywhere
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = state["model_"].cpu()
            state["device_"] = torch.device("cpu")
        return state


def fit_teacher(X, y, lam: float = 0.0, **params) -> MLPTeacher:
    """Fit one :class:`MLPTeacher`; ``params`` are its constructor arguments."""
    return MLPTeacher(lam=lam, **params).fit(X, y)


def fit_teacher_ensemble(X, y, lams, seeds, progress: bool = False, _template=None,
                         **params) -> list[MLPTeacher]:
    """Train one teacher per ``(lam, seed)`` pair as a single batched model.

    Member g ends with the same weights (to float tolerance) as
    ``fit_teacher(X, y, lams[g], random_state=seeds[g], **params)``. Returns fitted
    :class:`MLPTeacher` objects; their ``fit_seconds_`` is the ensemble time divided by G
    and ``ensemble_size_`` is G.
    """
    template = _template if _template is not None else MLPTeacher(**params)
    lams = [_check_lam(lam) for lam in np.atleast_1d(lams).tolist()]
    seeds = list(np.broadcast_to(np.atleast_1d(seeds), (len(lams),)).tolist())
    if len(lams) == 0:
        raise ValueError("lams is empty")
    if _template is None:
        template._validate_params()
        X, y = _check_X_y(X, y)
    device = resolve_device(template.device)
    G = len(lams)
    # a lone teacher is an ensemble of one: the same batched kernels give bitwise-equal members
    ens = G
    model = MLP(X.shape[1], tuple(template.hidden_layer_sizes), 1, ensemble_size=ens)
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    model.init_from_generators(generators)
    model.to(device)
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    lam_t = torch.tensor(lams, dtype=Xt.dtype, device=device)
    t0 = time.perf_counter()
    history = train_mlp(model, Xt, yt, lam_t, generators, epochs=template.epochs,
                        batch_size=template.batch_size, learning_rate=template.learning_rate,
                        penalty=template.penalty, n_projections=template.n_projections,
                        progress=progress)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    steps = template.epochs * math.ceil(X.shape[0] / template.batch_size)
    fitted = []
    for g in range(G):
        t = template if _template is not None else MLPTeacher(**template.get_params())
        t.set_params(lam=lams[g], random_state=int(seeds[g]))
        t.model_ = model.member(g)
        t.model_.eval()
        t.n_features_in_ = X.shape[1]
        t.loss_curve_ = history[:, g]
        t.fit_seconds_ = seconds / G
        t.ensemble_size_ = G
        t.n_steps_ = steps
        t.device_ = device
        fitted.append(t)
    return fitted


__all__ = ["MLP", "MLPTeacher", "fit_teacher", "fit_teacher_ensemble", "train_mlp", "resolve_device"]
