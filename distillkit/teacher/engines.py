"""The two training engines behind one interface, :class:`Engine`: :class:`FastEngine`
(hand-written forward and backward pass for one hidden layer and one output, closed-form
penalties) and :class:`AutogradEngine` (``loss.backward()``, any network, any penalty);
:func:`make_engine` picks one (see :mod:`distillkit.teacher`)."""
from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import torch

from distillkit.penalties.jacobian import exact_sq_norms, grad_sq_norms, jacobian_sq_norms
from distillkit.penalties.lipschitz import bound_penalty, check_penalty, top_right_singular_vector
from distillkit.teacher.network import MLP
from distillkit.teacher.optim import ADAM_BETAS, ADAM_EPS, adam_step

from distillkit.vocab import ENGINES


@runtime_checkable
class Engine(Protocol):
    """What :func:`distillkit.teacher.train_mlp` asks of an engine, once per epoch:
    ``begin_epoch`` (fix the row order; returns the number of steps), ``step(i)`` for each
    step, ``end_epoch`` (mean training loss per member, shape (G,)), and ``finish`` once
    after the last epoch (leave the trained weights in the model)."""

    def begin_epoch(self, perm: torch.Tensor, inverse: torch.Tensor | None = None) -> int: ...

    def step(self, i: int) -> None: ...

    def end_epoch(self) -> torch.Tensor: ...

    def finish(self) -> None: ...


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
        if "alpha" in buf:  # rounded as the ensemble's: the product 2 lam J_i* first, then the add
            torch.index_select(buf["J0"], 1, buf["i0"], out=buf["Jmax0"]).mul_(buf["alpha"])
            buf["VT0"].index_add_(1, buf["i0"], buf["Jmax0"])  # (index_add_'s alpha= may fuse)
            return
        torch.gather(J, 2, idx, out=buf["Jmax"]).mul_(buf["c2lam"])
        buf["VT_d"].scatter_add_(2, idx, buf["Jmax"])

    def _global_bound(self, buf: dict, B: int) -> None:
        """``lam * ||w2||^2 ||W1 v||^2`` with the tracked singular vector v (see
        :mod:`distillkit.penalties.lipschitz`): adds ``2 lam ||w2||^2 (W1 v) v^T`` to dL/dW1 and
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
        # capped at the rows: one batch holds every row either way, and a larger setting would
        # allocate its work space for nothing (batch_size=1e9 on 120 rows took 22 GB)
        self.batch_size = min(int(batch_size), X.shape[0])
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
        adam_step(self.theta, self.grad, self.exp_avg, self.exp_avg_sq, self.step_t, self.lr)

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
        self.batch_size, self.n = min(int(batch_size), X.shape[0]), X.shape[0]  # capped, as above
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


__all__ = ["ENGINES", "Engine", "FastEngine", "AutogradEngine", "make_engine", "fast_engine_applies"]
