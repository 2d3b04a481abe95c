r"""The sequence form of a two-player extensive game with perfect recall.

Model
-----
A *sequence* of player :math:`i` is the list of its own moves on the path to a node; with
perfect recall every member of an information set :math:`h` follows the same sequence
:math:`\sigma_h`, so the sequences of player :math:`i` are the empty sequence
:math:`\emptyset` and one sequence :math:`\sigma_h a` per information set :math:`h` and
action :math:`a` (Koller, Megiddo and von Stengel 1996; von Stengel 1996). Sequences are
numbered ``0`` (empty), then the sequences of the player's information sets in order of
appearance, each set's actions in order (as Gambit numbers them).

A *realisation plan* :math:`x` gives each sequence the probability that the player's own
moves follow it; the plans are the vectors :math:`x \ge 0` with :math:`Ex = e`:

.. math:: x_\emptyset = 1, \qquad -x_{\sigma_h} + \sum_{a \in A(h)} x_{\sigma_h a} = 0
          \quad \text{for every information set } h,

so :math:`E` has a row for :math:`\emptyset` and one per information set, and
:math:`e = (1, 0, \dots, 0)`; :math:`F, f` likewise for the second player's plan
:math:`y`. The payoff matrices sum over the terminal nodes :math:`t`, with :math:`c(t)`
the product of the chance probabilities on the path and :math:`\sigma_i(t)` player
:math:`i`'s sequence,

.. math:: A_{\sigma\tau} = \sum_{t:\ \sigma_1(t) = \sigma,\ \sigma_2(t) = \tau} c(t)\, u_1(t),
          \qquad B_{\sigma\tau} = \sum_{\cdots} c(t)\, u_2(t),

so that :math:`x^\top A y` and :math:`x^\top B y` are the expected payoffs; ``reach`` is the
same sum of :math:`c(t)` alone (:math:`x^\top C y = 1` for all plans). A plan turns into
a behaviour strategy by :math:`\beta(a \mid h) = x_{\sigma_h a} / x_{\sigma_h}` where
:math:`x_{\sigma_h} > 0`; at an information set the player's own plan never reaches the
behaviour does not matter for any payoff, and the convention here is the uniform
distribution (Gambit's "centroid").

Everything is exact: payoffs and chance probabilities as :class:`fractions.Fraction` (a
float tree is read as the shortest decimals that print as its numbers).

References
----------
Koller, D., Megiddo, N. and von Stengel, B. (1996). Efficient computation of equilibria
for extensive two-person games. *Games and Economic Behavior* 14, 247--259.
von Stengel, B. (1996). Efficient computation of behavior strategies. *Games and Economic
Behavior* 14, 220--246.
Kuhn, H. W. (1953). Extensive games and the problem of information. *Contributions to the
Theory of Games II*, 193--216.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from negotiation.model.tree import BARGAIN, PERSONAL, TERMINAL, GameTree
from negotiation.solvers.subgames import UnsupportedGameError

__all__ = [
    "ImperfectRecallError",
    "SequenceForm",
    "behaviour_from_plans",
    "behaviour_regrets",
    "behaviour_regrets_float",
    "plans_from_behaviour",
    "sequence_form",
]

#: Behaviour strategies: ``[player][information set][action]`` (exact).
ExactBehaviour = tuple[tuple[tuple[Fraction, ...], ...], tuple[tuple[Fraction, ...], ...]]


class ImperfectRecallError(UnsupportedGameError):
    """A player forgets its own earlier moves: the sequence form does not exist."""


@dataclass(frozen=True, eq=False)
class SequenceForm:
    """The sequence form of a tree (see the module docstring).

    Attributes
    ----------
    tree : GameTree
        The game (a batch of one).
    infosets : tuple of two tuples of int
        Each player's information sets (indices into ``tree.infosets``) in order of
        appearance: the order of behaviour strategies.
    first : tuple of two tuples of int
        Sequence number of the first action of each of the player's information sets
        (the set's sequences are ``first[k], ..., first[k] + len(actions) - 1``).
    parent : tuple of two tuples of int
        The sequence :math:`\\sigma_h` leading to each of the player's information sets.
    sequences : tuple of two ints
        Number of sequences of each player (:math:`1 + \\sum_h |A(h)|`).
    E, F : numpy.ndarray of int, shapes (1 + H1, n1) and (1 + H2, n2)
    e, f : numpy.ndarray of int
    A, B, reach : numpy.ndarray of Fraction, shape (n1, n2)
    node_sequence : numpy.ndarray of int, shape (2, V)
        Each player's sequence at each node (its last own move on the path).
    chance_reach : tuple of Fraction
        Product of the chance probabilities on the path to each node.
    """

    tree: GameTree
    infosets: tuple[tuple[int, ...], tuple[int, ...]]
    first: tuple[tuple[int, ...], tuple[int, ...]]
    parent: tuple[tuple[int, ...], tuple[int, ...]]
    sequences: tuple[int, int]
    E: np.ndarray
    F: np.ndarray
    e: np.ndarray
    f: np.ndarray
    A: np.ndarray
    B: np.ndarray
    reach: np.ndarray
    node_sequence: np.ndarray
    chance_reach: tuple[Fraction, ...]

    def sequence_label(self, player: int, s: int) -> str:
        """``"infoset label:action"`` of sequence ``s`` (``"∅"`` for the empty one)."""
        if s == 0:
            return "∅"
        for k, start in enumerate(self.first[player]):
            infoset = self.tree.infosets[self.infosets[player][k]]
            if start <= s < start + len(infoset.actions):
                return f"{infoset.label or infoset.number or k + 1}:{infoset.actions[s - start]}"
        raise IndexError(f"player {player} has no sequence {s}")


def _exact(value: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | np.integer):
        return Fraction(int(value))
    return Fraction(repr(float(value)))  # type: ignore[arg-type]


def _exact_probability(value: object) -> Fraction:
    if isinstance(value, Fraction | int | np.integer):
        return Fraction(value)  # type: ignore[arg-type]
    return Fraction(repr(float(value))).limit_denominator(10**12)  # type: ignore[arg-type]


def _infoset_text(tree: GameTree, s: int) -> str:
    infoset = tree.infosets[s]
    name = f" ({infoset.label!r})" if infoset.label else ""
    number = infoset.number or s + 1
    return f"information set {number}{name} of player {tree.players[infoset.player]!r}"


def _own_moves(tree: GameTree, v: int, player: int) -> list[str]:
    moves = [f"{tree.actions(a)[i]}" for a, i in tree.path(v) if tree.player[a] == player]
    return moves


def sequence_form(tree: GameTree, *, agents: bool = False) -> SequenceForm:
    """The sequence form of a two-player game tree with perfect recall.

    Parameters
    ----------
    tree : GameTree
        A batch of one without bargaining nodes.
    agents : bool
        Accept a tree with short-lived agents (``tree.short_lived``), whose payoff matrices
        then hold each side's total only: for a caller that pays each agent its own column
        (the agent QRE), never for a two-player solver (the default refuses such a tree).

    Raises
    ------
    ImperfectRecallError
        If two members of an information set follow different own moves of its player
        (or one follows the other), naming the information set and both histories.
    UnsupportedGameError
        If the tree holds a bargaining node, or short-lived agents without ``agents``.

    Examples
    --------
    Entry deterrence: the entrant stays out (0, 2) or enters; the incumbent fights
    (-1, -1) or accommodates (1, 1).

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "entry", ("out", "in"), "entrant")
    >>> _ = b.add_terminal(root)
    >>> fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"), "incumbent")
    >>> _ = b.add_terminal(fight), b.add_terminal(fight)
    >>> sf = sequence_form(b.build([[0, 2], [-1, -1], [1, 1]]))
    >>> sf.E.tolist(), sf.F.tolist()
    ([[1, 0, 0], [-1, 1, 1]], [[1, 0, 0], [-1, 1, 1]])
    >>> [[str(v) for v in row] for row in sf.A]
    [['0', '0', '0'], ['0', '0', '0'], ['0', '-1', '1']]
    """
    if tree.batch_size != 1:
        raise ValueError(f"the sequence form needs a batch of one game, got {tree.batch_size}")
    bargains = np.flatnonzero(tree.kind == BARGAIN)
    if len(bargains):
        v = int(bargains[0])
        raise UnsupportedGameError(
            f"node {v} ({tree.labels[v]!r}) is a bargaining node; the sequence form needs "
            "terminal payoffs"
        )
    if tree.short_lived and not agents:
        raise UnsupportedGameError(
            "the tree has short-lived agents (a new player at each decision of a side, paid its period "
            "only): a game of more than two players, which this two-player solver cannot solve; the agent "
            "logit QRE (negotiation.solvers.agent_qre) solves it"
        )
    V = tree.size
    infosets = (tree.player_infosets(0), tree.player_infosets(1))
    index = {s: k for player in (0, 1) for k, s in enumerate(infosets[player])}
    first: list[list[int]] = [[], []]
    for player in (0, 1):
        n = 1
        for s in infosets[player]:
            first[player].append(n)
            n += len(tree.infosets[s].actions)
    sequences = (
        1 + sum(len(tree.infosets[s].actions) for s in infosets[0]),
        1 + sum(len(tree.infosets[s].actions) for s in infosets[1]),
    )
    # each player's last own sequence and the chance probability of reaching each node
    node_sequence = np.zeros((2, V), dtype=np.int64)
    chance: list[Fraction] = [Fraction(1)] * V
    probabilities = tree.probabilities[0]
    for v in range(1, V):
        u = int(tree.parent[v])
        node_sequence[:, v] = node_sequence[:, u]
        chance[v] = chance[u] * _exact_probability(probabilities[v])
        if tree.kind[u] == PERSONAL:
            p = int(tree.player[u])
            node_sequence[p, v] = first[p][index[int(tree.infoset[u])]] + int(tree.action[v])
    # perfect recall: every member of a set follows the same own sequence (by induction
    # over the sets in preorder this is the whole own history, and it rules out a member
    # below another member)
    parent: list[list[int]] = [[], []]
    for player in (0, 1):
        for s in infosets[player]:
            members = tree.infosets[s].members
            head = int(node_sequence[player, members[0]])
            for w in members[1:]:
                if node_sequence[player, w] != head:
                    raise ImperfectRecallError(
                        f"{_infoset_text(tree, s)} has imperfect recall: node {members[0]} "
                        f"follows the player's own moves {_own_moves(tree, members[0], player)} "
                        f"but node {w} follows {_own_moves(tree, w, player)}"
                    )
            parent[player].append(head)
    E = _constraints(sequences[0], first[0], parent[0], [len(tree.infosets[s].actions) for s in infosets[0]])
    F = _constraints(sequences[1], first[1], parent[1], [len(tree.infosets[s].actions) for s in infosets[1]])
    e = np.zeros(E.shape[0], dtype=np.int64)
    e[0] = 1
    f = np.zeros(F.shape[0], dtype=np.int64)
    f[0] = 1
    A = np.full(sequences, Fraction(0), dtype=object)
    B = np.full(sequences, Fraction(0), dtype=object)
    reach = np.full(sequences, Fraction(0), dtype=object)
    for t in np.flatnonzero(tree.kind == TERMINAL):
        c = chance[t]
        if c == 0:
            continue
        i, j = node_sequence[0, t], node_sequence[1, t]
        row = tree.payoffs[0, tree.terminal[t]]
        A[i, j] += c * _exact(row[0])
        B[i, j] += c * _exact(row[1])
        reach[i, j] += c
    return SequenceForm(
        tree=tree,
        infosets=infosets,
        first=(tuple(first[0]), tuple(first[1])),
        parent=(tuple(parent[0]), tuple(parent[1])),
        sequences=sequences,
        E=E,
        F=F,
        e=e,
        f=f,
        A=A,
        B=B,
        reach=reach,
        node_sequence=node_sequence,
        chance_reach=tuple(chance),
    )


def _constraints(n: int, first: Sequence[int], parent: Sequence[int], arity: Sequence[int]) -> np.ndarray:
    """The matrix :math:`E` of :math:`Ex = e` (see the module docstring)."""
    E = np.zeros((1 + len(first), n), dtype=np.int64)
    E[0, 0] = 1
    for k, (start, head, m) in enumerate(zip(first, parent, arity, strict=True)):
        E[1 + k, head] = -1
        E[1 + k, start : start + m] = 1
    return E


# --------------------------------------------------------------------------- behaviour


def behaviour_from_plans(
    sf: SequenceForm, plans: Sequence[Sequence[Fraction]]
) -> tuple[ExactBehaviour, tuple[tuple[int, int], ...]]:
    r"""Behaviour strategies of two realisation plans.

    :math:`\beta(a \mid h) = x_{\sigma_h a} / x_{\sigma_h}`; uniform where
    :math:`x_{\sigma_h} = 0` (the player's own plan does not reach ``h``).

    Returns
    -------
    behaviour : ``[player][information set][action]`` as Fractions
    unreached : tuple of (player, information set position)
        The sets where the uniform convention applies.
    """
    behaviour: list[tuple[tuple[Fraction, ...], ...]] = []
    unreached: list[tuple[int, int]] = []
    for player in (0, 1):
        x = [Fraction(v) for v in plans[player]]
        if len(x) != sf.sequences[player]:
            raise ValueError(
                f"plan of player {player} has {len(x)} entries, expected {sf.sequences[player]}"
            )
        strategy = []
        for k, s in enumerate(sf.infosets[player]):
            m = len(sf.tree.infosets[s].actions)
            start, head = sf.first[player][k], sf.parent[player][k]
            if x[head] > 0:
                strategy.append(tuple(x[start + a] / x[head] for a in range(m)))
            else:
                strategy.append(tuple(Fraction(1, m) for _ in range(m)))
                unreached.append((player, k))
        behaviour.append(tuple(strategy))
    return (behaviour[0], behaviour[1]), tuple(unreached)


def plans_from_behaviour(sf: SequenceForm, behaviour: ExactBehaviour) -> tuple[tuple[Fraction, ...], ...]:
    r"""Realisation plans of behaviour strategies: :math:`x_{\sigma_h a} = x_{\sigma_h}\,\beta(a \mid h)`."""
    plans = []
    for player in (0, 1):
        x = [Fraction(0)] * sf.sequences[player]
        x[0] = Fraction(1)
        for k, s in enumerate(sf.infosets[player]):  # parents come first (preorder)
            start, head = sf.first[player][k], sf.parent[player][k]
            for a in range(len(sf.tree.infosets[s].actions)):
                x[start + a] = x[head] * Fraction(behaviour[player][k][a])
        plans.append(tuple(x))
    return tuple(plans)


def behaviour_regrets(
    sf: SequenceForm, behaviour: ExactBehaviour
) -> tuple[tuple[Fraction, Fraction], tuple[Fraction, Fraction]]:
    r"""Expected payoffs of a behaviour profile and each player's regret, from the tree.

    Walks the tree: the probability of each node under chance and the *other* player's
    behaviour, :math:`r_{-i}(v)`, and under all moves, :math:`r(v)`. The expected payoff is
    :math:`U_i = \sum_t r(t) u_i(t)`; the best-response value is the backward pass over
    player :math:`i`'s sequences

    .. math:: V(\sigma) = g(\sigma) + \sum_{h:\ \sigma_h = \sigma} \max_{a} V(\sigma_h a),
              \qquad g(\sigma) = \sum_{t:\ \sigma_i(t) = \sigma} r_{-i}(t)\, u_i(t),

    and the regret is :math:`V(\emptyset) - U_i \ge 0` (zero for both players exactly at a
    Nash equilibrium). It uses the tree and the behaviour only, not the matrices
    :math:`A, B, E, F`, so it checks them too.

    Returns
    -------
    payoffs : (U_1, U_2)
    regrets : (V_1 - U_1, V_2 - U_2)
    """
    tree = sf.tree
    V = tree.size
    position = {s: (player, k) for player in (0, 1) for k, s in enumerate(sf.infosets[player])}
    probabilities = tree.probabilities[0]
    reach = [[Fraction(1)] * V for _ in range(3)]  # [r_{-0}, r_{-1}, r]
    for v in range(1, V):
        u = int(tree.parent[v])
        if tree.kind[u] == PERSONAL:
            player, k = position[int(tree.infoset[u])]
            p = Fraction(behaviour[player][k][int(tree.action[v])])
            reach[1 - player][v] = reach[1 - player][u] * p
            reach[player][v] = reach[player][u]
            reach[2][v] = reach[2][u] * p
        else:
            c = _exact_probability(probabilities[v])
            for r in reach:
                r[v] = r[u] * c
    payoffs = [Fraction(0), Fraction(0)]
    values = [[Fraction(0)] * sf.sequences[0], [Fraction(0)] * sf.sequences[1]]
    for t in np.flatnonzero(tree.kind == TERMINAL):
        row = tree.payoffs[0, tree.terminal[t]]
        for player in (0, 1):
            u = _exact(row[player])
            payoffs[player] += reach[2][t] * u
            values[player][sf.node_sequence[player, t]] += reach[player][t] * u
    regrets = []
    for player in (0, 1):
        value = values[player]
        for k in reversed(range(len(sf.infosets[player]))):  # children after parents
            m = len(tree.infosets[sf.infosets[player][k]].actions)
            start = sf.first[player][k]
            value[sf.parent[player][k]] += max(value[start : start + m])
        regrets.append(value[0] - payoffs[player])
    return (payoffs[0], payoffs[1]), (regrets[0], regrets[1])


def behaviour_regrets_float(
    sf: SequenceForm, behaviour: Sequence[Sequence[Sequence[float]]]
) -> tuple[np.ndarray, np.ndarray]:
    r"""Floating-point :func:`behaviour_regrets`: the same backward pass, vectorised.

    The three reach probabilities of every node (under chance and the other player's
    behaviour, for each player, and under all moves) are products of edge probabilities
    along the path, taken by pointer jumping over the parent array (:math:`\lceil \log_2
    \text{depth} \rceil` numpy steps, Wyllie 1979); then the payoffs, the sequence values
    :math:`g(\sigma)` and the backward pass as in :func:`behaviour_regrets`. For large
    trees with a float answer to check; rounding errors are of the order of the machine
    epsilon times the payoff range.

    Returns
    -------
    payoffs : numpy.ndarray, shape (2,)
    regrets : numpy.ndarray, shape (2,)

    References
    ----------
    Wyllie, J. C. (1979). *The complexity of parallel computations*. PhD thesis, Cornell.
    """
    tree = sf.tree
    V = tree.size
    offset = np.zeros(len(tree.infosets) + 1, dtype=np.int64)
    offset[1:] = np.cumsum([len(s.actions) for s in tree.infosets])
    flat = np.zeros(offset[-1])
    for player in (0, 1):
        for k, s in enumerate(sf.infosets[player]):
            flat[offset[s] : offset[s + 1]] = behaviour[player][k]
    parent = np.asarray(tree.parent, dtype=np.int64)
    edge = np.ones(V)
    mover = np.full(V, -1)
    child = np.arange(1, V)
    up = parent[1:]
    personal = tree.kind[up] == PERSONAL
    chance_edge = np.array([float(_exact_probability(p)) for p in tree.probabilities[0][1:]])
    edge[1:] = np.where(personal, flat[offset[np.maximum(tree.infoset[up], 0)] + tree.action[child]], chance_edge)
    mover[1:] = np.where(personal, tree.player[up], -1)
    # factors[j, v]: the edge into v counted for reach j (0: r_{-0}, 1: r_{-1}, 2: r)
    factors = np.stack([np.where(mover == 0, 1.0, edge), np.where(mover == 1, 1.0, edge), edge])
    ancestor = parent.copy()
    while np.any(ancestor >= 0):  # pointer jumping: factors become products up to ancestor
        has = np.flatnonzero(ancestor >= 0)
        factors[:, has] = factors[:, has] * factors[:, ancestor[has]]
        ancestor[has] = ancestor[ancestor[has]]
    terminals = np.flatnonzero(tree.kind == TERMINAL)
    u = np.asarray(tree.payoffs[0, tree.terminal[terminals]], dtype=float)
    payoffs = (factors[2, terminals, None] * u).sum(axis=0)
    regrets = np.zeros(2)
    for player in (0, 1):
        value = np.zeros(sf.sequences[player])
        np.add.at(value, sf.node_sequence[player, terminals], factors[player, terminals] * u[:, player])
        for k in reversed(range(len(sf.infosets[player]))):  # children after parents
            m = len(tree.infosets[sf.infosets[player][k]].actions)
            start = sf.first[player][k]
            value[sf.parent[player][k]] += value[start : start + m].max()
        regrets[player] = value[0] - payoffs[player]
    return payoffs, regrets
