"""The MLP teacher, trained with ``MSE + lam * penalty``: the Jacobian penalty
``mean ||df/dx||_F^2`` (paper eq. 3, ``penalty="jacobian"``) or a Lipschitz penalty
(``"lipschitz"``: ``max ||df/dx||^2`` over the batch; ``"lipschitz_bound"``: the squared
product of the layers' spectral norms; see :mod:`distillkit.lipschitz`).

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
    of :mod:`distillkit.jacobian` (``exact``, ``autograd``, ``projection``, ``jacrev``,
    ``jacfwd``).

Several teachers that share the data but differ in ``lam`` and seed train as one
*ensemble*: weights are stacked along a leading dimension and every matmul is batched.
Each member draws its initial weights and its batch order from its own generator,
seeded exactly as a teacher trained alone; a lone teacher *is* an ensemble of one and
runs the same kernels, and every kernel of the fast engine acts on each member
separately, so a member ends where the lone teacher ends (bitwise on the CPUs we
tested; see ``tests/test_teacher.py``).
"""
from __future__ import annotations

import math
import time
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from torch import nn

from .jacobian import METHODS, exact_sq_norms, grad_sq_norms, jacobian_sq_norms
from .lipschitz import PENALTIES, bound_penalty, check_penalty, top_right_singular_vector

ENGINES = ("auto", "fast", "autograd")
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


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


# --------------------------------------------------------------------------- engines

def fast_engine_applies(model: MLP, lams: torch.Tensor, penalty: str = "jacobian",
                        jacobian_method: str = "exact", explicit: bool = False) -> bool:
    """Whether the hand-written engine can train ``model``: one hidden layer, one output,
    and a penalty it computes in closed form (``jacobian_method="exact"``, or the
    data-free ``penalty="lipschitz_bound"``). ``engine="auto"`` picks it by the penalty
    alone, so a fit with λ = 0 runs on the same engine as one with λ > 0 and the two time
    alike; an explicit ``engine="fast"`` also accepts any method when every λ is 0."""
    if len(model.sizes) != 3 or model.sizes[-1] != 1:
        return False
    closed_form = jacobian_method == "exact" or penalty == "lipschitz_bound"
    return closed_form or (explicit and not bool((lams > 0).any()))


_NO_FUSED_ADAM: set[str] = set()  # device types where torch has no fused Adam kernel


def _adam_step(param, grad, exp_avg, exp_avg_sq, step_t, lr, fused: bool | None = None):
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


