"""The MLP teacher (a package: :mod:`.network`, :mod:`.engines` behind the :class:`Engine`
interface, :mod:`.optim`, :mod:`.training`, :mod:`.estimator`), trained with ``MSE + lam * penalty``: the Jacobian penalty
``mean ||df/dx||_F^2`` (paper eq. 3, ``penalty="jacobian"``) or a Lipschitz penalty
(``"lipschitz"``: ``max ||df/dx||^2`` over the batch; ``"lipschitz_bound"``: the squared
product of the layers' spectral norms; see :mod:`distillkit.penalties.lipschitz`).

Defaults follow the paper's Table 5: one hidden layer of 100 ReLU units, Adam with
learning rate 1e-3, 100 epochs, batch size 128.

Training keeps the whole data set as one tensor on the device and batches by index
(no DataLoader, no per-sample Python work). Two training engines:

``"fast"`` (used whenever it applies: one hidden layer, one output, a closed-form penalty:
``jacobian_method="exact"`` or ``penalty="lipschitz_bound"``)
    A hand-written forward and backward pass, no autograd. For a scalar-output ReLU
    network the input Jacobian is a single row, ``J(x) = (m(x) * w2) @ W1`` with the
    0/1 activation mask ``m``; the same matmul gives the network output (a ReLU net is
    locally affine), and the gradients of MSE and penalty fold into one shared matmul,
    so beyond a plain step the Jacobian penalty costs two small elementwise operations
    and the local Lipschitz penalty a per-sample norm, a maximum and a gather/scatter of
    one column (derivation in :class:`FastEngine`). Parameters live in one flat buffer
    updated by one fused Adam call.
``"autograd"``
    ``loss.backward()`` on any depth, any output size, any penalty and any Jacobian method
    of :mod:`distillkit.penalties.jacobian` (``exact``, ``autograd``, ``projection``, ``jacrev``,
    ``jacfwd``).

Several teachers that share the data but differ in ``lam`` and seed train as one
*ensemble*: weights are stacked along a leading dimension and every matmul is batched.
Each member draws its initial weights and its batch order from its own generator,
seeded exactly as a teacher trained alone; a lone teacher *is* an ensemble of one and
runs the same kernels, and every kernel of the fast engine acts on each member
separately, so a member ends where the lone teacher ends (bitwise on the CPUs we
tested; see ``tests/teacher/test_teacher.py``).
"""
from __future__ import annotations

from distillkit.penalties.jacobian import METHODS
from distillkit.penalties.lipschitz import PENALTIES
from distillkit.teacher.engines import (ENGINES, AutogradEngine, Engine, FastEngine, fast_engine_applies, make_engine)
from distillkit.teacher.estimator import (MLPTeacher, check_lam, fit_teacher, fit_teacher_ensemble)
from distillkit.teacher.network import MLP, relu_mask, resolve_device
from distillkit.teacher.optim import ADAM_BETAS, ADAM_EPS
from distillkit.teacher.training import EnsembleFit, epoch_permutations, train_ensemble, train_mlp

__all__ = ["MLP", "MLPTeacher", "fit_teacher", "fit_teacher_ensemble", "train_mlp", "resolve_device",
           "FastEngine", "AutogradEngine", "Engine", "make_engine", "fast_engine_applies",
           "epoch_permutations", "train_ensemble", "EnsembleFit", "relu_mask", "ENGINES",
           "PENALTIES", "METHODS", "ADAM_BETAS", "ADAM_EPS", "check_lam"]
