r"""The agent logit quantal response equilibrium of a two-player extensive game, traced.

Model
-----
In a two-player extensive game with perfect recall, an *agent logit QRE* with precision
:math:`\lambda \ge 0` (McKelvey and Palfrey 1998) is a behaviour profile :math:`\sigma`
such that at every information set :math:`h` of player :math:`i`

.. math::

    \sigma(a \mid h) = \frac{\exp(\lambda\, v_h(a))}{\sum_{b \in A(h)} \exp(\lambda\, v_h(b))},
    \qquad
    v_h(a) = \sum_{w \in h} \mu_h(w)\, \mathrm{EV}_i(w a \mid \sigma),

:math:`\mathrm{EV}_i(wa \mid \sigma)` player :math:`i`'s expected payoff from the child of
member :math:`w` along :math:`a`, everybody playing :math:`\sigma` below, and
:math:`\mu_h` the belief at :math:`h` by Bayes' rule,

.. math:: \mu_h(w) = \frac{P_\sigma(w)}{\sum_{w' \in h} P_\sigma(w')},

well defined because :math:`\sigma` is fully mixed for finite :math:`\lambda` (a member
reached only through a chance move of probability zero gets weight :math:`e^{-10^6}` times
the others'). :math:`\lambda` multiplies **the payoffs as written in the file** (no
normalisation), as Gambit's ``logit_solve`` does, so :math:`\lambda` is in units of
1 / payoff.

Homotopy
--------
With log-probabilities :math:`z_a = \log \sigma(a \mid h)` (one per action of every personal
information set, player 1's sets first, each player's in order of appearance) the QRE are the
zeros of

.. math:: H_a(z, \lambda) = z_a - \lambda v_a(z)
          + \log \sum_{b \in A(h(a))} e^{\lambda v_b(z)}.

Every quantity is computed in logarithms: with :math:`L(v) = \log c(v) + \sum_{b \to v} z_b`
the log-probability of reaching node :math:`v` (chance and both players' moves),

.. math:: v_a = \sum_{t \succ (h, a)} e^{L(t) - z_a - \operatorname{LSE}_{w \in h} L(w)}\, u_i(t),

the sum over the terminals :math:`t` whose path takes action :math:`a` at :math:`h` (with
perfect recall player :math:`i`'s own moves to the members cancel in the belief). Its
derivative in :math:`z_b` is
:math:`\sum_t (\cdot)\, [b \to t] - v_a [a = b] - v_a \sum_{w \in h} \mu_h(w) [b \to w]`,
so :math:`H` and its Jacobian are a few dense products over terminals and actions.

Tracing
-------
The principal branch starts at the centroid (:math:`\lambda = 0`) and is followed as the
bimatrix tracer :mod:`negotiation.solvers.qre_trace` does (Turocy 2005; Allgower and Georg
1990): arc length in the chart :math:`(w, \nu)` with :math:`z = \varphi(w)` (the chart of
:func:`negotiation.solvers.qre_homotopy.to_log_probabilities`, which compresses
log-probabilities below :math:`-10`) and :math:`\nu = \log(1 + \lambda)`, an Euler predictor,
a Newton corrector on the bordered system :math:`[DH; t^\top]` and the same step control
(nominal distance, contraction and angle). Far out the branch is nearly straight in this
chart, so steps grow geometrically and :math:`\lambda` can reach :math:`10^{10}` and beyond in
a few hundred steps.

Branch points. A step across which :math:`\operatorname{sign} \det [DH; t^\top]` changes
either jumped to another branch or crossed a simple branch point, where :math:`DH` loses rank
and two branches cross (Allgower and Georg 1990, ch. 8). The rule here: *continue along the
branch that keeps the tangent direction*, the smooth continuation through the crossing. Such
a step of arc length :math:`s` is kept if the corrector's point at :math:`s/2` lies within
:math:`s/4` of the chord and the tangent turns less than the nominal angle (one smooth branch
through the crossing); otherwise it is retried at :math:`s/4`, and a sign change that
persists down to steps of ``BRANCH_POINT_STEP`` is kept as well. The crossing is thus taken
with an ordinary step, landing well past the branch point: on the branch point itself the
bordered system is singular, Newton contracts slowly and the tangent is ill-conditioned, and
a trace that creeps up to it in ever shorter steps (as it did when every sign change was
retried shorter) can turn onto the other branch, on a side that depends on the step sizes.

The limit. Once :math:`\lambda \ge 1`, each time :math:`\lambda` has grown by a quarter the
point is solved to full accuracy at fixed :math:`\lambda` and its max regret (in payoff units,
the larger of the two players') is computed exactly from the tree by
:func:`negotiation.solvers.sequence_form.behaviour_regrets`; the trace stops at the first
point whose regret is at most ``max_regret`` (default :math:`10^{-8}`). Along the principal
branch the limit is a sequential equilibrium (McKelvey and Palfrey 1998) whose beliefs are
the limits of the beliefs returned here.

Limitations
-----------
- Branch points. In non-generic games the principal branch can meet another one. In
  pygambit's catalog this happens in games with a symmetry that swaps two information sets
  (Shoham and Leyton-Brown's Fig. 5.10, whose subgame is a symmetric battle of the sexes,
  pitchfork at :math:`\lambda^* = 0.68609`; Jakobsen et al.'s Fig. 1(c), :math:`\lambda^* =
  8.51912`): the branch from the centroid is symmetric, and at :math:`\lambda^*` the
  antisymmetric mode of the logit response has gain :math:`-1`, :math:`DH` loses rank and two
  mirror-image asymmetric branches are born. The trace continues on the symmetric branch
  (the rule above) to the symmetric equilibrium. Gambit's ``logit_solve`` detects the
  change of orientation, adds :math:`10^{-7}` to its first equation (the sum of player 1's
  first information set) and turns onto one of the asymmetric branches, whose side its
  perturbation (Fig. 1(c)) or rounding (Fig. 5.10, where that set is the root, fixed by the
  symmetry) decides; its limit is then an asymmetric equilibrium whose mirror image is an
  equilibrium too. The limits therefore differ on these two games; on the other catalog
  games where Gambit converges (all but Fig. 6.8) they agree to :math:`10^{-3}` or better.
- The regret target is absolute (payoff units); Gambit's ``maxregret`` is relative to the
  payoff range. Limits that are mixed converge like :math:`1/\lambda`, so the target
  :math:`10^{-8}` takes :math:`\lambda \approx 10^7`: a few hundred steps.
- Double precision: far out :math:`H` holds :math:`\lambda v`, whose rounding grows with
  :math:`\lambda`; corrections that stall at that noise (``_NOISE_FLOOR``) are accepted.

References
----------
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria for extensive form
games. *Experimental Economics* 1, 9--41.
Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal response
equilibrium correspondence. *Games and Economic Behavior* 51, 243--263.
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer, ch. 2, 6.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from negotiation.model.tree import PERSONAL, TERMINAL, GameTree
from negotiation.solvers.agent_form import agent_regrets
from negotiation.solvers.qre_homotopy import chart, from_log_probabilities
from negotiation.solvers.qre_trace import (
    BRANCH_POINT_STEP,
    FIRST_STEP,
    MAX_ACCEL,
    NOMINAL_ANGLE,
    NOMINAL_CONTRACTION,
    NOMINAL_DISTANCE,
    NU_LIMIT,
)
from negotiation.solvers.sequence_form import SequenceForm, behaviour_regrets, sequence_form

__all__ = ["AgentQRE", "agent_logit_qre", "agent_logit_qre_at", "agent_logit_qre_points"]

#: Default target: max regret of the returned profile, in payoff units.
MAX_REGRET = 1e-8
#: Log-probability given to a chance move of probability zero.
_LOG_ZERO = -1e6
#: Regret is checked from this precision on, each time lambda has grown by this factor.
_CHECK_FROM = 1.0
_CHECK_GROWTH = 1.25
#: The corrector iterates until every correction is below this relative size: far out the
#: equations are stiff (their second derivatives grow with lambda), so each accepted point
#: must be solved to nearly full accuracy for the next predictor to land in Newton's basin.
_CORRECTOR_TOLERANCE = 1e-10
#: Corrections that stop contracting below this relative size are rounding noise: far out
#: H holds terms lambda * v, whose rounding error grows with lambda.
_NOISE_FLOOR = 1e-7
_CORRECTOR_ITERATIONS = 20
#: Smallest arc-length step before a trace gives up.
_MIN_STEP = 1e-12
#: Newton at fixed lambda: iterations and the relative size of an acceptable residual.
_FIXED_ITERATIONS = 40
_FIXED_TOLERANCE = 1e-14
#: A step across which det [DH; t^T] changes sign crosses a branch point (and is kept) if
#: the branch's point at half the step lies within this fraction of the step from the chord.
_CHORD_DEVIATION = 0.25

#: Behaviour strategies as floats: ``[player][information set][action]``.
FloatBehaviour = tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]


@dataclass(frozen=True, eq=False)
class AgentQRE:
    """An agent logit QRE of a game tree, with its beliefs and its verification.

    Attributes
    ----------
    lam : float
        Precision :math:`\\lambda`, multiplying the tree's payoffs as given (1 / payoff).
    behaviour : ``[player][information set][action]`` of float
        The behaviour profile; each player's information sets in order of appearance
        (``tree.player_infosets(player)``), actions in ``tree.infosets[s].actions`` order.
    beliefs : ``[player][information set][member]`` of float
        Bayes' rule from ``behaviour`` at every information set, one probability per node
        in ``tree.infosets[s].members`` order (all sets are reached: the profile is fully
        mixed).
    payoffs : (float, float)
        Expected payoffs of ``behaviour``.
    regrets : (float, float)
        Each player's regret (gain of a best response in the whole game), computed exactly
        from the tree by :func:`~negotiation.solvers.sequence_form.behaviour_regrets`; for a
        short-lived side (``tree.agent_column``), the largest regret of its agents
        (:func:`~negotiation.solvers.agent_form.agent_regrets`).
    max_regret : float
        The larger of ``regrets``.
    converged : bool
        Whether the requested point was reached: for the limit, ``max_regret`` at most the
        target; for a given :math:`\\lambda`, the equations solved there.
    status : str
        ``"target"`` (regret target met), ``"lam"`` (the given precision reached),
        ``"lam_max"``, ``"max_steps"`` or ``"step_failure"`` (the trace stopped first).
    steps : int
        Accepted continuation steps.
    method : str
    """

    lam: float
    behaviour: FloatBehaviour
    beliefs: tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]
    payoffs: tuple[float, float]
    regrets: tuple[float, float]
    max_regret: float
    converged: bool
    status: str
    steps: int
    method: str = "agent logit QRE, principal branch (predictor-corrector)"


# --------------------------------------------------------------------------- the homotopy


class _Game:
    """Index arrays of a tree for :meth:`homotopy` (see the module docstring)."""

    def __init__(self, tree: GameTree, sf: SequenceForm):
        self.sf = sf
        order = [s for player in (0, 1) for s in sf.infosets[player]]
        self.order = order
        position = {s: k for k, s in enumerate(order)}
        sizes = [len(tree.infosets[s].actions) for s in order]
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        Z = int(sum(sizes))
        self.Z = Z
        self.slot_set = np.repeat(np.arange(len(order)), sizes)
        self.slot_player = np.array([tree.infosets[order[k]].player for k in self.slot_set], dtype=np.int64)
        self.centroid = -np.log(np.array(sizes, dtype=float))[self.slot_set]
        V = tree.size
        N = np.zeros((V, Z))
        logc = np.zeros(V)
        probabilities = np.asarray(tree.probabilities[0], dtype=float)
        for v in range(1, V):
            u = int(tree.parent[v])
            N[v] = N[u]
            logc[v] = logc[u]
            if tree.kind[u] == PERSONAL:
                N[v, self.starts[position[int(tree.infoset[u])]] + int(tree.action[v])] = 1.0
            else:
                p = probabilities[v]
                logc[v] += np.log(p) if p > 0 else _LOG_ZERO
        terminals = np.flatnonzero(tree.kind == TERMINAL)
        self.Pt = N[terminals]
        # each terminal's path, edge by edge from the root: the slot of a personal move (-1
        # for chance), the log-probability of a chance move, and the node the edge leaves
        paths = [tree.path(int(t)) for t in terminals]
        depth = max((len(path) for path in paths), default=0)
        self.path_slot = np.full((len(terminals), depth), -1, dtype=np.int64)
        self.path_chance = np.zeros((len(terminals), depth))
        self.path_node = np.zeros((len(terminals), depth), dtype=np.int64)
        for i, path in enumerate(paths):
            for j, (w, a) in enumerate(path):
                self.path_node[i, j] = w
                if tree.kind[w] == PERSONAL:
                    self.path_slot[i, j] = self.starts[position[int(tree.infoset[w])]] + a
                else:
                    child = int(tree.children(w)[a])
                    p = probabilities[child]
                    self.path_chance[i, j] = np.log(p) if p > 0 else _LOG_ZERO
        self.personal = self.path_slot >= 0
        self.pair_t, self.pair_j = np.nonzero(self.personal)
        self.pair_slot = self.path_slot[self.pair_t, self.pair_j]
        # the chooser's payoff at each terminal for each slot: its player's, or its short-lived agent's
        chooser = np.asarray(tree.infoset_payoffs()[0], dtype=float)[tree.terminal[terminals]]  # (T, sets)
        self.Ui = chooser[:, np.asarray(order, dtype=np.int64)[self.slot_set]]  # (T, Z)
        self.payoff_max = float(np.abs(self.Ui).max(initial=0.0))
        members = [w for s in order for w in tree.infosets[s].members]
        self.member_sizes = [len(tree.infosets[s].members) for s in order]
        self.member_starts = np.concatenate([[0], np.cumsum(self.member_sizes)[:-1]]).astype(np.int64)
        self.member_set = np.repeat(np.arange(len(order)), self.member_sizes)
        self.Nm = N[members]
        # moves on the path to every member of a set cancel in its beliefs: left out, so
        # that a tiny common probability costs no precision
        common = np.minimum.reduceat(self.Nm, self.member_starts, axis=0)
        self.Nm_own = self.Nm * (1.0 - common[self.member_set])
        self.logc_m = logc[members]
        member_index = np.full(V, -1, dtype=np.int64)
        member_index[members] = np.arange(len(members))
        self.pair_member = member_index[self.path_node[self.pair_t, self.pair_j]]

    def _lse(self, values: np.ndarray, starts: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Log-sum-exp over contiguous segments."""
        top = np.maximum.reduceat(values, starts)
        return top + np.log(np.add.reduceat(np.exp(values - top[segment]), starts))

    def log_beliefs(self, z: np.ndarray) -> np.ndarray:
        """Log-beliefs at all members (contiguous per set)."""
        Lm = self.logc_m + self.Nm_own @ z
        return Lm - self._lse(Lm, self.member_starts, self.member_set)[self.member_set]

    def values(self, z: np.ndarray, derivative: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Conditional action values :math:`v` and, if asked, :math:`\\partial v / \\partial z`."""
        log_beta = self.log_beliefs(z)
        beta = np.exp(log_beta)
        # log-probability of each terminal given each move on its path, summed over the
        # moves after it (no subtraction: a huge log-probability of the move itself would
        # cost the others their precision)
        edge = np.where(self.personal, z[np.maximum(self.path_slot, 0)], self.path_chance)
        after = np.zeros_like(edge)
        after[:, :-1] = np.cumsum(edge[:, :0:-1], axis=1)[:, ::-1]
        E = after[self.pair_t, self.pair_j] + log_beta[self.pair_member]
        W = np.zeros_like(self.Pt)
        W[self.pair_t, self.pair_slot] = np.exp(np.minimum(E, 700.0))
        WU = W * self.Ui
        v = WU.sum(axis=0)
        if not derivative:
            return v, None
        G = np.zeros((len(self.order), self.Z))
        np.add.at(G, self.member_set, beta[:, None] * self.Nm)  # d LSE_h / dz
        dv = WU.T @ self.Pt - np.diag(v) - v[:, None] * G[self.slot_set]
        return v, dv

    def softmax(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-set softmax of x and its log-sum-exp per slot."""
        lse = self._lse(x, self.starts, self.slot_set)[self.slot_set]
        return np.exp(x - lse), lse

    def homotopy(self, u: np.ndarray, derivative: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """:math:`H(u)` and :math:`DH(u)` (shape (Z, Z + 1)) in the chart :math:`(w, \\nu)`."""
        z, dphi = chart(u[:-1])
        nu = min(float(u[-1]), NU_LIMIT)
        lam = np.expm1(nu)
        # the values are taken at the normalised profile: the direction that scales one
        # set's probabilities together then leaves them unchanged (without this the
        # Jacobian is nearly singular far out, with a smallest singular value ~ 1 / lambda)
        lse_z = self._lse(z, self.starts, self.slot_set)[self.slot_set]
        v, dvn = self.values(z - lse_z, derivative)
        p, lse = self.softmax(lam * v)
        H = z - lam * v + lse
        if not derivative:
            return H, None
        Z = self.Z
        sigma = np.exp(z - lse_z)
        per_set = np.add.reduceat(dvn, self.starts, axis=1)  # (Z, sets)
        dv = dvn - per_set[:, self.slot_set] * sigma[None, :]
        S = np.zeros((len(self.order), Z))  # sum_{b in h} p_b dv[b, :]
        np.add.at(S, self.slot_set, p[:, None] * dv)
        mean_v = np.add.reduceat(p * v, self.starts)[self.slot_set]
        D = np.empty((Z, Z + 1))
        D[:, :Z] = (np.eye(Z) - lam * (dv - S[self.slot_set])) * dphi[None, :]
        D[:, Z] = -(v - mean_v) * np.exp(nu)
        return H, D

    def normalised(self, u: np.ndarray) -> np.ndarray:
        """Log-probabilities of the point, normalised within each information set."""
        z = chart(u[:-1])[0]
        return z - self._lse(z, self.starts, self.slot_set)[self.slot_set]


# --------------------------------------------------------------------------- the tracer


def _bordered(D: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.vstack([D, t[None, :]])


def _tangent(game: _Game, u: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit tangent at u oriented along t, and the sign of det [DH; t]."""
    _, D = game.homotopy(u)
    M = _bordered(D, t)
    e = np.zeros(len(u))
    e[-1] = 1.0
    tau = np.linalg.solve(M, e)
    return tau / np.linalg.norm(tau), float(np.sign(np.linalg.det(M)))


def _fixed_lambda(game: _Game, u: np.ndarray, nu: float) -> tuple[np.ndarray, bool]:
    """Newton's method on H = 0 at fixed nu from u (to full accuracy)."""
    u = u.copy()
    u[-1] = nu
    Z = game.Z
    lam = float(np.expm1(min(nu, NU_LIMIT)))
    best, best_residual = u.copy(), np.inf
    for _ in range(_FIXED_ITERATIONS):
        H, D = game.homotopy(u)
        z = chart(u[:-1])[0]
        # the rounding noise of H_a is about eps * (|z_a| + lambda * |payoffs|)
        residual = float(np.max(np.abs(H) / (1.0 + np.abs(z) + lam * game.payoff_max)))
        if residual < best_residual:
            best, best_residual = u.copy(), residual
        elif residual > 0.5 * best_residual and best_residual <= _FIXED_TOLERANCE * 1e3:
            break  # at the noise floor
        if residual <= _FIXED_TOLERANCE:
            return u, True
        with np.errstate(all="ignore"):
            try:
                step = np.linalg.solve(D[:, :Z], -H)
            except np.linalg.LinAlgError:
                break
        if not np.isfinite(step).all():
            break
        u[:-1] += step
    return best, bool(best_residual <= _FIXED_TOLERANCE * 1e3)


def _corrector(game: _Game, pred: np.ndarray, t: np.ndarray):
    """Newton on [H; t^T (v - pred)] = 0 from pred: (point, new tangent, sign, first and
    second correction norms) or None if it fails."""
    cand = pred.copy()
    k = len(pred)
    first = second = previous = 0.0
    e = np.zeros(k)
    e[-1] = 1.0
    for it in range(_CORRECTOR_ITERATIONS):
        H, D = game.homotopy(cand)
        M = _bordered(D, t)
        rhs = np.zeros((k, 2))
        rhs[:-1, 0] = -H
        rhs[-1, 0] = -t @ (cand - pred)
        rhs[-1, 1] = 1.0
        with np.errstate(all="ignore"):
            try:
                sol = np.linalg.solve(M, rhs)
            except np.linalg.LinAlgError:
                return None
        du, tau = sol[:, 0], sol[:, 1]
        norm = float(np.linalg.norm(du))
        if not np.isfinite(norm):
            return None
        if it == 0:
            first = norm
        elif it == 1:
            second = norm
        scale = 1.0 + np.abs(cand)
        converged = bool(np.all(np.abs(du) < _CORRECTOR_TOLERANCE * scale))
        if not converged and it > 0 and norm > 0.5 * previous:
            if not np.all(np.abs(du) < _NOISE_FLOOR * scale):
                return None  # not contracting
            converged = True  # the corrections have reached the rounding noise of H
        previous = norm
        cand = cand + du
        if cand[-1] > NU_LIMIT or cand[:-1].max() > 1.0:
            return None
        if converged:
            sign = float(np.sign(np.linalg.det(M)))
            return cand, tau / np.linalg.norm(tau), sign, first, second
    return None


def _across(game: _Game, u: np.ndarray, t: np.ndarray, step: float, cand: np.ndarray) -> bool:
    """Whether a step from u to cand, across which det [DH; t^T] changes sign, follows one
    smooth branch through a branch point (rather than jumping to another branch): the
    corrector's point at half the step lies near the chord and the tangent turns little."""
    mid = _corrector(game, u + 0.5 * step * t, t)
    if mid is None:
        return False
    deviation = float(np.linalg.norm(mid[0] - 0.5 * (u + cand)))
    return deviation <= _CHORD_DEVIATION * step and float(t @ mid[1]) >= np.cos(NOMINAL_ANGLE)


@dataclass
class _Trace:
    u: np.ndarray
    steps: int
    status: str


def _trace(
    game: _Game,
    *,
    stop: Callable[[np.ndarray], bool],
    lam_max: float,
    max_steps: int,
    first_step: float,
    max_accel: float,
    targets: Sequence[float] = (),
) -> tuple[_Trace, list[tuple[np.ndarray, bool]]]:
    """Follow the principal branch from the centroid.

    ``stop(u)`` is called at accepted points and returns True to stop there. Each of
    ``targets`` (precisions, ascending) is solved at its first crossing. Returns the last
    point and the solutions at the targets.
    """
    k = game.Z + 1
    u = np.concatenate([from_log_probabilities(game.centroid), [0.0]])
    e = np.zeros(k)
    e[-1] = 1.0
    t, sign = _tangent(game, u, e)
    if t[-1] < 0:
        t = -t
    h = first_step
    nu_max = np.log1p(lam_max)
    nu_targets = [float(np.log1p(lam)) for lam in targets]
    solved: list[tuple[np.ndarray, bool]] = []
    steps = 0
    while True:
        if len(solved) == len(nu_targets) and stop(u):
            return _Trace(u, steps, "stop"), solved
        if steps >= max_steps:
            return _Trace(u, steps, "max_steps"), solved
        if u[-1] >= nu_max * (1 - 1e-12):
            return _Trace(u, steps, "lam_max"), solved
        if h < _MIN_STEP:
            return _Trace(u, steps, "step_failure"), solved
        step = h
        if t[-1] > 0 and u[-1] + step * t[-1] > nu_max:
            step = (nu_max - u[-1]) / t[-1]
        result = _corrector(game, u + step * t, t)
        if result is None:
            h = 0.5 * step
            continue
        cand, t_new, sign_new, first, second = result
        contraction = second / first if first > 0 and second > 0 else 0.0
        angle = float(np.arccos(np.clip(t @ t_new, -1.0, 1.0)))
        factor = max(np.sqrt(first / NOMINAL_DISTANCE), np.sqrt(contraction / NOMINAL_CONTRACTION),
                     angle / NOMINAL_ANGLE)
        flipped = sign_new != sign
        if flipped and step > BRANCH_POINT_STEP and not (factor <= 2.0 and _across(game, u, t, step, cand)):
            h = 0.25 * step  # a jump to another branch, or a step too long to tell
            continue
        if factor > 2.0:
            h = step / min(max(factor, 2.0), 4.0)
            continue
        # accepted
        while len(solved) < len(nu_targets) and (u[-1] - nu_targets[len(solved)]) * (cand[-1] - nu_targets[len(solved)]) <= 0:
            nu = nu_targets[len(solved)]
            span = cand[-1] - u[-1]
            frac = (nu - u[-1]) / span if span != 0 else 1.0
            point, ok = _fixed_lambda(game, u + frac * (cand - u), nu)
            if not ok:
                point, ok = _fixed_lambda(game, cand if frac > 0.5 else u, nu)
            solved.append((point, ok))
        u, t, sign = cand, t_new, sign_new
        steps += 1
        h = step * min(max_accel, 1.0 / max(factor, 1e-12))


# --------------------------------------------------------------------------- results


def _prepare(tree: GameTree) -> _Game:
    # with short-lived agents the sequence form serves the structure and the long-lived side's
    # regret only; each agent is paid its own column (_Game.Ui)
    return _Game(tree, sequence_form(tree, agents=True))


def _record(game: _Game, u: np.ndarray, steps: int, status: str, converged: bool | None,
            target: float | None) -> AgentQRE:
    z = game.normalised(u)
    sigma = np.exp(z)
    tree = game.sf.tree
    behaviour: list[list[tuple[float, ...]]] = [[], []]
    beliefs: list[list[tuple[float, ...]]] = [[], []]
    beta = np.exp(game.log_beliefs(z))
    for k, s in enumerate(game.order):
        player = tree.infosets[s].player
        a0 = game.starts[k]
        behaviour[player].append(tuple(float(p) for p in sigma[a0 : a0 + len(tree.infosets[s].actions)]))
        m0 = game.member_starts[k]
        beliefs[player].append(tuple(float(b) for b in beta[m0 : m0 + game.member_sizes[k]]))
    profile = (tuple(behaviour[0]), tuple(behaviour[1]))
    payoffs, regrets = behaviour_regrets(game.sf, profile)
    if tree.short_lived:  # a short-lived side's regret: its worst agent's (solvers.agent_form)
        agents = agent_regrets(tree, profile)
        regrets = [max((float(agents[c]) for k, c in enumerate(tree.agent_column)
                        if c >= 0 and tree.infosets[k].player == i), default=float(regrets[i]))
                   for i in (0, 1)]
    worst = max(0.0, float(max(regrets)))  # below 0 only by the rounding of the floats
    if converged is None:
        converged = target is not None and worst <= target
    return AgentQRE(
        lam=float(np.expm1(u[-1])),
        behaviour=profile,
        beliefs=(tuple(beliefs[0]), tuple(beliefs[1])),
        payoffs=(float(payoffs[0]), float(payoffs[1])),
        regrets=(float(regrets[0]), float(regrets[1])),
        max_regret=worst,
        converged=converged,
        status=status,
        steps=steps,
    )


def agent_logit_qre(
    tree: GameTree,
    *,
    max_regret: float = MAX_REGRET,
    lam_max: float = 1e14,
    max_steps: int = 20_000,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
) -> AgentQRE:
    r"""The limit of the agent logit-QRE principal branch, to a target max regret.

    Traces the branch from :math:`\lambda = 0` (see the module docstring) and returns the
    first checked point whose max regret (payoff units, exact from the tree) is at most
    ``max_regret``, with the beliefs there.

    Parameters
    ----------
    tree : GameTree
        A two-player game with perfect recall (a batch of one).
    max_regret : float
        Target max regret in payoff units (default 1e-8).
    lam_max, max_steps : float, int
        The trace stops at this precision or after this many steps (``converged`` false).
    first_step, max_accel : float
        First arc-length step and largest growth of the step after an accepted one.

    Raises
    ------
    ImperfectRecallError, UnsupportedGameError
        As :func:`negotiation.solvers.sequence_form.sequence_form`.

    Examples
    --------
    A single decision between payoffs 1 and 0 ends at the better action:

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("one", "two"))
    >>> root = b.add_personal(None, 0, "h", ("good", "bad"))
    >>> _ = b.add_terminal(root), b.add_terminal(root)
    >>> qre = agent_logit_qre(b.build([[1.0, 0.0], [0.0, 0.0]]))
    >>> qre.converged, qre.max_regret <= 1e-8, round(qre.behaviour[0][0][0], 6)
    (True, True, 1.0)
    """
    game = _prepare(tree)
    last_check = [0.0]
    found: list[AgentQRE] = []

    def stop(u: np.ndarray) -> bool:
        lam = float(np.expm1(u[-1]))
        if lam < _CHECK_FROM or lam < _CHECK_GROWTH * last_check[0]:
            return False
        last_check[0] = lam
        point, ok = _fixed_lambda(game, u, float(u[-1]))
        record = _record(game, point if ok else u, 0, "target", None, max_regret)
        if record.converged:
            found.append(record)
            return True
        return False

    trace, _ = _trace(game, stop=stop, lam_max=lam_max, max_steps=max_steps, first_step=first_step,
                      max_accel=max_accel)
    if found:
        return replace(found[0], steps=trace.steps)
    point, ok = _fixed_lambda(game, trace.u, float(trace.u[-1]))
    return _record(game, point if ok else trace.u, trace.steps, trace.status, None, max_regret)


def agent_logit_qre_points(
    tree: GameTree,
    lams: Sequence[float],
    *,
    max_steps: int = 20_000,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
) -> tuple[AgentQRE, ...]:
    r"""The agent logit QRE on the principal branch at each precision of ``lams``.

    Each :math:`\lambda` (in 1 / payoff units of the tree, any order, :math:`\ge 0`) is
    solved at the branch's first crossing of it; ``converged`` says whether the equations
    were solved there. One trace serves all of them.
    """
    lams = [float(lam) for lam in lams]
    if any(not np.isfinite(lam) or lam < 0 for lam in lams):
        raise ValueError(f"lams must be finite and non-negative, got {lams}")
    game = _prepare(tree)
    order = sorted(range(len(lams)), key=lams.__getitem__)
    targets = [lams[i] for i in order]
    trace, solved = _trace(game, stop=lambda u: True, lam_max=max(targets, default=0.0) * 2 + 1.0,
                           max_steps=max_steps, first_step=first_step, max_accel=max_accel, targets=targets)
    out: list[AgentQRE | None] = [None] * len(lams)
    for j, i in enumerate(order):
        if j < len(solved):
            point, ok = solved[j]
            out[i] = _record(game, point, trace.steps, "lam" if ok else "step_failure", ok, None)
        else:
            out[i] = _record(game, trace.u, trace.steps, trace.status, False, None)
    return tuple(out)  # type: ignore[arg-type]


def agent_logit_qre_at(tree: GameTree, lam: float, **options) -> AgentQRE:
    """The agent logit QRE on the principal branch at precision ``lam`` (see
    :func:`agent_logit_qre_points`)."""
    return agent_logit_qre_points(tree, [lam], **options)[0]
