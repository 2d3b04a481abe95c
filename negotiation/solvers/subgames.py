r"""A game tree cut into the units that backward induction solves.

Backward induction (:mod:`negotiation.solvers.backward_induction`) handles the class of
two-player games in which every information set is either

* a single node (perfect information), or
* a set of at least two *siblings*: children of one node :math:`r` of the *other* player
  whose own information set is a single node. Then :math:`r`'s player (the *row* player of
  the stage) and the set's player (the *column* player) move simultaneously: the subgame at
  :math:`r` starts with the bimatrix game whose cell :math:`(a, b)` is the continuation
  after :math:`r`'s action :math:`a` and the column player's action :math:`b`. A child of
  :math:`r` outside the set (an outside option) gives a cell value independent of
  :math:`b`. At most one such set may hang below one node.

Each node that starts a subgame is a *unit*: a terminal, a bargaining node, a chance node,
a decision (a perfect-information node) or a stage (the row node :math:`r`; the column
player's nodes belong to it). Units are grouped by *height* (the longest chain of units
below them) so that every unit of one height can be solved together once the lower ones
are, and within a height by kind and shape.

Anything outside the class (an information set spanning non-siblings, the outcomes of a
chance move, a player's own earlier move, or a node whose player is itself uninformed)
raises :class:`UnsupportedGameError` naming the information set.

References
----------
Selten, R. (1965, 1975) on subgames and subgame perfection; Osborne and Rubinstein (1994),
ch. 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.model.tree import BARGAIN, CHANCE, PERSONAL, TERMINAL, GameTree

__all__ = ["DECISION", "STAGE", "Stage", "Subgames", "UnsupportedGameError", "subgames"]

#: Unit kinds beyond the node kinds of :mod:`negotiation.model.tree`.
DECISION, STAGE = 4, 5


class UnsupportedGameError(ValueError):
    """A game with imperfect information beyond simultaneous moves inside subgames."""


@dataclass(frozen=True, eq=False)
class Stage:
    """A simultaneous stage: ``root``'s player (rows) and one information set (columns).

    Attributes
    ----------
    root : int
    row_player, column_player : int
    column_infoset : int
        Index into the tree's information sets.
    cells : numpy.ndarray of int, shape (m, n)
        ``cells[a, b]``: the unit reached after row action ``a`` and column action ``b``.
    column_nodes : numpy.ndarray of int, shape (m,)
        The column player's node after each row action (-1 for an outside option).
    """

    root: int
    row_player: int
    column_player: int
    column_infoset: int
    cells: np.ndarray
    column_nodes: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.cells.shape[0]), int(self.cells.shape[1]))


@dataclass(frozen=True, eq=False)
class Subgames:
    """The units of a tree (see the module docstring).

    Attributes
    ----------
    kind : numpy.ndarray of int, shape (V,)
        Unit kind of each node that starts a unit (``TERMINAL``, ``BARGAIN``, ``CHANCE``,
        :data:`DECISION`, :data:`STAGE`); -1 for a column node inside a stage.
    stages : dict of int -> Stage
        The stage starting at each stage root.
    height : numpy.ndarray of int, shape (V,)
    groups : tuple of (int, numpy.ndarray)
        ``(kind, units)`` in an order in which every unit comes after the units below it;
        the units of a group have the same height, kind and shape (arity, stage shape, and
        for stages whether every cell is a terminal).
    """

    kind: np.ndarray
    stages: dict[int, Stage]
    height: np.ndarray
    groups: tuple[tuple[int, np.ndarray], ...]

    def children(self, tree: GameTree, u: int) -> np.ndarray:
        """The units directly below unit ``u`` (a stage's cells, flattened row-major)."""
        if self.kind[u] == STAGE:
            return self.stages[u].cells.ravel()
        return tree.children(u)


def _infoset_text(tree: GameTree, s: int) -> str:
    infoset = tree.infosets[s]
    name = f" ({infoset.label!r})" if infoset.label else ""
    number = infoset.number or s + 1
    return f"information set {number}{name} of player {tree.players[infoset.player]!r}"


def _node_text(tree: GameTree, v: int) -> str:
    return f"node {v}" + (f" ({tree.labels[v]!r})" if tree.labels[v] else "")


def subgames(tree: GameTree) -> Subgames:
    """Cut ``tree`` into units (see the module docstring).

    Raises
    ------
    UnsupportedGameError
        Outside the supported class, naming the information set.

    Examples
    --------
    >>> import numpy as np
    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("row", "column"))
    >>> r = b.add_personal(None, 0, "r", ("T", "B"))
    >>> for a in range(2):
    ...     c = b.add_personal(r, 1, "c", ("L", "R"))
    ...     _ = b.add_terminal(c), b.add_terminal(c)
    >>> units = subgames(b.build(np.zeros((4, 2))))
    >>> units.stages[0].cells.tolist(), [int(k) for k in units.kind]
    ([[2, 3], [5, 6]], [5, -1, 0, 0, -1, 0, 0])
    """
    V = tree.size
    kind = np.full(V, -1, dtype=np.int64)
    stages: dict[int, Stage] = {}
    for s, infoset in enumerate(tree.infosets):
        if infoset.player < 0 or len(infoset.members) == 1:
            continue
        what = _infoset_text(tree, s)
        parents = {int(tree.parent[v]) for v in infoset.members}
        if len(parents) != 1 or -1 in parents:
            listed = ", ".join(str(v) for v in infoset.members)
            raise UnsupportedGameError(
                f"{what} holds nodes {listed}, which are not children of one node: the player is "
                "uninformed about more than a simultaneous move. Only perfect information and "
                "simultaneous moves inside subgames are supported"
            )
        (root,) = parents
        if tree.kind[root] == CHANCE:
            raise UnsupportedGameError(
                f"{what} spans the outcomes of the chance move at {_node_text(tree, root)}: the "
                "player does not observe nature, which is not a simultaneous move; only perfect "
                "information and simultaneous moves inside subgames are supported"
            )
        if tree.player[root] == infoset.player:
            raise UnsupportedGameError(
                f"{what} spans the actions of the same player's move at {_node_text(tree, root)}: "
                "the player forgets its own move (imperfect recall)"
            )
        row_set = int(tree.infoset[root])
        if len(tree.infosets[row_set].members) != 1:
            other = _infoset_text(tree, row_set)
            raise UnsupportedGameError(
                f"{what} follows {_node_text(tree, root)}, which is itself in {other} with other "
                "nodes: nested simultaneous moves are not supported"
            )
        if root in stages:
            other = _infoset_text(tree, stages[root].column_infoset)
            raise UnsupportedGameError(
                f"{what} and {other} both follow {_node_text(tree, root)}: the player partly "
                "observes the move there, which is not a single simultaneous stage"
            )
        members = set(infoset.members)
        n = len(infoset.actions)
        rows = tree.children(root)
        cells = np.array(
            [tree.children(int(c)) if int(c) in members else np.full(n, int(c)) for c in rows], dtype=np.int64
        )
        column_nodes = np.array([int(c) if int(c) in members else -1 for c in rows], dtype=np.int64)
        stages[root] = Stage(root, int(tree.player[root]), infoset.player, s, cells, column_nodes)
    inside = {int(v) for st in stages.values() for v in st.column_nodes if v >= 0}
    for v in range(V):
        if v in inside:
            continue
        k = int(tree.kind[v])
        if v in stages:
            kind[v] = STAGE
        elif k == PERSONAL:
            kind[v] = DECISION
        else:
            kind[v] = k
    height = np.zeros(V, dtype=np.int64)
    for v in range(V - 1, -1, -1):
        if kind[v] == STAGE:
            below = stages[v].cells.ravel()
        elif kind[v] in (DECISION, CHANCE):
            below = tree.children(v)
        else:
            continue
        height[v] = 1 + int(height[below].max())
    groups: list[tuple[int, np.ndarray]] = []
    units = np.flatnonzero(kind >= 0)
    for h in range(int(height.max(initial=0)) + 1):
        at = units[height[units] == h]
        buckets: dict[tuple, list[int]] = {}
        for v in at:
            k = int(kind[v])
            if k == STAGE:
                st = stages[int(v)]
                simple = bool((tree.kind[st.cells] == TERMINAL).all())
                key = (k, st.shape, simple, st.row_player)
            elif k in (DECISION, CHANCE):
                key = (k, len(tree.children(int(v))))
            else:
                key = (k,)
            buckets.setdefault(key, []).append(int(v))
        for key in sorted(buckets):
            groups.append((key[0], np.array(buckets[key], dtype=np.int64)))
    return Subgames(kind=kind, stages=stages, height=height, groups=tuple(groups))


def is_simple_stage(tree: GameTree, stage: Stage) -> bool:
    """Whether every cell of ``stage`` is a terminal node (the stage ends the game)."""
    return bool((tree.kind[stage.cells] == TERMINAL).all())


# referenced by the induction for bargaining units
UNIT_KINDS = {TERMINAL: "terminal", BARGAIN: "bargaining", CHANCE: "chance", DECISION: "decision", STAGE: "stage"}