class _Chunk:
    """A run of ensemble members ``[lo, hi)`` processed together, with views of the
    engine's parameters and gradient and its own work space per batch size (reused every
    step, so the large ``(members, h, B)`` buffer stays in cache)."""

    def __init__(self, eng: "FastEngine", lo: int, hi: int):
        self.lo, self.hi = lo, hi
        self.WaT, self.w2, self.b2 = eng.WaT[lo:hi], eng.w2[lo:hi], eng.b2[lo:hi]
        self.WaT_mT = self.WaT.mT
        self.gWaT, self.gw2, self.gb2 = eng.gWaT[lo:hi], eng.gw2[lo:hi], eng.gb2[lo:hi]
        self.w2_row, self.b2_col = self.w2.unsqueeze(1), self.b2.unsqueeze(1)
        self.acc_r, self.acc_p, self.acc_q = eng.acc_r[lo:hi], eng.acc_p[lo:hi], eng.acc_q[lo:hi]
        self.lams = eng.lams[lo:hi]
        self.penalized = bool((self.lams > 0).any())
        self.penalty, self.eng = eng.penalty, eng
        if self.penalty == "lipschitz_bound":  # power-iteration state and gradient views
            self.v = eng.v[lo:hi]
            self.v_row, self.v_col = self.v.unsqueeze(1), self.v.unsqueeze(2)
            self.W1T, self.gW1T = self.WaT[:, :eng.d], self.gWaT[:, :eng.d]
            self.two_lams = 2 * self.lams
        if self.penalty == "lipschitz":  # one (members, 1) view per step of an epoch, made once
            self.max_slots = [eng.max_hist[lo:hi, i:i + 1] for i in range(eng.max_hist.shape[1])]
        self.kw = dict(device=eng.device, dtype=eng.dtype)
        self.d, self.h, self.k = eng.d, eng.h, eng.k
        self.WsT = torch.empty(hi - lo, self.k, self.h, **self.kw)
        self._bufs: dict[int, dict] = {}

    def buffers(self, B: int) -> dict:
        """Work space for batches of B rows, and views of it made once (a view costs about
        as much as a small kernel here)."""
        if B not in self._bufs:
            G, d, k, h, kw = self.hi - self.lo, self.d, self.k, self.h, self.kw
            buf = {
                "zT": torch.empty(G, h, B, **kw),  # pre-activations, then the mask, in place
                "JT": torch.empty(G, k, B, **kw),  # [J^T ; (m*w2).b1]
                "T": torch.empty(G, k, B, **kw), "VT": torch.empty(G, k, B, **kw),
                "M": torch.empty(G, h, k, **kw), "r": torch.empty(G, B, **kw),
                "cvec": (2.0 / B * self.lams).reshape(G, 1, 1).to(**kw), "scale": 2.0 / B,
                "acc_r": self.acc_r[:, :B], "acc_p": self.acc_p[:, :, :B]}
            if self.penalty == "lipschitz":  # per-sample norms, the batch maximum and its sample
                imax = torch.zeros(G, 1, device=kw["device"], dtype=torch.long)
                # idx: a view of imax made once; torch.max writes imax in place each step
                buf.update(sq=torch.empty(G, B, **kw), imax=imax, idx=imax.unsqueeze(1).expand(-1, d, 1),
                           Jmax=torch.empty(G, d, 1, **kw),
                           c2lam=(2.0 * self.lams).reshape(G, 1, 1).to(**kw))
                if G == 1:  # a lone teacher: 2 lam as a Python number saves a kernel per step
                    buf.update(J0=buf["JT"][0, :d], VT0=buf["VT"][0, :d], i0=imax.view(1), Jmax0=buf["Jmax"][0],
                               alpha=2.0 * float(self.lams[0]))
            elif self.penalty == "lipschitz_bound":
                buf.update(a=torch.empty(G, 1, h, **kw), Wv=torch.empty(G, d, 1, **kw))
            buf.update(J=buf["JT"][:, :d], VT_d=buf["VT"][:, :d], VT_mT=buf["VT"].mT,
                       MT=buf["M"].mT, r_row=buf["r"].unsqueeze(1))
            self._bufs[B] = buf
        return self._bufs[B]

    def forward_backward(self, XT: torch.Tensor, yb: torch.Tensor) -> None:
        """Loss terms (accumulated) and gradient (written into the engine's ``grad``) for a
        batch ``XT`` = [x^T ; 1] (members, d+1, B) with targets ``yb`` (members, B)."""
        buf = self.buffers(XT.shape[-1])
        zT, JT, r = buf["zT"], buf["JT"], buf["r"]
        torch.bmm(self.WaT_mT, XT, out=zT)               # z^T (G, h, B)
        zT.gt_(0)                                        # mask m^T, in place
        torch.mul(self.WaT, self.w2_row, out=self.WsT)   # (w2 * Wa)^T
        torch.bmm(self.WsT, zT, out=JT)                  # [J^T ; (m*w2).b1]  (G, k, B)
        torch.sum(torch.mul(JT, XT, out=buf["T"]), 1, out=r)  # f - b2 (ReLU nets are locally affine)
        r.add_(self.b2_col).sub_(yb)                     # residual f - y
        buf["acc_r"].addcmul_(r, r)
        r.mul_(buf["scale"])                             # dL/df = 2 r / B
        torch.mul(XT, buf["r_row"], out=buf["VT"])
        if self.penalized and self.penalty == "jacobian":
            J = buf["J"]
            buf["acc_p"].addcmul_(J, J)
            buf["VT_d"].addcmul_(J, buf["cvec"])         # + (2 lam / B) J
        elif self.penalized and self.penalty == "lipschitz":
            self._local_max(buf, XT.shape[-1])
        torch.bmm(zT, buf["VT_mT"], out=buf["M"])        # m^T V  (G, h, k)
        MT = buf["MT"]
        torch.mul(MT, self.w2_row, out=self.gWaT)
        torch.linalg.vecdot(self.WaT, MT, dim=1, out=self.gw2)
        torch.sum(r, -1, out=self.gb2)
        if self.penalized and self.penalty == "lipschitz_bound":
            self._global_bound(buf, XT.shape[-1])

    def _local_max(self, buf: dict, B: int) -> None:
        """``lam * max_i ||J_i||^2``: only the maximizing sample i* gets ``2 lam J_i*`` added
        to its row of V (the gradient of ``s_i*`` through the shared matmul, as for the
        Jacobian penalty but without the 1/B)."""
        J, sq, idx = buf["J"], buf["sq"], buf["idx"]
        torch.linalg.vecdot(J, J, dim=1, out=sq)         # s_i = ||J_i||^2  (G, B)
        # the maximum goes straight into this step's slot of the epoch's record (for the loss)
        torch.max(sq, -1, keepdim=True, out=(self.max_slots[self.eng.slot], buf["imax"]))
        if "alpha" in buf:
            torch.index_select(buf["J0"], 1, buf["i0"], out=buf["Jmax0"])
            buf["VT0"].index_add_(1, buf["i0"], buf["Jmax0"], alpha=buf["alpha"])
            return
        torch.gather(J, 2, idx, out=buf["Jmax"]).mul_(buf["c2lam"])
        buf["VT_d"].scatter_add_(2, idx, buf["Jmax"])

    def _global_bound(self, buf: dict, B: int) -> None:
        """``lam * ||w2||^2 ||W1 v||^2`` with the tracked singular vector v (see
        :mod:`distillkit.lipschitz`): adds ``2 lam ||w2||^2 (W1 v) v^T`` to dL/dW1 and
        ``2 lam ||W1 v||^2 w2`` to dL/dw2, then one power-iteration step on v."""
        a = buf["a"]
        torch.bmm(self.v_row, self.W1T, out=a)          # (W1 v)^T  (G, 1, h)
        sig2 = torch.linalg.vecdot(a, a).squeeze(-1)     # ||W1 v||^2  (G,)
        n2 = torch.linalg.vecdot(self.w2, self.w2)       # ||w2||^2
        self.acc_q.addcmul_(sig2, n2, value=B)
        self.gW1T.baddbmm_(self.v_col * (self.two_lams * n2).reshape(-1, 1, 1), a)
        self.gw2.addcmul_(self.w2, (self.two_lams * sig2).unsqueeze(-1))
        Wv = torch.bmm(self.W1T, a.mT, out=buf["Wv"])     # W1^T W1 v  (G, d, 1)
        torch.div(Wv.squeeze(-1), torch.linalg.vector_norm(Wv, dim=1), out=self.v)


