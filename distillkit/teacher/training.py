"""Training: the epoch loop (:func:`train_mlp`) and :func:`train_ensemble`, which trains one
network per ``(lam, seed)`` pair as one batched model and returns its fitted state
(:class:`EnsembleFit`); the estimator turns that state into fitted teachers."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from distillkit.teacher.engines import make_engine
from distillkit.teacher.network import MLP, resolve_device

def epoch_permutations(generators: list[torch.Generator], n: int, device,
                       return_inverse: bool = False):
    """This epoch's row order per member, ``torch.randperm(n, generator=g)``, shape (G, n)
    on ``device``. Members whose generators are in the same state (same seed, same use)
    share one draw; with ``return_inverse`` the result is ``(unique (U, n), inverse (G,))``
    with member g's order ``unique[inverse[g]]``."""
    uniq, inverse, seen = [], [], {}
    for g in generators:
        key = bytes(g.get_state().numpy())
        if key in seen:  # same state: same draw; leave g where the draw would have left it
            u, after = seen[key]
            g.set_state(after)
        else:
            u = len(uniq)
            uniq.append(torch.randperm(n, generator=g))
            seen[key] = (u, g.get_state())
        inverse.append(u)
    uniq = torch.stack(uniq).to(device)
    inverse = torch.tensor(inverse, device=device)
    return (uniq, inverse) if return_inverse else uniq[inverse]


def train_mlp(model: MLP, X: torch.Tensor, y: torch.Tensor, lams: torch.Tensor,
              generators: list[torch.Generator], *, epochs: int, batch_size: int,
              learning_rate: float, penalty: str = "jacobian", jacobian_method: str = "exact",
              n_projections: int = 1, progress: bool = False, engine: str = "auto") -> np.ndarray:
    """Train ``model`` in place; return the loss per epoch and member, shape ``(epochs, G)``.

    ``X`` ``(n, d)`` and ``y`` ``(n,)`` live on the model's device; ``lams`` has one
    entry per member (a 0-d tensor for a plain MLP). Each epoch, member g visits the
    rows in the order ``torch.randperm(n, generator=generators[g])``. ``engine`` picks
    the hand-written ("fast") or autograd path; "auto" takes the fast one where it applies.
    """
    n = X.shape[0]
    eng = make_engine(model, X, y, lams, batch_size=batch_size, learning_rate=learning_rate,
                      penalty=penalty, jacobian_method=jacobian_method, n_projections=n_projections,
                      engine=engine, proj_seed=int(generators[0].initial_seed()) + 1)
    history = np.zeros((epochs, torch.as_tensor(lams).numel()))
    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="teacher epochs", leave=False)
    for epoch in epoch_iter:
        steps = eng.begin_epoch(*epoch_permutations(generators, n, X.device, return_inverse=True))
        for i in range(steps):
            eng.step(i)
        history[epoch] = eng.end_epoch().detach().cpu().numpy()
    eng.finish()
    return history


@dataclass
class EnsembleFit:
    """What training G members together leaves: the stacked ``model`` (G members), the loss
    ``history`` (epochs, G), the wall time ``seconds`` of the whole ensemble, the optimizer
    ``steps`` per member and the ``device`` used."""
    model: MLP
    history: np.ndarray
    seconds: float
    steps: int
    device: torch.device

    @property
    def size(self) -> int:
        return self.history.shape[1]


def train_ensemble(X: np.ndarray, y: np.ndarray, lams: list[float], seeds: list[int], *,
                   hidden_layer_sizes, epochs: int, batch_size: int, learning_rate: float,
                   penalty: str = "jacobian", jacobian_method: str = "exact", n_projections: int = 1,
                   device="auto", engine: str = "auto", progress: bool = False) -> EnsembleFit:
    """Train one network per ``(lams[g], seeds[g])`` as a single batched model on checked
    float32 data ``X`` (n, d), ``y`` (n,). Member g draws its initial weights and batch
    order from ``torch.Generator().manual_seed(seeds[g])``, as a teacher trained alone."""
    device = resolve_device(device)
    G = len(lams)
    # a lone teacher is an ensemble of one: it runs the same batched kernels as a member
    model = MLP(X.shape[1], tuple(hidden_layer_sizes), 1, ensemble_size=G)
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    model.init_from_generators(generators)
    model.to(device)
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    lam_t = torch.tensor(lams, dtype=Xt.dtype, device=device)
    t0 = time.perf_counter()
    history = train_mlp(model, Xt, yt, lam_t, generators, epochs=epochs,
                        batch_size=batch_size, learning_rate=learning_rate,
                        penalty=penalty, jacobian_method=jacobian_method,
                        n_projections=n_projections,
                        progress=progress, engine=engine)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    steps = epochs * math.ceil(X.shape[0] / batch_size)
    return EnsembleFit(model=model, history=history, seconds=seconds, steps=steps, device=device)


__all__ = ["train_mlp", "epoch_permutations", "train_ensemble", "EnsembleFit"]
