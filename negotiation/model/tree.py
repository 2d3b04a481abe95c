r"""The one game-tree type: a finite two-player extensive game in flat arrays, batched.

Every game the package solves is a :class:`GameTree`: a scenario's leverage moves and
talks (:func:`negotiation.model.compile.scenario_tree`), a Gambit ``.efg`` file
(:mod:`negotiation.io.efg`), and the later kinds (private types, rounds). Solvers program
against it, never against the domain.

Structure
---------
Nodes :math:`v = 0, \dots, V-1` are numbered in preorder (a node, then the subtrees of its
children in action order), as in a Gambit file, so every child has a larger number than
its parent and reverse order visits children first. A node is

* a *personal* node of player 0 or 1, in an *information set* (the player cannot tell its
  members apart; every member has the same actions);
* a *chance* node, whose children are drawn with given probabilities;
* a *terminal* node, with a payoff for each player and, optionally, a lottery over named
  outcomes (truce, deadlock, escalation for the talks);
* a *bargaining* node: the talks as a bargaining problem over packages, solved by a
  bargaining protocol (:mod:`negotiation.solvers.talks_bargaining`); it has no children.

A simultaneous stage is written as Gambit writes it: a node of one player whose children
form one information set of the other.

Batch
-----
Numbers carry a leading batch axis of length :math:`N`: ``payoffs`` has shape
``(N, T, 2)``, ``outcomes`` ``(N, T, R)`` and ``probabilities`` ``(N, V)``. A batch holds
:math:`N` games with the same structure that differ in their numbers (the points of a
sweep); a single game is a batch of one. Exact games (rational payoffs read from a file)
hold :class:`fractions.Fraction` values in object arrays.

References
----------
Kuhn, H. W. (1953). Extensive games and the problem of information. *Contributions to
the Theory of Games II*, 193--216.
Osborne, M. J. and Rubinstein, A. (1994). *A Course in Game Theory*, ch. 6 and 11.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BARGAIN",
    "CHANCE",
    "PERSONAL",
    "TERMINAL",
    "GameTree",
    "Infoset",
    "TreeBuilder",
    "TreeSize",
]

#: Node kinds.
TERMINAL, CHANCE, PERSONAL, BARGAIN = 0, 1, 2, 3
KIND_NAMES = {TERMINAL: "terminal", CHANCE: "chance", PERSONAL: "personal", BARGAIN: "bargaining"}


@dataclass(frozen=True)
class Infoset:
    """An information set: a player's nodes it cannot tell apart (or a chance move).

    Attributes
    ----------
    player : int
        0 or 1; -1 for a chance information set.
    actions : tuple of str
        Action labels; every member's children follow in this order.
    members : tuple of int
        Member nodes, in preorder.
    label : str
        Name for reports (a move name, ``"United States at talks"``, a file's name).
    number : int
        Number in a Gambit file (per player, from 1); 0 when not read from a file.
    """

    player: int
    actions: tuple[str, ...]
    members: tuple[int, ...]
    label: str = ""
    number: int = 0


@dataclass(frozen=True)
class TreeSize:
    """Counts of nodes by kind."""

    decisions: int = 0
    chances: int = 0
    terminals: int = 0
    bargains: int = 0
    infosets: int = 0


@dataclass(frozen=True, eq=False)
class GameTree:
    """A two-player game tree (see the module docstring).

    Attributes
    ----------
    players : tuple of two str
    kind, player, parent, infoset : numpy.ndarray of int, shape (V,)
        Node kind, its player (-1 unless personal), its parent (-1 at the root) and its
        information set (an index into ``infosets``; -1 at terminal and bargaining nodes).
    action : numpy.ndarray of int, shape (V,)
        Index of the parent's action that leads to the node (-1 at the root).
    child_ptr, child_list : numpy.ndarray of int
        The children of ``v`` are ``child_list[child_ptr[v]:child_ptr[v + 1]]``, in action
        order.
    infosets : tuple of Infoset
        Personal and chance information sets, in order of first appearance.
    labels : tuple of str
        A label per node.
    terminal : numpy.ndarray of int, shape (V,)
        Row of a terminal node in ``payoffs`` (-1 elsewhere).
    payoffs : numpy.ndarray, shape (N, T, 2)
    outcome_names : tuple of str
        Names of the outcomes the lotteries are over (empty if none).
    outcomes : numpy.ndarray or None, shape (N, T, R)
    probabilities : numpy.ndarray, shape (N, V)
        Probability of the edge into each child of a chance node (1 elsewhere).
    bargains : tuple
        The bargaining problem of each bargaining node
        (:class:`negotiation.model.bargaining.BargainingProblem`), in preorder.
    bargain : numpy.ndarray of int, shape (V,)
        Index into ``bargains`` of a bargaining node (-1 elsewhere).
    agent_payoffs : numpy.ndarray or None, shape (N, T, C)
        Payoffs of *short-lived* agents (a new player at each of a side's decisions in a
        period, paid that period only, as the chain store's entrants): column ``c`` is the
        payoff of the agents whose information sets have ``agent_column == c``. None: every
        information set is paid its player's payoffs (a two-player game).
    agent_column : numpy.ndarray of int or None, shape (len(infosets),)
        The column of ``agent_payoffs`` an information set's chooser is paid (-1: its player's
        column of ``payoffs``).
    """

    players: tuple[str, str]
    kind: np.ndarray
    player: np.ndarray
    parent: np.ndarray
    action: np.ndarray
    child_ptr: np.ndarray
    child_list: np.ndarray
    infoset: np.ndarray
    infosets: tuple[Infoset, ...]
    labels: tuple[str, ...]
    terminal: np.ndarray
    payoffs: np.ndarray
    outcome_names: tuple[str, ...] = ()
    outcomes: np.ndarray | None = None
    probabilities: np.ndarray = field(default_factory=lambda: np.ones((1, 0)))
    bargains: tuple[Any, ...] = ()
    bargain: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    agent_payoffs: np.ndarray | None = None
    agent_column: np.ndarray | None = None

    @property
    def short_lived(self) -> bool:
        """Whether some information set is paid as a short-lived agent (more than two players
        in the agent form: solvers of two-player games refuse the tree)."""
        return self.agent_column is not None and bool((self.agent_column >= 0).any())

    def infoset_payoffs(self) -> np.ndarray:
        """The payoff each information set's chooser gets at each terminal, shape (N, T, K)
        (chance sets: zeros): its player's, or its short-lived agent's."""
        N, T = self.payoffs.shape[:2]
        out = np.zeros((N, T, len(self.infosets)), dtype=self.payoffs.dtype)
        for k, s in enumerate(self.infosets):
            c = -1 if self.agent_column is None else int(self.agent_column[k])
            if c >= 0:
                out[:, :, k] = self.agent_payoffs[:, :, c]
            elif s.player >= 0:
                out[:, :, k] = self.payoffs[:, :, s.player]
        return out

    @property
    def size(self) -> int:
        """Number of nodes :math:`V`."""
        return len(self.kind)

    @property
    def batch_size(self) -> int:
        """Number of games :math:`N` in the batch."""
        return self.payoffs.shape[0]

    @property
    def exact(self) -> bool:
        """Whether the numbers are exact fractions (object arrays)."""
        return self.payoffs.dtype == object

    def children(self, v: int) -> np.ndarray:
        """Children of node ``v`` in action order."""
        return self.child_list[self.child_ptr[v] : self.child_ptr[v + 1]]

    def actions(self, v: int) -> tuple[str, ...]:
        """Action labels at node ``v`` (empty at terminal and bargaining nodes)."""
        s = self.infoset[v]
        return self.infosets[s].actions if s >= 0 else ()

    def path(self, v: int) -> tuple[tuple[int, int], ...]:
        """Moves from the root to ``v``: ``(ancestor, action index)`` pairs."""
        steps = []
        while self.parent[v] >= 0:
            steps.append((int(self.parent[v]), int(self.action[v])))
            v = int(self.parent[v])
        return tuple(reversed(steps))

    def history(self, v: int) -> tuple[tuple[str, str], ...]:
        """``(node label, action label)`` pairs from the root to ``v``."""
        return tuple((self.labels[a], self.actions(a)[i]) for a, i in self.path(v))

    def size_by_kind(self) -> TreeSize:
        """Counts of nodes by kind (and of information sets)."""
        counts = np.bincount(self.kind, minlength=4)
        return TreeSize(
            decisions=int(counts[PERSONAL]),
            chances=int(counts[CHANCE]),
            terminals=int(counts[TERMINAL]),
            bargains=int(counts[BARGAIN]),
            infosets=sum(1 for s in self.infosets if s.player >= 0),
        )

    def player_infosets(self, player: int) -> tuple[int, ...]:
        """Indices (into ``infosets``) of a player's information sets, in order of appearance."""
        return tuple(k for k, s in enumerate(self.infosets) if s.player == player)

    def point(self, i: int) -> GameTree:
        """Game ``i`` of the batch, as a batch of one."""
        from dataclasses import replace

        return replace(
            self,
            payoffs=self.payoffs[i : i + 1],
            outcomes=None if self.outcomes is None else self.outcomes[i : i + 1],
            probabilities=self.probabilities[i : i + 1],
            bargains=tuple(b.point(i) for b in self.bargains),
            agent_payoffs=None if self.agent_payoffs is None else self.agent_payoffs[i : i + 1],
        )


class TreeBuilder:
    """Build a :class:`GameTree` node by node, in preorder (a node before its children).

    Each ``add_*`` method appends a node as the next child of ``parent`` (None for the
    root) and returns its number. Information sets are named by any hashable key: nodes
    added with the same key share the set. Terminal payoffs and lotteries are given at
    the end, in the order the terminals were added.

    Examples
    --------
    Entry deterrence: the entrant stays out or enters; the incumbent fights or
    accommodates.

    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "entry", ("out", "in"), "entrant")
    >>> _ = b.add_terminal(root)
    >>> fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"), "incumbent")
    >>> _ = b.add_terminal(fight), b.add_terminal(fight)
    >>> tree = b.build(np.array([[[0., 2.], [-1., -1.], [1., 1.]]]))
    >>> tree.size, tree.batch_size, [tree.labels[v] for v in tree.children(0)]
    (5, 1, ['', 'incumbent'])
    """

    def __init__(self, players: Sequence[str]) -> None:
        self.players = (str(players[0]), str(players[1]))
        self._kind: list[int] = []
        self._player: list[int] = []
        self._parent: list[int] = []
        self._action: list[int] = []
        self._infoset: list[int] = []
        self._labels: list[str] = []
        self._terminal: list[int] = []
        self._bargain: list[int] = []
        self._children: list[list[int]] = []
        self._keys: dict[Hashable, int] = {}
        self._infosets: list[dict] = []
        self._probabilities: list[tuple[int, Any]] = []  # (chance node, probabilities)
        self._bargains: list[Any] = []
        self._n_terminals = 0
        self._open: list[int] = []  # nodes that may still get children, deepest last

    def _add(self, parent: int | None, kind: int, player: int, infoset: int, label: str) -> int:
        v = len(self._kind)
        if parent is None:
            if v:
                raise ValueError("the root has been added already: give a parent")
            action = -1
        else:
            if not 0 <= parent < v:
                raise ValueError(f"parent {parent} is not a node yet")
            action = len(self._children[parent])
            if action >= len(self._actions_of(parent)):
                raise ValueError(f"node {parent} ({self._labels[parent]!r}) has no action left for a child")
            while self._open and self._complete(self._open[-1]):
                self._open.pop()
            if not self._open or self._open[-1] != parent:
                raise ValueError("children must be added in preorder (a node's subtree before its next sibling)")
            self._children[parent].append(v)
        self._kind.append(kind)
        self._player.append(player)
        self._parent.append(-1 if parent is None else parent)
        self._action.append(action)
        self._infoset.append(infoset)
        self._labels.append(str(label))
        self._terminal.append(-1)
        self._bargain.append(-1)
        self._children.append([])
        if infoset >= 0:
            self._open.append(v)
        return v

    def _actions_of(self, v: int) -> tuple[str, ...]:
        s = self._infoset[v]
        return self._infosets[s]["actions"] if s >= 0 else ()

    def _complete(self, v: int) -> bool:
        return len(self._children[v]) == len(self._actions_of(v))

    def _infoset_id(self, key: Hashable, player: int, actions: Sequence[str], label: str, number: int) -> int:
        actions = tuple(str(a) for a in actions)
        if not actions:
            raise ValueError(f"information set {key!r} needs at least one action")
        if key in self._keys:
            s = self._keys[key]
            known = self._infosets[s]
            if known["player"] != player or known["actions"] != actions:
                raise ValueError(
                    f"information set {key!r}: every member must belong to player {known['player']} "
                    f"with actions {list(known['actions'])}"
                )
            return s
        self._keys[key] = len(self._infosets)
        self._infosets.append({"player": player, "actions": actions, "members": [], "label": label, "number": number})
        return self._keys[key]

    def add_personal(
        self, parent: int | None, player: int, infoset: Hashable, actions: Sequence[str],
        label: str = "", *, infoset_label: str | None = None, number: int = 0,
    ) -> int:
        """A node of ``player`` (0 or 1) in the information set keyed ``infoset``."""
        if player not in (0, 1):
            raise ValueError(f"player must be 0 or 1, got {player!r}")
        s = self._infoset_id(("p", player, infoset), player, actions, label if infoset_label is None else infoset_label, number)
        v = self._add(parent, PERSONAL, player, s, label)
        self._infosets[s]["members"].append(v)
        return v

    def add_chance(
        self, parent: int | None, actions: Sequence[str], probabilities: Any, label: str = "",
        *, infoset: Hashable | None = None, number: int = 0,
    ) -> int:
        """A chance node; ``probabilities`` has shape (k,) or (N, k) and sums to one."""
        key = ("c", len(self._kind)) if infoset is None else ("c", infoset)
        s = self._infoset_id(key, -1, actions, label, number)
        v = self._add(parent, CHANCE, -1, s, label)
        self._infosets[s]["members"].append(v)
        self._probabilities.append((v, probabilities))
        return v

    def add_terminal(self, parent: int | None, label: str = "") -> int:
        """A terminal node; its payoffs are row ``t`` of :meth:`build`'s arrays, ``t`` the
        number of terminals added before it."""
        v = self._add(parent, TERMINAL, -1, -1, label)
        self._terminal[v] = self._n_terminals
        self._n_terminals += 1
        return v

    def add_bargain(self, parent: int | None, problem: Any, label: str = "") -> int:
        """A bargaining node holding ``problem`` (a batched bargaining problem)."""
        v = self._add(parent, BARGAIN, -1, -1, label)
        self._bargain[v] = len(self._bargains)
        self._bargains.append(problem)
        return v

    @property
    def terminals(self) -> int:
        """Number of terminals added so far."""
        return self._n_terminals

    def build(
        self,
        payoffs: Any,
        outcomes: Any = None,
        outcome_names: Sequence[str] = (),
        batch_size: int | None = None,
    ) -> GameTree:
        """The finished tree.

        Parameters
        ----------
        payoffs : array_like, shape (N, T, 2) or (T, 2)
            Terminal payoffs in the order the terminals were added (object arrays of
            Fractions for exact games).
        outcomes : array_like, shape (N, T, R) or (T, R), optional
            Lottery over ``outcome_names`` at each terminal.
        batch_size : int, optional
            N when there are no terminals (a tree of bargaining nodes).
        """
        V = len(self._kind)
        if not V:
            raise ValueError("an empty tree")
        for v in range(V):
            missing = len(self._actions_of(v)) - len(self._children[v])
            if missing:
                raise ValueError(f"node {v} ({self._labels[v]!r}) lacks {missing} of its children")
        payoffs = np.asarray(payoffs)
        if payoffs.dtype != object:
            payoffs = payoffs.astype(float)
        if payoffs.ndim == 2:
            payoffs = payoffs[None]
        n = payoffs.shape[0] if self._n_terminals else (batch_size or 1)
        if self._n_terminals == 0:
            payoffs = np.zeros((n, 0, 2))
        if payoffs.shape[1:] != (self._n_terminals, 2):
            raise ValueError(f"payoffs must have shape (N, {self._n_terminals}, 2), got {payoffs.shape}")
        if outcomes is not None:
            outcomes = np.asarray(outcomes, dtype=float)
            if self._n_terminals == 0:
                outcomes = np.zeros((n, 0, len(outcome_names)))
            if outcomes.ndim == 2:
                outcomes = outcomes[None]
            if outcomes.shape != (n, self._n_terminals, len(outcome_names)):
                raise ValueError(
                    f"outcomes must have shape ({n}, {self._n_terminals}, {len(outcome_names)}), got {outcomes.shape}"
                )
        dtype = object if payoffs.dtype == object else float
        probabilities = np.ones((n, V), dtype=dtype)
        if dtype is object:
            probabilities[:] = 1
        for v, p in self._probabilities:
            p = np.asarray(p, dtype=dtype)
            kids = self._children[v]
            probabilities[:, kids] = np.broadcast_to(p, (n, len(kids)))
        ptr = np.zeros(V + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(c) for c in self._children])
        child_list = np.array([w for c in self._children for w in c], dtype=np.int64)
        infosets = tuple(
            Infoset(s["player"], s["actions"], tuple(s["members"]), s["label"], s["number"])
            for s in self._infosets
        )
        return GameTree(
            players=self.players,
            kind=np.array(self._kind, dtype=np.int8),
            player=np.array(self._player, dtype=np.int8),
            parent=np.array(self._parent, dtype=np.int64),
            action=np.array(self._action, dtype=np.int64),
            child_ptr=ptr,
            child_list=child_list,
            infoset=np.array(self._infoset, dtype=np.int64),
            infosets=infosets,
            labels=tuple(self._labels),
            terminal=np.array(self._terminal, dtype=np.int64),
            payoffs=payoffs,
            outcome_names=tuple(outcome_names),
            outcomes=outcomes,
            probabilities=probabilities,
            bargains=tuple(self._bargains),
            bargain=np.array(self._bargain, dtype=np.int64),
        )
