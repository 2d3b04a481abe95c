r"""The agent logit QRE of a two-player extensive game fitted to observed actions by maximum
likelihood on its principal branch.

The estimator of :mod:`negotiation.solvers.qre_fit` (one trace of the branch, the best traced
point, Brent on :math:`\nu`, Newton at fixed :math:`\lambda` between traced points, the same
statuses and profile interval) on the agent QRE of :mod:`negotiation.solvers.agent_qre`, with
:math:`L(\lambda) = \sum_{i, h, a} c_{iha} \log \sigma_\lambda(a \mid h)` (McKelvey and Palfrey
1998).

References
----------
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria for extensive form
games. *Experimental Economics* 1, 9--41.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.solvers.qre_fit import (
    _NU_TOL,
    _BranchPoints,
    _counts,
    _fit_on_branch,
    _level,
    _weighted_logs,
)
from negotiation.solvers.qre_trace import _NORMALISED_LAM_CAP, FIRST_STEP, MAX_ACCEL

__all__ = ["AgentQREFit", "agent_logit_qre_fit"]


# --------------------------------------------------------------------------- extensive games


@dataclass(frozen=True, eq=False)
class AgentQREFit:
    r"""A maximum-likelihood agent logit QRE fit of an extensive game.

    The fields of :class:`QREFit`, with the behaviour profile in place of ``row`` and
    ``column``; ``lam`` is also ``None`` where the likelihood is flat, and ``log_likelihood``
    is :math:`\sum_{i, h, a} c_{iha} \log \sigma(a \mid h)`.

    Attributes
    ----------
    behaviour : ``[player][information set][action]`` of float
        The fitted behaviour profile, each player's sets in ``tree.player_infosets(player)``
        order (order of appearance), actions in ``tree.infosets[s].actions`` order.
    payoff_scale : float
        The larger of the two players' payoff ranges, :math:`s`; the trace goes to
        :math:`\lambda s = 10^8`.
    """

    lam: float | None
    log_likelihood: float
    behaviour: tuple[tuple[tuple[float, ...], ...], ...]
    status: str
    interval: tuple[float, float] | None
    level: float | None
    payoff_scale: float
    notes: tuple[str, ...]


class _AgentBranch(_BranchPoints):
    """The traced agent-QRE branch of a tree (chart of :mod:`negotiation.solvers.agent_qre`,
    nu = log(1 + lambda) with lambda in file units) and the counts, one per slot."""

    def __init__(self, game, points: np.ndarray, counts: np.ndarray):
        self.game, self.counts = game, counts
        super().__init__(points)

    def _newton(self, start: np.ndarray, nu: float) -> tuple[np.ndarray, bool]:
        from negotiation.solvers.agent_qre import _fixed_lambda

        return _fixed_lambda(self.game, start, nu)

    def _log_likelihoods(self, u: np.ndarray) -> np.ndarray:
        # normalised log-probabilities from the chart: exact where a probability underflows
        logs = np.stack([self.game.normalised(u[:, i]) for i in range(u.shape[1])])
        return _weighted_logs(self.counts, logs)


def _agent_counts(tree, counts) -> list[list[np.ndarray]]:
    """Counts ``[player][set][action]`` checked against the tree's information sets."""
    if not isinstance(counts, list | tuple) or len(counts) != 2:
        raise ValueError("counts must hold one list per player")
    out: list[list[np.ndarray]] = []
    for player in (0, 1):
        sets = tree.player_infosets(player)
        if len(counts[player]) != len(sets):
            raise ValueError(f"counts[{player}] must have {len(sets)} information sets; got {len(counts[player])}")
        out.append([_counts(c, (len(tree.infosets[s].actions),), f"counts[{player}][{k}]")
                    for k, (s, c) in enumerate(zip(sets, counts[player], strict=True))])
    if sum(float(c.sum()) for sets in out for c in sets) == 0:
        raise ValueError("all counts are zero; nothing to fit")
    return out