class FastEngine:
    r"""Hand-written training step for a ReLU MLP with one hidden layer and one output.

    Per member, with a batch ``x`` (B, d), ``x1 = [x, 1]``, ``Wa = [W1 | b1]`` (h, d+1):

    * forward: ``z = x1 Wa^T``, mask ``m = 1[z > 0]``, ``Ws = w2[:, None] * Wa``,
      ``Ja = m Ws`` (B, d+1). The first d columns of ``Ja`` are the input Jacobians
      ``J_i = (m_i * w2) W1`` (one row per sample, since the output is scalar), and
      ``f(x_i) = Ja_i . x1_i + b2`` (a ReLU net is locally affine), so the output needs
      no extra pass.
    * loss: ``r = f - y``, ``L = mean r^2 + lam * mean ||J_i||^2``.
    * gradient (m is piecewise constant): with ``g = 2r/B`` and
      ``V_i = g_i x1_i + (2 lam/B) [J_i, 0]``, ``M = m^T V`` (h, d+1),
      ``dL/dWa = w2[:, None] * M``, ``dL/dw2 = rowsum(Wa * M)``, ``dL/db2 = sum(g)``.
      MSE and penalty share the matmul ``M``; beyond a plain step the penalty costs
      two small elementwise ops (``Ja`` is needed for ``f`` anyway).
    * ``penalty="lipschitz"`` (``lam * max_i ||J_i||^2``): the same, with ``2 lam J_i*``
      added to ``V`` at the maximizing sample ``i*`` only.
    * ``penalty="lipschitz_bound"`` (``lam ||w2||^2 ||W1 v||^2``, v tracked by one
      power-iteration step per training step): independent of the batch; its gradient,
      ``2 lam ||w2||^2 (W1 v) v^T`` and ``2 lam ||W1 v||^2 w2``, is added after the matmul.

    Everything is batched over the G ensemble members and kept feature-major
    (``(G, features, B)``) so elementwise work runs along contiguous rows. Members are
    processed in chunks of at most ``chunk`` (default: as many as keep the
    ``(chunk, h, B)`` mask buffer within ``chunk_bytes``). The parameters are one flat
    buffer ``[Wa^T (G, d+1, h) | w2 (G, h) | b2 (G,) | padding]`` updated by one fused
    Adam call. Every operation acts on each member separately, so a member's arithmetic
    does not depend on G, the chunking or the thread count (on the CPUs we tested a member
    and the lone teacher agree bitwise after full training).
    """

    def __init__(self, model: MLP, X: torch.Tensor, y: torch.Tensor, lams: torch.Tensor, *,
                 batch_size: int, learning_rate: float, penalty: str = "jacobian",
                 chunk: int | None = None, chunk_bytes: int = 16 << 20):
        if len(model.sizes) != 3 or model.sizes[-1] != 1:
            raise ValueError("the fast engine needs one hidden layer and one output; "
                             "use engine='autograd'")
        check_penalty(penalty)
        self.model, self.penalty = model, penalty
        self.G = G = 1 if model.ensemble_size is None else model.ensemble_size
        d, h = model.sizes[0], model.sizes[1]
        self.d, self.h, self.k = d, h, d + 1
        self.device, self.dtype = X.device, X.dtype
        self.lr = float(learning_rate)
        self.batch_size = int(batch_size)
        self.n = X.shape[0]
        self.lams = lams.reshape(-1).to(device=self.device, dtype=self.dtype)
        if self.lams.numel() != G:
            raise ValueError(f"{self.lams.numel()} lams for {G} members")
        self.penalized = bool((self.lams > 0).any())
        # feature-major data with a row of ones (bias) and the target: (d + 2, n)
        self.XYT = torch.cat([X.T, torch.ones(1, self.n, device=self.device, dtype=self.dtype),
                              y.reshape(1, -1)]).contiguous()
        k = self.k
        # padded to whole 64-element blocks: the fused Adam kernel then runs every element
        # through its vector path (no scalar tail, whose rounding can differ), so a member's
        # update does not depend on G
        size = G * (k * h + h + 1)
        self.theta = torch.zeros(-(-size // 64) * 64, device=self.device, dtype=self.dtype)
        self.grad = torch.zeros_like(self.theta)
        self.exp_avg = torch.zeros_like(self.theta)
        self.exp_avg_sq = torch.zeros_like(self.theta)
        self.step_t = torch.zeros((), device=self.device, dtype=torch.float32)
        self.WaT, self.w2, self.b2 = self._split(self.theta)
        self.gWaT, self.gw2, self.gb2 = self._split(self.grad)
        self.acc_r = torch.zeros(G, self.batch_size, device=self.device, dtype=self.dtype)
        self.acc_p = torch.zeros(G, d, self.batch_size, device=self.device, dtype=self.dtype)
        self.acc_q = torch.zeros(G, device=self.device, dtype=self.dtype)  # B * max or bound, summed
        self.v = torch.zeros(G, d, device=self.device, dtype=self.dtype)   # tracked singular vector
        # local Lipschitz: each step's batch maximum, weighted by its batch size at the epoch's end
        steps = math.ceil(self.n / self.batch_size)
        self.max_hist = torch.zeros(G, steps, device=self.device, dtype=self.dtype)
        self.slot_rows = torch.tensor([min(self.batch_size, self.n - i * self.batch_size)
                                       for i in range(steps)], device=self.device, dtype=self.dtype)
        self.slot = 0
        if chunk is None:
            per_member = h * self.batch_size * self.XYT.element_size()
            chunk = max(1, chunk_bytes // per_member)
        chunk = max(1, min(int(chunk), G))
        n_chunks = math.ceil(G / chunk)
        bounds = [round(i * G / n_chunks) for i in range(n_chunks + 1)]  # even sizes
        self.chunks = [_Chunk(self, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self.load_from_model()
        self.refresh_singular_vector()

    def refresh_singular_vector(self) -> None:
        """For ``penalty="lipschitz_bound"``: reset the tracked vector to the exact top right
        singular vector of W1 (one small SVD; done at the start of every epoch, so the
        power iteration never drifts for more than an epoch)."""
        if self.penalty == "lipschitz_bound" and self.penalized:
            self.v.copy_(top_right_singular_vector(self.WaT[:, :self.d].mT))

    def _split(self, flat):
        G, k, h = self.G, self.k, self.h
        a, b = G * k * h, G * k * h + G * h
        return flat[:a].view(G, k, h), flat[a:b].view(G, h), flat[b:b + G].view(G)

    def load_from_model(self) -> None:
        W1, W2 = (w.detach().reshape(self.G, *w.shape[-2:]) for w in self.model.W)
        b1, b2 = (b.detach().reshape(self.G, b.shape[-1]) for b in self.model.b)
        with torch.no_grad():
            self.WaT[:, :self.d].copy_(W1.mT)
            self.WaT[:, self.d].copy_(b1)
            self.w2.copy_(W2[:, 0])
            self.b2.copy_(b2[:, 0])

    def write_to_model(self) -> None:
        W1, W2 = self.model.W
        b1, b2 = self.model.b
        with torch.no_grad():
            W1.copy_(self.WaT[:, :self.d].mT.reshape(W1.shape))
            b1.copy_(self.WaT[:, self.d].reshape(b1.shape))
            W2.copy_(self.w2.reshape(W2.shape))
            b2.copy_(self.b2.reshape(b2.shape))

    # -- one step -------------------------------------------------------------------
    def _forward_backward(self, XT: torch.Tensor, yb: torch.Tensor) -> None:
        if len(self.chunks) == 1:
            self.chunks[0].forward_backward(XT, yb)
            return
        for c in self.chunks:
            c.forward_backward(XT[c.lo:c.hi], yb[c.lo:c.hi])

    def loss_and_grad(self, xb: torch.Tensor, yb: torch.Tensor):
        """Training loss per member and its gradient in the layout of :class:`MLP`, for
        one batch ``xb`` (G, B, d), ``yb`` (G, B). For tests; does not step."""
        XT = torch.cat([xb.mT, torch.ones_like(xb[:, None, :, 0])], 1)
        self._zero_acc()
        self._forward_backward(XT, yb)
        B = xb.shape[1]
        pen = {"jacobian": self.acc_p.sum((1, 2)) / B, "lipschitz": self.max_hist[:, 0],
               "lipschitz_bound": self.acc_q / B}[self.penalty]
        loss = self.acc_r.sum(-1) / B + self.lams * pen
        self._zero_acc()
        grads = {"W1": self.gWaT[:, :self.d].mT.clone(), "b1": self.gWaT[:, self.d].clone(),
                 "W2": self.gw2.unsqueeze(1).clone(), "b2": self.gb2.unsqueeze(1).clone()}
        return loss, grads

    # -- epochs ---------------------------------------------------------------------
    def begin_epoch(self, perm: torch.Tensor, inverse: torch.Tensor | None = None) -> int:
        """Fix the batches of an epoch; returns the number of steps. Member g visits the rows
        in the order ``perm[g]``, or ``perm[inverse[g]]`` when ``inverse`` is given (members
        sharing an order then share one copy of the shuffled data)."""
        perm = perm.reshape(-1, self.n)
        if inverse is not None and bool((inverse == torch.arange(self.G, device=inverse.device)).all()):
            inverse = None
        if inverse is None and perm.shape[0] != self.G:
            raise ValueError(f"need one row order per member ({self.G}), got {perm.shape[0]}")
        U, k = perm.shape[0], self.k
        self._inverse = inverse
        self.refresh_singular_vector()
        if self.XYT.numel() * U * self.XYT.element_size() <= 256 * 2**20:
            # one gather per epoch, (U, d+2, n); each step then reads a slice
            data = self.XYT.index_select(1, perm.reshape(-1)).view(-1, U, self.n).permute(1, 0, 2)
            self._XT, self._Y, self._perm = data[:, :k], data[:, k], None
        else:  # too large to copy per member: gather each batch
            self._XT, self._Y, self._perm = None, None, perm
        self._zero_acc()
        return math.ceil(self.n / self.batch_size)

    def _zero_acc(self) -> None:
        self.acc_r.zero_()
        self.acc_p.zero_()
        self.acc_q.zero_()
        self.max_hist.zero_()
        self.slot = 0

    def step(self, i: int) -> None:
        lo, hi = i * self.batch_size, min((i + 1) * self.batch_size, self.n)
        if self._perm is None:
            XT, yb = self._XT[:, :, lo:hi], self._Y[:, lo:hi]
        else:
            idx = self._perm[:, lo:hi].reshape(-1)
            data = self.XYT.index_select(1, idx).view(-1, self._perm.shape[0], hi - lo).permute(1, 0, 2)
            XT, yb = data[:, :self.k], data[:, self.k]
        if self._inverse is not None:  # members sharing a row order share the gathered batch
            XT, yb = XT.index_select(0, self._inverse), yb.index_select(0, self._inverse)
        self.slot = i
        self._forward_backward(XT, yb)
        _adam_step(self.theta, self.grad, self.exp_avg, self.exp_avg_sq, self.step_t, self.lr)

    def end_epoch(self) -> torch.Tensor:
        """Mean training loss of the epoch per member, (G,)."""
        loss = self.acc_r.sum(-1)
        if self.penalized:
            pen = {"jacobian": lambda: self.acc_p.sum((1, 2)), "lipschitz_bound": lambda: self.acc_q,
                   "lipschitz": lambda: self.max_hist @ self.slot_rows}[self.penalty]()
            loss = loss + self.lams * pen
        return loss / self.n

    def finish(self) -> None:
        self.write_to_model()


class AutogradEngine:
    """``loss.backward()`` training for any depth, output size, penalty and Jacobian method."""

    def __init__(self, model: MLP, X: torch.Tensor, y: torch.Tensor, lams: torch.Tensor, *,
                 batch_size: int, learning_rate: float, penalty: str = "jacobian",
                 jacobian_method: str = "exact", n_projections: int = 1, proj_seed: int = 1):
        check_penalty(penalty, jacobian_method)
        self.model, self.X, self.y = model, X, y
        self.lams = lams.to(device=X.device, dtype=X.dtype)
        if model.ensemble_size is None:
            self.lams = self.lams.reshape(())
        self.regularized = bool((self.lams > 0).any())
        self.penalty, self.jacobian_method, self.n_projections = penalty, jacobian_method, n_projections
        self.batch_size, self.n = int(batch_size), X.shape[0]
        try:  # the fused kernel (CPU since torch 2.4, CUDA) saves most of Adam's overhead
            self.opt = torch.optim.Adam(model.parameters(), lr=learning_rate, betas=ADAM_BETAS,
                                        eps=ADAM_EPS, fused=True)
        except (RuntimeError, ValueError):
            self.opt = torch.optim.Adam(model.parameters(), lr=learning_rate, betas=ADAM_BETAS,
                                        eps=ADAM_EPS)
        self.proj_gen = torch.Generator().manual_seed(int(proj_seed))

    def begin_epoch(self, perm: torch.Tensor, inverse: torch.Tensor | None = None) -> int:
        if inverse is not None:
            perm = perm[inverse]
        self.perm = perm[0] if self.model.ensemble_size is None else perm
        self.running = torch.zeros_like(self.lams)
        return math.ceil(self.n / self.batch_size)

    def loss(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Training loss per member (differentiable) for one batch."""
        method, model = self.jacobian_method, self.model
        sq = None  # per-sample squared Jacobian norms, for the Jacobian and local Lipschitz penalties
        if not self.regularized or self.penalty == "lipschitz_bound":
            out = model(xb)
        elif method == "exact":  # reuse the forward pass's masks
            out, masks = model.forward_with_masks(xb)
            sq = exact_sq_norms(model.weights(), masks)
        elif method in ("autograd", "projection"):  # reuse the forward pass's graph
            xb = xb.detach().requires_grad_(True)
            out = model(xb)
            sq = grad_sq_norms(out, xb, method, self.n_projections, self.proj_gen)
        else:
            out = model(xb)
            sq = jacobian_sq_norms(model, xb, method)
        if not self.regularized:
            pen = None
        elif self.penalty == "lipschitz_bound":
            pen = bound_penalty(model.weights())  # exact spectral norms (SVD)
        else:
            pen = sq.mean(-1) if self.penalty == "jacobian" else sq.amax(-1)
        mse = (out.squeeze(-1) - yb).pow(2).mean(-1)
        return mse if pen is None else mse + self.lams * pen

    def step(self, i: int) -> None:
        idx = self.perm[..., i * self.batch_size:(i + 1) * self.batch_size]
        loss = self.loss(self.X[idx], self.y[idx])
        self.opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.opt.step()
        self.running += loss.detach() * idx.shape[-1]

    def end_epoch(self) -> torch.Tensor:
        return (self.running / self.n).reshape(-1)

    def finish(self) -> None:
        pass


def make_engine(model: MLP, X, y, lams, *, batch_size: int, learning_rate: float,
                penalty: str = "jacobian", jacobian_method: str = "exact", n_projections: int = 1,
                engine: str = "auto", proj_seed: int = 1, chunk: int | None = None):
    """The training engine for ``model`` (see the module docstring); ``chunk`` caps the
    members the fast engine processes at once (default: by cache size)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    check_penalty(penalty, jacobian_method)
    lams = torch.as_tensor(lams, dtype=X.dtype).reshape(-1).to(X.device)
    fast_ok = fast_engine_applies(model, lams, penalty, jacobian_method, explicit=engine == "fast")
    if engine == "fast" and not fast_ok:
        raise ValueError("engine='fast' needs one hidden layer, one output and jacobian_method='exact' "
                         "(or lam=0); use engine='autograd'")
    if engine == "fast" or (engine == "auto" and fast_ok):
        return FastEngine(model, X, y, lams, batch_size=batch_size, learning_rate=learning_rate,
                          penalty=penalty, chunk=chunk)
    return AutogradEngine(model, X, y, lams, batch_size=batch_size, learning_rate=learning_rate,
                          penalty=penalty, jacobian_method=jacobian_method,
                          n_projections=n_projections, proj_seed=proj_seed)


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
    """MLP regressor trained with a smoothness penalty (scikit-learn conventions).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    lam : float >= 0, weight of the penalty; 0 is a plain MLP.
    penalty : {"jacobian", "lipschitz", "lipschitz_bound"}, which penalty
        (:mod:`distillkit.lipschitz`): the batch mean of ``||df/dx||^2`` (paper eq. 3), its
        batch maximum, or the squared product of the layers' spectral norms.
    jacobian_method : {"exact", "autograd", "projection", "jacrev", "jacfwd"}, how the
        per-sample Jacobian is computed (:mod:`distillkit.jacobian`; not used by
        ``"lipschitz_bound"``).
    epochs, batch_size, learning_rate : Adam training budget (paper: 100, 128, 1e-3).
    n_projections : projections per step for ``jacobian_method="projection"``.
    random_state : int or None. Seeds the initial weights and the batch order.
    device : "auto" (CUDA when available), "cpu", "cuda", ...
    engine : "auto" (the hand-written engine where it applies), "fast", "autograd".

    Attributes
    ----------
    model_ : MLP, loss_curve_ : per-epoch training loss, fit_seconds_ : wall time of fit,
    n_steps_ : optimizer steps, device_ : the torch device used.
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
        _check_lam(self.lam)
        check_penalty(self.penalty, self.jacobian_method)
        hidden = tuple(self.hidden_layer_sizes)
        if not hidden or any(int(h) < 1 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive ints, got {self.hidden_layer_sizes!r}")
        for name in ("epochs", "batch_size", "n_projections"):
            v = getattr(self, name)
            if not isinstance(v, (Integral, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if not (isinstance(self.learning_rate, Real) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {ENGINES}")
        closed_form = self.jacobian_method == "exact" or self.penalty == "lipschitz_bound"
        if self.engine == "fast" and (len(hidden) != 1 or (not closed_form and self.lam > 0)):
            raise ValueError("engine='fast' needs one hidden layer and jacobian_method='exact' (or lam=0)")

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

    def lipschitz_bound(self) -> float:
        """Gouk et al.'s global bound ``prod_l ||W_l||_2`` on the fitted network's Lipschitz
        constant (exact spectral norms); a smoothness diagnostic needing no data."""
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("MLPTeacher is not fitted yet; call fit(X, y) first")
        from .lipschitz import lipschitz_bound
        with torch.no_grad():
            return float(lipschitz_bound(self.model_.weights()))

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
    # a lone teacher is an ensemble of one: it runs the same batched kernels as a member
    model = MLP(X.shape[1], tuple(template.hidden_layer_sizes), 1, ensemble_size=G)
    generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
    model.init_from_generators(generators)
    model.to(device)
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    lam_t = torch.tensor(lams, dtype=Xt.dtype, device=device)
    t0 = time.perf_counter()
    history = train_mlp(model, Xt, yt, lam_t, generators, epochs=template.epochs,
                        batch_size=template.batch_size, learning_rate=template.learning_rate,
                        penalty=template.penalty, jacobian_method=template.jacobian_method,
                        n_projections=template.n_projections,
                        progress=progress, engine=template.engine)
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


__all__ = ["MLP", "MLPTeacher", "fit_teacher", "fit_teacher_ensemble", "train_mlp", "resolve_device",
           "FastEngine", "AutogradEngine", "make_engine", "fast_engine_applies",
           "epoch_permutations", "relu_mask", "ENGINES", "PENALTIES", "METHODS"]
