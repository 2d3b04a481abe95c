r"""Outcome classes of a unit of a game tree: the tables backward induction builds, and the
array operations that combine them.

An *outcome class* of a subgame is a distinct way its subgame-perfect equilibria play on
their own path (:mod:`negotiation.solvers.backward_induction` states the model). A
:class:`ClassTable` holds a unit's classes for every game of a batch, padded; the functions
here combine children's tables into a parent's: which classes of a decision are equilibrium
outcomes and how many equilibria each holds (:func:`decision_summary`, :func:`at_most`),
whether a mover is indifferent in some equilibrium (:func:`ties`), every combination of the
children's classes (:func:`combinations`), and keeping the flagged entries of a row
(:func:`compact`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ClassTable", "at_most", "combinations", "compact", "decision_summary", "gather", "player_values", "take",
           "ties"]


@dataclass
class ClassTable:
    """The outcome classes of one unit, for every game of the batch (padded to C).

    Attributes
    ----------
    value : numpy.ndarray, shape (N, C, 2)
    lottery : numpy.ndarray or None, shape (N, C, R)
    valid : numpy.ndarray of bool, shape (N, C)
    regret : numpy.ndarray, shape (N, C)
        Max regret of the class's representative.
    count : numpy.ndarray of object (int) or None, shape (N, C)
        Number of subgame-perfect equilibria of the subtree in the class.
    action : numpy.ndarray of int or None, shape (N, C)
        Decision: the action taken; stage: the stage equilibrium (an index into the
        equilibria of the class's own bimatrix game).
    back : numpy.ndarray of int or None, shape (N, C, k)
        The class of each child (decision, chance) or continuation (stage) in the
        representative.
    headline : numpy.ndarray of int, shape (N,)
        The headline's class.
    row, column : numpy.ndarray or None, shapes (N, C, m) and (N, C, n)
        Stage: the strategies of the class's stage equilibrium (rows are the stage root
        player's actions).
    """

    value: np.ndarray
    lottery: np.ndarray | None
    valid: np.ndarray
    regret: np.ndarray
    count: np.ndarray | None = None
    action: np.ndarray | None = None
    back: np.ndarray | None = None
    headline: np.ndarray | None = None
    row: np.ndarray | None = None
    column: np.ndarray | None = None



def take(a: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    """``a`` indexed along ``axis`` by ``index`` (which has a's shape up to that axis)."""
    return gather(a, np.expand_dims(index, axis)).squeeze(axis)


def gather(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``a`` (lead..., L, tail...) at positions ``index`` (lead..., K) of its axis L, whole
    in its trailing axes: ``np.take_along_axis`` with the index broadcast over the tail, as
    one flat take (several times faster for the small axes of outcome classes).

    >>> gather(np.arange(12).reshape(2, 3, 2), np.array([[2, 0], [1, 1]])).tolist()
    [[[4, 5], [0, 1]], [[8, 9], [8, 9]]]
    """
    lead, L = index.shape[:-1], a.shape[index.ndim - 1]
    tail = a.shape[index.ndim :]
    if lead != a.shape[: index.ndim - 1]:  # an index broadcast over some leading axis
        idx = index.reshape(*index.shape, *(1,) * len(tail))
        return np.take_along_axis(a, idx, axis=index.ndim - 1)
    rows = np.arange(int(np.prod(lead, dtype=np.int64))).reshape(*lead, 1) * L
    return a.reshape(-1, *tail)[(rows + index).ravel()].reshape(*index.shape, *tail)


def player_values(values: np.ndarray, player: np.ndarray) -> np.ndarray:
    """values (..., U, ..., 2) at the player of each unit; ``player`` (U,) on axis 1."""
    shape = [1] * values.ndim
    shape[1] = len(player)
    return np.take_along_axis(values, np.asarray(player).reshape(shape), axis=-1)[..., 0]


def compact(flags: np.ndarray, arrays: list[np.ndarray | None], cap: int) -> tuple[np.ndarray, list, np.ndarray]:
    """Keep, per row of ``flags`` (..., L), the flagged entries first (in order); cut to the
    largest count (at most ``cap``). Returns (positions of kept entries, compacted arrays,
    whether a row had more than ``cap``)."""
    order = np.argsort(~flags, axis=-1, kind="stable")
    counts = flags.sum(axis=-1)
    C = max(int(counts.max(initial=0)), 1)
    capped = counts > cap
    C = min(C, cap)
    order = order[..., :C]
    out = [None if a is None else gather(a, order) for a in arrays]
    return order, out, capped


def ties(vi: np.ndarray, valid: np.ndarray, minv: np.ndarray, tol: float) -> np.ndarray:
    """Whether some equilibrium makes the mover indifferent, per (N, U).

    Two children a, b tie when classes of theirs are within ``tol`` of each other and at
    least as good, up to ``tol``, as every other child's worst class."""
    N, U, k, C = vi.shape
    tie = np.zeros((N, U), dtype=bool)
    if k < 2:
        return tie
    if k == 2:
        # sorted together, two values within tol from different children are adjacent
        both = np.concatenate([np.where(valid[:, :, 0], vi[:, :, 0], np.inf), np.where(valid[:, :, 1], vi[:, :, 1], np.inf)], axis=-1)
        side = np.concatenate([np.zeros(C, dtype=np.int8), np.ones(C, dtype=np.int8)])
        order = np.argsort(both, axis=-1, kind="stable")
        v = np.take_along_axis(both, order, axis=-1)
        sd = side[order]
        finite = (v[..., 1:] != np.inf) & (v[..., :-1] != np.inf)
        with np.errstate(invalid="ignore"):
            close = finite & (sd[..., 1:] != sd[..., :-1]) & ((v[..., 1:] - v[..., :-1]) <= tol)
        return close.any(axis=-1)
    for a in range(k):
        for b in range(a + 1, k):
            others = [d for d in range(k) if d not in (a, b)]
            bar = minv[..., others].max(axis=-1)  # (N, U)
            va = np.where(valid[:, :, a], vi[:, :, a], np.nan)[..., :, None]
            vb = np.where(valid[:, :, b], vi[:, :, b], np.nan)[..., None, :]
            with np.errstate(invalid="ignore"):
                close = (np.abs(va - vb) <= tol) & (np.minimum(va, vb) + tol >= bar[..., None, None])
            tie |= close.any(axis=(-1, -2))
    return tie


def decision_summary(vi, valid, allowed, g, tol):
    """Counts, representatives and regrets of the (a, c) classes of a decision group."""
    N, U, k, C = vi.shape
    counts = np.where(valid, g["count"], 0)
    total = np.empty((N, U, k, C), dtype=object)
    total[:] = 1
    head = g["head"]
    back = np.zeros((N, U, k, C, k), dtype=np.int64)
    regret = g["regret"].copy()
    argmin = np.argmin(np.where(valid, vi, np.inf), axis=-1)  # (N, U, k)
    for a in range(k):
        back[:, :, a, :, a] = np.arange(C)
        query = vi[:, :, a] + tol  # (N, U, C)
        for b in range(k):
            if b == a or not allowed[:, b].any():
                continue
            weight = at_most(np.where(valid[:, :, b], vi[:, :, b], np.inf), counts[:, :, b], query)
            total[:, :, a] = total[:, :, a] * np.where(allowed[None, :, b, None], weight, 1)
            hb = take(vi[:, :, b], head[:, :, b], 2)  # (N, U)
            pick = np.where(hb[..., None] <= query, head[:, :, b, None], argmin[:, :, b, None])
            back[:, :, a, :, b] = pick
            picked = np.take_along_axis(vi[:, :, b], pick, axis=-1)
            gap = np.maximum((picked - vi[:, :, a]).astype(float), 0.0)
            other_regret = np.take_along_axis(g["regret"][:, :, b], pick, axis=-1)
            regret[:, :, a] = np.where(allowed[None, :, b, None], np.maximum(regret[:, :, a], np.maximum(gap, other_regret)), regret[:, :, a])
    return counts * total, back, regret


def at_most(values: np.ndarray, weights: np.ndarray, query: np.ndarray) -> np.ndarray:
    """For each query q, the total weight of the values <= q (along the last axis, batched)."""
    C = values.shape[-1]
    keys = np.concatenate([values, query], axis=-1)
    flag = np.concatenate([np.zeros(values.shape, dtype=np.int8), np.ones(query.shape, dtype=np.int8)], axis=-1)
    order = np.lexsort((flag, keys), axis=-1)
    w = np.concatenate([weights, np.zeros(query.shape, dtype=object)], axis=-1)
    cumulative = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    position = np.argsort(order, axis=-1)[..., C:]
    return np.take_along_axis(cumulative, position, axis=-1)


def combinations(valids: list[np.ndarray], cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every combination of one class per child: indices (P, k), their validity (N, P), and
    whether a point had more than ``cap`` valid combinations (then cut)."""
    sizes = [v.shape[1] for v in valids]
    N = valids[0].shape[0]
    total = int(np.prod(sizes, dtype=float))
    capped = np.zeros(N, dtype=bool)
    if total > 4 * cap:  # too many to list: keep the first combinations of valid classes
        capped[:] = True
        grids = np.array(np.unravel_index(np.arange(min(total, cap)), sizes)).T
    else:
        grids = np.array(np.unravel_index(np.arange(total), sizes)).T  # (P, k)
    valid = np.ones((N, len(grids)), dtype=bool)
    for j, v in enumerate(valids):
        valid &= v[:, grids[:, j]]
    counts = valid.sum(axis=1)
    capped |= counts > cap
    return grids.astype(np.int64), valid, capped
