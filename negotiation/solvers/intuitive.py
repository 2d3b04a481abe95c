r"""The intuitive criterion of Cho and Kreps (1987) for signalling games.

A signalling game: chance deals the sender's type, the sender sees it and sends a message, the
receiver sees the message (not the type) and responds. An equilibrium fails the criterion when
some message sent with probability zero would, for some type, beat its equilibrium payoff under
every response that is a best reply to *some* belief concentrated on the types for which the
message is not equilibrium-dominated, while every other type could only lose by sending it.
Exact arithmetic throughout; the sequential check and the beliefs are in
:mod:`negotiation.solvers.sequential`.

References
----------
Cho, I.-K. and Kreps, D. M. (1987). Signaling games and stable equilibria. *Quarterly
Journal of Economics* 102, 179--221.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from negotiation.model.tree import CHANCE, PERSONAL, TERMINAL, GameTree
from negotiation.solvers.beliefs import _context, _simplex_vertices
from negotiation.solvers.sequence_form import behaviour_regrets
from negotiation.solvers.subgames import UnsupportedGameError

__all__ = ["IntuitiveCriterion", "MessageTest", "intuitive_criterion"]


@dataclass(frozen=True)
class MessageTest:
    """The intuitive criterion at one message no type sends.

    Attributes
    ----------
    message : str
    dominated : tuple of str
        :math:`J(m)`: the types for which the message is equilibrium-dominated (their
        equilibrium payoff exceeds the best the message can give them).
    breaking : tuple of str
        Types outside :math:`J(m)` that gain from the message whatever the receiver's best
        response to beliefs on the other types: the equilibrium fails if non-empty.
    """

    message: str
    dominated: tuple[str, ...]
    breaking: tuple[str, ...]


@dataclass(frozen=True)
class IntuitiveCriterion:
    """Result of :func:`intuitive_criterion`.

    Attributes
    ----------
    passes : bool
    kind : str
        ``"pooling"``, ``"separating"`` or ``"hybrid"`` (some type mixes or types share a
        message but not all).
    types, messages : tuple of str
    payoffs : tuple of Fraction
        Each type's equilibrium payoff :math:`u^*(t)`.
    tests : tuple of MessageTest
        One per message sent with probability 0.
    """

    passes: bool
    kind: str
    types: tuple[str, ...]
    messages: tuple[str, ...]
    payoffs: tuple[Fraction, ...]
    tests: tuple[MessageTest, ...]


def _signalling_structure(tree: GameTree) -> tuple[int, list[int], list[int]]:
    """(sender, type nodes, receiver information set per message), or UnsupportedGameError."""

    def refuse(why: str) -> UnsupportedGameError:
        return UnsupportedGameError(
            f"not a signalling game (chance picks the sender's type, the sender sends one message "
            f"it chooses knowing its type, the receiver sees the message and acts once): {why}"
        )

    if tree.kind[0] != CHANCE:
        raise refuse("the root is not a chance move")
    types = [int(v) for v in tree.children(0)]
    if any(tree.kind[v] != PERSONAL for v in types):
        raise refuse("a child of the root is not a decision node")
    sender = int(tree.player[types[0]])
    messages = tree.actions(types[0])
    for v in types:
        info = tree.infosets[int(tree.infoset[v])]
        if tree.player[v] != sender or info.members != (v,) or info.actions != messages:
            raise refuse(
                f"node {v} ({tree.labels[v]!r}) is not a type of the same sender alone in its "
                "information set with the same messages"
            )
    receiver_sets = []
    for m in range(len(messages)):
        nodes = [int(tree.children(v)[m]) for v in types]
        sets = {int(tree.infoset[w]) for w in nodes}
        if (
            any(tree.kind[w] != PERSONAL or tree.player[w] == sender for w in nodes)
            or len(sets) != 1
        ):
            raise refuse(
                f"message {messages[m]!r} does not lead to one information set of the receiver"
            )
        s = sets.pop()
        if set(tree.infosets[s].members) != set(nodes):
            raise refuse(f"the receiver's information set after {messages[m]!r} holds other nodes")
        if any(tree.kind[t] != TERMINAL for w in nodes for t in tree.children(w)):
            raise refuse(f"the receiver's move after {messages[m]!r} does not end the game")
        receiver_sets.append(s)
    if len(set(receiver_sets)) != len(receiver_sets):
        raise refuse("two messages lead to the same information set of the receiver")
    return sender, types, receiver_sets


def intuitive_criterion(tree: GameTree, behaviour: Sequence) -> IntuitiveCriterion:
    r"""Whether an equilibrium of a signalling game survives Cho and Kreps's intuitive criterion.

    For a message :math:`m` no type sends, with :math:`BR(T, m)` the receiver's (pure)
    best responses to beliefs concentrated on the types :math:`T`, and :math:`u^*(t)` the
    equilibrium payoff of type :math:`t`:

    .. math:: J(m) = \{t : u^*(t) > \max_{r \in BR(\Theta, m)} u(t, m, r)\},

    and the equilibrium fails the criterion if :math:`\Theta \setminus J(m) \ne \emptyset`
    and some :math:`t' \notin J(m)` has
    :math:`\min_{r \in BR(\Theta \setminus J(m), m)} u(t', m, r) > u^*(t')` (Cho and Kreps
    1987, p. 202). A mixed best response of the receiver gives the sender a payoff between
    those of pure best responses to the same belief, so pure responses suffice; whether a
    pure response is a best response to some belief on :math:`T` is decided exactly.

    Parameters
    ----------
    tree : GameTree
        A signalling game: a chance root choosing the type; each type a singleton
        information set of the sender with the same messages; each message leading to one
        information set of the receiver holding one node per type; terminals after it.
    behaviour : ``[player][information set][action]``
        A Nash equilibrium in behaviour strategies (order of appearance); Fractions for an
        exact answer.

    Raises
    ------
    UnsupportedGameError
        If the tree is not a signalling game (the reason named).
    ValueError
        If ``behaviour`` is not a Nash equilibrium.
    """
    sender, types, receiver_sets = _signalling_structure(tree)
    ctx = _context(tree, behaviour)
    _, regrets = behaviour_regrets(ctx.sf, ctx.behaviour)
    if max(regrets) > 0:
        raise ValueError(
            f"the behaviour is not a Nash equilibrium (regrets {regrets[0]}, {regrets[1]})"
        )
    receiver = 1 - sender
    messages = tree.actions(types[0])
    type_names = tuple(str(a) for a in tree.actions(0))
    prior = [ctx.edge[v] for v in types]
    send = [ctx.behaviour[sender][ctx.position[int(tree.infoset[v])][1]] for v in types]
    star = tuple(ctx.ev[v][sender] for v in types)

    def utility(t: int, m: int, r: int, who: int) -> Fraction:
        w = int(tree.children(types[t])[m])
        return ctx.payoff[int(tree.children(w)[r])][who]

    def best_responses(T: list[int], m: int) -> list[int]:
        n_r = len(tree.infosets[receiver_sets[m]].actions)
        out = []
        for r in range(n_r):
            rows = [
                [utility(t, m, r, receiver) - utility(t, m, q, receiver) for t in T]
                for q in range(n_r)
                if q != r
            ]
            vertices = _simplex_vertices(rows, len(T), limit=10**6)
            if vertices is None:  # pragma: no cover - needs a huge game
                raise UnsupportedGameError(
                    "too many types and responses to decide best responses exactly"
                )
            if vertices:
                out.append(r)
        return out

    tests = []
    everyone = list(range(len(types)))
    for m in range(len(messages)):
        if any(prior[t] > 0 and send[t][m] > 0 for t in everyone):
            continue
        br = best_responses(everyone, m)
        J = [t for t in everyone if star[t] > max(utility(t, m, r, sender) for r in br)]
        rest = [t for t in everyone if t not in J]
        breaking = []
        if rest:
            br_rest = best_responses(rest, m)
            breaking = [t for t in rest if min(utility(t, m, r, sender) for r in br_rest) > star[t]]
        tests.append(
            MessageTest(
                str(messages[m]),
                tuple(type_names[t] for t in J),
                tuple(type_names[t] for t in breaking),
            )
        )
    pure = [next((m for m in range(len(messages)) if send[t][m] == 1), None) for t in everyone]
    if all(p is not None for p in pure) and len(set(pure)) == 1:
        kind = "pooling"
    elif all(p is not None for p in pure) and len(set(pure)) == len(pure):
        kind = "separating"
    else:
        kind = "hybrid"
    return IntuitiveCriterion(
        passes=not any(test.breaking for test in tests),
        kind=kind,
        types=type_names,
        messages=tuple(str(m) for m in messages),
        payoffs=star,
        tests=tuple(tests),
    )
