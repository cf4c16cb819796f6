"""The estimator: :class:`MLPTeacher` (scikit-learn conventions: parameters checked in
``fit``, never changed by it; fitted state in ``*_`` attributes), :func:`fit_teacher` and
:func:`fit_teacher_ensemble`, which trains several teachers as one batched model."""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, column_or_1d

from distillkit.penalties.jacobian import exact_sq_norms
from distillkit.penalties.lipschitz import check_penalty
from distillkit.teacher.engines import ENGINES
from distillkit.teacher.network import resolve_device
from distillkit.teacher.training import EnsembleFit, train_ensemble


def _finite(a: np.ndarray, name: str) -> None:
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")


def _check_X_y(X, y=None):
    """Float32 ``X`` (n >= 2, d) and ``y`` (n,), finite; sparse, complex, text or empty input
    is refused by scikit-learn's ``check_array`` with its usual messages."""
    X = check_array(X, dtype=np.float32, ensure_all_finite=False, ensure_min_samples=2,
                    input_name="X")
    _finite(X, "X")
    if y is None:
        return X
    y = check_array(y, dtype=np.float32, ensure_2d=False, ensure_all_finite=False,
                    ensure_min_samples=0, input_name="y")
    y = column_or_1d(y, warn=True)  # a column (n, 1) is taken, with scikit-learn's warning
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}")
    _finite(y, "y")
    return X, y


def check_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, Real) or not math.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    return float(lam)


#: a teacher whose final training loss is above this many times the target's variance (the
#: loss of a constant prediction), or not finite, has diverged
DIVERGED_LOSS = 10.0


class DivergenceWarning(UserWarning):
    """A teacher's training diverged (non-finite or absurd loss); its predictions mean nothing."""


def _divergence(loss_curve, y_var: float) -> bool:
    last = float(loss_curve[-1]) if len(loss_curve) else float("nan")
    return not math.isfinite(last) or last > DIVERGED_LOSS * max(float(y_var), 1e-300)


def _warn_diverged(teachers) -> None:
    bad = [t for t in teachers if t.diverged_]
    if bad:
        import warnings
        t = bad[0]
        warnings.warn(f"{len(bad)} of {len(teachers)} teacher(s) diverged (λ={t.lam:g}: final training loss "
                      f"{float(t.loss_curve_[-1]):.3g}, a constant prediction's is {t.target_var_:.3g}); "
                      f"lower learning_rate ({t.learning_rate:g})", DivergenceWarning, stacklevel=3)


