"""The teacher network: a ReLU MLP, optionally a stack of G members trained as one
ensemble (weights with a leading member dimension, every matmul batched)."""
from __future__ import annotations

import math

import torch
from torch import nn

def _linear(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.baddbmm(b.unsqueeze(-2), h, w.mT) if h.dim() == 3 else torch.addmm(b, h, w.T)


def relu_mask(z: torch.Tensor) -> torch.Tensor:
    """``1[z > 0]`` as floats, written straight into a float tensor (no bool copy)."""
    mask = torch.empty_like(z, requires_grad=False)
    return torch.gt(z.detach(), 0, out=mask)


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
            h = torch.relu(_linear(h, w, b))
            masks.append(relu_mask(h))  # relu(z) > 0 exactly where z > 0
        return _linear(h, self.W[-1], self.b[-1]), masks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for w, b in zip(self.W[:-1], self.b[:-1]):
            h = torch.relu(_linear(h, w, b))
        return _linear(h, self.W[-1], self.b[-1])

    def member(self, g: int) -> "MLP":
        """A stand-alone copy of ensemble member ``g``."""
        if self.ensemble_size is None:
            raise ValueError("not an ensemble")
        single = MLP(self.sizes[0], tuple(self.sizes[1:-1]), self.sizes[-1]).to(self.W[0].dtype)
        with torch.no_grad():
            for dst, src in zip(list(single.W) + list(single.b), list(self.W) + list(self.b)):
                dst.copy_(src[g])
        return single.to(device=self.W[0].device, dtype=self.W[0].dtype)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


__all__ = ["MLP", "relu_mask", "resolve_device"]
