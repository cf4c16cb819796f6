"""The optimizer step the hand-written engine uses: Adam on flat tensors."""
from __future__ import annotations

import math

import torch

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8

_NO_FUSED_ADAM: set[str] = set()  # device types where torch has no fused Adam kernel


def adam_step(param, grad, exp_avg, exp_avg_sq, step_t, lr, fused: bool | None = None):
    """One Adam step (torch defaults: betas 0.9/0.999, eps 1e-8, no weight decay) on flat
    tensors: torch's fused kernel where the device has one (``fused=None``), else the
    same update in a few in-place ops."""
    step_t.add_(1)
    if fused is None:
        fused = param.device.type not in _NO_FUSED_ADAM
    if fused:
        try:
            torch._fused_adam_([param], [grad], [exp_avg], [exp_avg_sq], [], [step_t], lr=lr,
                               beta1=ADAM_BETAS[0], beta2=ADAM_BETAS[1], weight_decay=0.0,
                               eps=ADAM_EPS, amsgrad=False, maximize=False)
            return
        except (RuntimeError, NotImplementedError, AttributeError):
            _NO_FUSED_ADAM.add(param.device.type)
    step = float(step_t)
    exp_avg.lerp_(grad, 1 - ADAM_BETAS[0])
    exp_avg_sq.mul_(ADAM_BETAS[1]).addcmul_(grad, grad, value=1 - ADAM_BETAS[1])
    denom = (exp_avg_sq.sqrt() / math.sqrt(1 - ADAM_BETAS[1] ** step)).add_(ADAM_EPS)
    param.addcdiv_(exp_avg, denom, value=-lr / (1 - ADAM_BETAS[0] ** step))


__all__ = ["ADAM_BETAS", "ADAM_EPS"]