def _seed_of(random_state) -> int:
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, (Integral, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(f"random_state must be an int or None, got {random_state!r}")


class MLPTeacher(RegressorMixin, BaseEstimator):
    """MLP regressor trained with a smoothness penalty (scikit-learn conventions).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    lam : float >= 0, weight of the penalty; 0 is a plain MLP.
    penalty : {"jacobian", "lipschitz", "lipschitz_bound"}, which penalty
        (:mod:`distillkit.penalties.lipschitz`): the batch mean of ``||df/dx||^2`` (paper eq. 3), its
        batch maximum, or the squared product of the layers' spectral norms.
    jacobian_method : {"exact", "autograd", "projection", "jacrev", "jacfwd"}, how the
        per-sample Jacobian is computed (:mod:`distillkit.penalties.jacobian`; not used by
        ``"lipschitz_bound"``).
    epochs, batch_size, learning_rate : Adam training budget (paper: 100, 128, 1e-3).
    n_projections : projections per step for ``jacobian_method="projection"``.
    random_state : int or None. Seeds the initial weights and the batch order (None: a
        fresh seed per fit, recorded in ``seed_``).
    device : "auto" (CUDA when available), "cpu", "cuda", ...
    engine : "auto" (the hand-written engine where it applies), "fast", "autograd".

    Attributes
    ----------
    model_ : MLP, loss_curve_ : per-epoch training loss, fit_seconds_ : wall time of fit,
    n_steps_ : optimizer steps, device_ : the torch device used, seed_ : the seed used,
    ensemble_size_ : how many teachers were trained together (1 for ``fit``), diverged_ : the
    final loss is not finite or above DIVERGED_LOSS x the target's variance (``target_var_``;
    a DivergenceWarning says so).
    """

    def __init__(self, hidden_layer_sizes=(100,), lam=0.0, penalty="jacobian", jacobian_method="exact",
                 epochs=100, batch_size=128, learning_rate=1e-3, n_projections=1, random_state=None,
                 device="auto", engine="auto"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.lam = lam
        self.penalty = penalty
        self.jacobian_method = jacobian_method
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_projections = n_projections
        self.random_state = random_state
        self.device = device
        self.engine = engine

    def _validate_params(self):
        """Check every parameter (in ``fit``, as scikit-learn does: ``__init__`` only stores)."""
        check_lam(self.lam)
        check_penalty(self.penalty, self.jacobian_method)
        try:
            hidden = tuple(self.hidden_layer_sizes)
        except TypeError:
            hidden = ()
        if not hidden or any(isinstance(h, bool) or not isinstance(h, (Integral, np.integer)) or h < 1
                             for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive ints, got {self.hidden_layer_sizes!r}")
        for name in ("epochs", "batch_size", "n_projections"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (Integral, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, Real) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning_rate must be a finite number > 0, got {lr!r}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {ENGINES}")
        closed_form = self.jacobian_method == "exact" or self.penalty == "lipschitz_bound"
        if self.engine == "fast" and (len(hidden) != 1 or (not closed_form and self.lam > 0)):
            raise ValueError("engine='fast' needs one hidden layer and jacobian_method='exact' (or lam=0)")
        _seed_of(0 if self.random_state is None else self.random_state)
        try:
            resolve_device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"unknown device {self.device!r}: {exc}") from None

    def _train(self, X, y, lams, seeds, progress: bool = False) -> EnsembleFit:
        return train_ensemble(X, y, lams, seeds, hidden_layer_sizes=self.hidden_layer_sizes,
                              epochs=self.epochs, batch_size=self.batch_size,
                              learning_rate=self.learning_rate, penalty=self.penalty,
                              jacobian_method=self.jacobian_method, n_projections=self.n_projections,
                              device=self.device, engine=self.engine, progress=progress)

    def _set_fitted(self, fit: EnsembleFit, g: int, seed: int, n_features: int,
                    y_var: float = 1.0) -> "MLPTeacher":
        """Take member ``g`` of a trained ensemble as this teacher's fitted state; ``diverged_``
        flags a non-finite final loss or one above DIVERGED_LOSS times ``y_var``."""
        self.model_ = fit.model.member(g)
        self.model_.eval()
        self.n_features_in_ = n_features
        self.loss_curve_ = fit.history[:, g]
        self.fit_seconds_ = fit.seconds / fit.size
        self.ensemble_size_ = fit.size
        self.n_steps_ = fit.steps
        self.device_ = fit.device
        self.seed_ = int(seed)
        self.target_var_ = float(y_var)
        self.diverged_ = _divergence(self.loss_curve_, y_var)
        return self

    def fit(self, X, y, progress: bool = False):
        self._validate_params()
        if y is None:
            raise ValueError("MLPTeacher requires y to be passed, but the target y is None")
        X, y = _check_X_y(X, y)
        seed = _seed_of(self.random_state)
        fit = self._train(X, y, [check_lam(self.lam)], [seed], progress=progress)
        self._set_fitted(fit, 0, seed, X.shape[1], float(np.var(y, dtype=np.float64)))
        _warn_diverged([self])
        return self

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

    def lipschitz_bound(self) -> float:
        """Gouk et al.'s global bound ``prod_l ||W_l||_2`` on the fitted network's Lipschitz
        constant (exact spectral norms); a smoothness diagnostic needing no data."""
        self._check_fitted()
        from distillkit.penalties.lipschitz import lipschitz_bound
        with torch.no_grad():
            return float(lipschitz_bound(self.model_.weights()))

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("MLPTeacher is not fitted yet; call fit(X, y) first")

    def _check_fitted_X(self, X):
        self._check_fitted()
        X = check_array(X, dtype=np.float32, ensure_all_finite=False, input_name="X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but MLPTeacher is expecting "
                             f"{self.n_features_in_} features as input: X must have shape "
                             f"(n, {self.n_features_in_}), got {X.shape}")
        _finite(X, "X")
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


def fit_teacher_ensemble(X, y, lams, seeds, progress: bool = False, **params) -> list[MLPTeacher]:
    """Train one teacher per ``(lam, seed)`` pair as a single batched model.

    Member g ends with the same weights (bitwise on the CPUs we tested) as
    ``fit_teacher(X, y, lams[g], random_state=seeds[g], **params)``. Returns fitted
    :class:`MLPTeacher` objects (``lam`` and ``random_state`` set to the member's); their
    ``fit_seconds_`` is the ensemble time divided by G and ``ensemble_size_`` is G.
    """
    template = MLPTeacher(**params)
    lams = [check_lam(lam) for lam in np.atleast_1d(lams).tolist()]
    seeds = list(np.broadcast_to(np.atleast_1d(seeds), (len(lams),)).tolist())
    if len(lams) == 0:
        raise ValueError("lams is empty")
    template._validate_params()
    X, y = _check_X_y(X, y)
    fit = template._train(X, y, lams, seeds, progress=progress)
    y_var = float(np.var(y, dtype=np.float64))
    teachers = [clone(template).set_params(lam=lams[g], random_state=int(seeds[g]))
                ._set_fitted(fit, g, seeds[g], X.shape[1], y_var) for g in range(len(lams))]
    _warn_diverged(teachers)
    return teachers


__all__ = ["MLPTeacher", "fit_teacher", "fit_teacher_ensemble", "DivergenceWarning", "DIVERGED_LOSS"]
