r"""Regrets in the agent form of a tree with short-lived agents.

A tree whose information sets carry ``agent_column`` (:class:`negotiation.model.tree.GameTree`)
is a game of more than two players: each short-lived agent (a side's decision-maker of one
period) is paid its own column of ``agent_payoffs``. Its regret under a behaviour profile
:math:`\beta` is the gain of its best deviation, the others' play fixed,

.. math:: r_c = \sum_{h:\ c(h) = c} \Big( \max_a \sum_{x \in h} P_\beta(x)\, U_c(x a)
          - \sum_{x \in h} P_\beta(x)\, U_c(x) \Big),

:math:`P_\beta(x)` the probability of reaching node :math:`x` and :math:`U_c(x)` the agent's
expected payoff from :math:`x` on under :math:`\beta`: exact when each agent decides at most once
on any path (each of its information sets lies on different plays), as
:mod:`negotiation.io.rounds` requires of a short-lived side (Kuhn 1953; the agent form of Selten
1975).

References
----------
Kuhn, H. W. (1953). Extensive games and the problem of information. *Contributions to the Theory
of Games II*, 193--216.
Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in extensive
games. *International Journal of Game Theory* 4, 25--55.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from negotiation.model.tree import PERSONAL, TERMINAL, GameTree

__all__ = ["agent_regrets", "reach_probabilities"]


def _behaviour_by_infoset(tree: GameTree, behaviour: Sequence) -> dict[int, np.ndarray]:
    sigma: dict[int, np.ndarray] = {}
    for player in (0, 1):
        sets = tree.player_infosets(player)
        if len(behaviour[player]) != len(sets):
            raise ValueError(f"behaviour of player {player}: {len(behaviour[player])} information sets, expected {len(sets)}")
        for k, s in enumerate(sets):
            sigma[s] = np.asarray(behaviour[player][k], dtype=float)
    return sigma


def reach_probabilities(tree: GameTree, behaviour: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The probability of reaching each node under ``behaviour`` and chance, and of the edge into
    it (1 at the root), in float arithmetic (a preorder pass).

    Parameters
    ----------
    tree : GameTree
        A batch of one.
    behaviour : ``[player][information set][action]``
        Information sets of each player in order of appearance (``tree.player_infosets``).
    """
    sigma = _behaviour_by_infoset(tree, behaviour)
    V = tree.size
    probabilities = np.asarray(tree.probabilities[0], dtype=float)
    edge = np.ones(V)
    reach = np.ones(V)
    for v in range(1, V):  # preorder: a parent before its children
        u = int(tree.parent[v])
        edge[v] = sigma[int(tree.infoset[u])][int(tree.action[v])] if tree.kind[u] == PERSONAL else probabilities[v]
        reach[v] = reach[u] * edge[v]
    return reach, edge


def agent_regrets(tree: GameTree, behaviour: Sequence) -> np.ndarray:
    """Each short-lived agent's regret (module docstring), one per column of
    ``tree.agent_payoffs``, in float arithmetic.

    Parameters
    ----------
    tree : GameTree
        With ``agent_payoffs`` (a batch of one).
    behaviour : ``[player][information set][action]``
        Information sets of each player in order of appearance (``tree.player_infosets``).
    """
    if tree.agent_payoffs is None or tree.agent_column is None:
        raise ValueError("the tree has no short-lived agents (agent_payoffs)")
    reach, edge = reach_probabilities(tree, behaviour)
    U = np.asarray(tree.agent_payoffs[0], dtype=float)  # (T, C)
    value = np.zeros((tree.size, U.shape[1]))
    for v in reversed(range(tree.size)):
        if tree.kind[v] == TERMINAL:
            value[v] = U[tree.terminal[v]]
        else:
            kids = tree.children(v)
            value[v] = edge[kids] @ value[kids]
    regret = np.zeros(U.shape[1])
    for s, info in enumerate(tree.infosets):
        c = int(tree.agent_column[s])
        if c < 0:
            continue
        members = np.asarray(info.members)
        kids = np.stack([tree.children(int(x)) for x in members])  # (members, actions)
        actions = reach[members] @ value[kids, c]  # each action's reach-weighted value
        regret[c] += max(0.0, float(actions.max() - reach[members] @ value[members, c]))
    return regret