def agent_logit_qre_fit(
    tree,
    counts,
    *,
    level: float | None = None,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 20_000,
) -> AgentQREFit:
    r"""Maximum-likelihood agent logit QRE of a two-player extensive game, on its principal
    branch.

    The estimator of the module docstring with the agent QRE of
    :mod:`negotiation.solvers.agent_qre` in place of the bimatrix QRE: counts
    :math:`c_{iha}` of how often player :math:`i` chose action :math:`a` at information set
    :math:`h`, and

    .. math:: \hat\lambda = \arg\max_\lambda \sum_{i, h, a} c_{iha} \log \sigma_\lambda(a \mid h)

    along the branch that starts at the centroid, :math:`\lambda` multiplying the tree's
    payoffs as given (as Gambit's ``logit_solve_lambda``). The branch is traced once to
    :math:`\lambda s = 10^8` (:math:`s` the larger payoff range), recording each point;
    the maximum is bracketed by the best traced point and refined by Brent's method on
    :math:`\nu = \log(1 + \lambda)`, each evaluation Newton's method at fixed
    :math:`\lambda` started on the chord between traced points. Statuses and the
    profile-likelihood interval are those of :func:`logit_qre_fits`.

    Parameters
    ----------
    tree : GameTree
        A two-player game with perfect recall (a batch of one), float payoffs.
    counts : ``[player][information set][action]`` of numbers >= 0
        Each player's information sets in ``tree.player_infosets(player)`` order, actions
        in ``tree.infosets[s].actions`` order; not all zero.
    level : float, optional
        Confidence level of a profile-likelihood interval (for example 0.95).
    first_step, max_accel, max_steps
        Options of the tracer (:func:`negotiation.solvers.agent_qre.agent_logit_qre`).

    Returns
    -------
    AgentQREFit

    Raises
    ------
    ValueError
        Counts of the wrong shape, negative, not finite or all zero; ``level`` outside (0, 1).
    ImperfectRecallError, UnsupportedGameError
        As :func:`negotiation.solvers.sequence_form.sequence_form`.
    RuntimeError
        The branch could not be traced far enough to locate the maximum.

    References
    ----------
    McKelvey and Palfrey (1998); Bland and Turocy (2023).

    Examples
    --------
    One decision between payoffs 1 and 0: :math:`\sigma(\text{good}) = 1 / (1 + e^{-\lambda})`,
    and 3 of 4 observed choices of it give :math:`\hat\lambda = \log 3`:

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("one", "two"))
    >>> root = b.add_personal(None, 0, "h", ("good", "bad"))
    >>> _ = b.add_terminal(root), b.add_terminal(root)
    >>> fit = agent_logit_qre_fit(b.build([[1.0, 0.0], [0.0, 0.0]]), [[[3, 1]], []])
    >>> fit.status, round(fit.lam, 6), round(float(np.log(3)), 6)
    ('maximum', 1.098612, 1.098612)
    """
    from negotiation.solvers.agent_qre import _prepare, _trace

    checked = _agent_counts(tree, counts)
    level, drop = _level(level)
    game = _prepare(tree)
    by_set = {s: c for player in (0, 1) for s, c in zip(tree.player_infosets(player), checked[player], strict=True)}
    flat_counts = np.concatenate([by_set[s] for s in game.order])
    payoffs = np.asarray(tree.payoffs[0], dtype=float)
    s = float(np.ptp(payoffs, axis=0).max(initial=0.0)) if payoffs.size else 0.0
    s = s if s > 0 else 1.0
    points: list[np.ndarray] = []

    def record(u: np.ndarray) -> bool:
        points.append(u.copy())
        return False  # never stop early: a maximum at large lambda must not be missed

    trace, _ = _trace(game, stop=record, lam_max=_NORMALISED_LAM_CAP / s, max_steps=max_steps,
                      first_step=first_step, max_accel=max_accel)
    branch = _AgentBranch(game, np.array(points).T, flat_counts)
    outcome = _fit_on_branch(branch, trace.status, float(flat_counts.sum()), drop, 1.0)
    if outcome.status == "failed":
        raise RuntimeError("agent_logit_qre_fit: " + "; ".join(outcome.notes))
    notes = list(outcome.notes)
    if outcome.status == "maximum" and outcome.nu > 0:
        # Gambit's logit_solve_lambda returns the first crossing of lambda-hat: a traced
        # point beyond nu-hat before the maximum's segment means the branch folded back
        if np.any(branch.nu[: outcome.segment + 1] > outcome.nu + _NU_TOL):
            notes.append("the maximum lies past a turning point of the branch: the first crossing of "
                         "this lambda (Gambit's logit_solve_lambda) is another QRE")
    sigma = np.exp(game.normalised(outcome.u))
    fitted = {s_: tuple(float(p) for p in sigma[a0 : a0 + len(tree.infosets[s_].actions)])
              for s_, a0 in zip(game.order, game.starts, strict=True)}
    behaviour = tuple(tuple(fitted[s_] for s_ in tree.player_infosets(player)) for player in (0, 1))
    finite = outcome.status == "maximum"
    return AgentQREFit(
        lam=float(np.expm1(outcome.nu)) if finite else None,
        log_likelihood=float(outcome.log_likelihood),
        behaviour=behaviour,
        status=outcome.status,
        interval=None if level is None else (float(np.expm1(outcome.interval[0])), float(np.expm1(outcome.interval[1]))),
        level=level,
        payoff_scale=s,
        notes=tuple(notes),
    )
