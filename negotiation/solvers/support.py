r"""All Nash equilibria of many small bimatrix games at once, by support enumeration.

Every function takes a stack of games, payoffs ``A, B`` of shape ``(G, m, n)`` indexed
``[game, row action, column action]`` (row player first, as nashpy), and answers for all
of them with array operations.

With payoffs mapped affinely onto :math:`[1, 2]` (as the exact solver does), the
best-response polytopes :math:`P = \{x \ge 0: B^\top x \le 1\}` and
:math:`Q = \{y \ge 0: A y \le 1\}` have one candidate vertex per pair of a support
:math:`I` and a set of tight constraints :math:`J` with :math:`|I| = |J| = k`: the solution
of :math:`B_{IJ}^\top x_I = 1` (and of :math:`A_{IJ} y_J = 1` for :math:`Q`). Solving all
of them (closed forms for :math:`k \le 3`) enumerates every vertex of both polytopes. A
game is certified *non-degenerate* when no candidate is ambiguous: every candidate is
either feasible with all its other constraints slack by more than ``margin``, or violates
one by more than ``margin``, and no basis matrix is nearly singular. For a non-degenerate
game the Nash equilibria are exactly the pairs :math:`(I, J)` whose two candidates are both
feasible (von Stengel 2002, sec. 3), each normalised to probabilities, in the order of
:func:`negotiation.solvers.normal_form.nash_equilibria` (by :math:`(-x, -y)`
lexicographically). A game that cannot be certified is flagged (``certain = False``) and
left to that exact solver (:func:`negotiation.solvers.stage.solve_stages` does this).

References
----------
von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
Theory* vol. 3, ch. 45.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from negotiation.solvers.linalg import det_inv

__all__ = ["StageEquilibria", "support_equilibria"]

#: Margin on the rescaled payoffs [1, 2] within which a label (a tight constraint) is
#: ambiguous; the exact solver decides labels with 1e-9.
LABEL_MARGIN = 1e-7
#: Games enumerated together.
_ENUMERATION_CHUNK = 4096
#: Relative determinant below which a basis matrix counts as nearly singular.
SINGULAR_MARGIN = 1e-9


def _to_unit_interval(M: np.ndarray) -> np.ndarray:
    """Each game's matrix mapped affinely onto [1, 2] (all ones if constant), as the
    exact solver's float mode does."""
    G = M.shape[0]
    flat = M.reshape(G, -1)
    low = flat.min(axis=1)[:, None, None]
    span = (flat.max(axis=1) - flat.min(axis=1))[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(span > 0, 1.0 + (M - low) / np.where(span > 0, span, 1.0), 1.0)
    return out


# --------------------------------------------------------------------------- equilibria


@dataclass(frozen=True, eq=False)
class StageEquilibria:
    """All Nash equilibria of a stack of games, in the exact solver's order.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (G, E, m) and (G, E, n)
        Equilibrium strategies; entries beyond ``count[g]`` are zero.
    valid : numpy.ndarray of bool, shape (G, E)
        ``valid[g, e]`` iff ``e < count[g]``.
    count : numpy.ndarray of int, shape (G,)
    certain : numpy.ndarray of bool, shape (G,)
        Certified non-degenerate with every label outside its margin, and an
        unambiguous order; only then are the other fields the exact solver's answer.
    """

    row: np.ndarray
    column: np.ndarray
    valid: np.ndarray
    count: np.ndarray
    certain: np.ndarray

    def payoffs(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Expected payoffs ``(x^T A y, x^T B y)`` of every equilibrium, shape (G, E, 2)."""
        ua = np.einsum("gei,gij,gej->ge", self.row, A, self.column)
        ub = np.einsum("gei,gij,gej->ge", self.row, B, self.column)
        return np.stack([ua, ub], axis=-1)


def _support_pairs(m: int, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For k = 1 .. min(m, n): all (I, J) with |I| = |J| = k, as index arrays (P, k)."""
    groups = []
    for k in range(1, min(m, n) + 1):
        pairs = [
            (rows, cols)
            for rows in itertools.combinations(range(m), k)
            for cols in itertools.combinations(range(n), k)
        ]
        groups.append((np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])))
    return groups


def _vertex_class(slacks: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(clean feasible, ambiguous) from the slacks of a candidate's other constraints."""
    infeasible = (slacks < -margin).any(axis=-1)
    feasible = (slacks > margin).all(axis=-1)
    return feasible, ~infeasible & ~feasible


def support_equilibria(A: np.ndarray, B: np.ndarray, *, margin: float = LABEL_MARGIN) -> StageEquilibria:
    """All Nash equilibria of each game of a stack, certified where non-degenerate.

    See the module docstring. ``A, B`` have shape (G, m, n).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[2., 0.], [0., 1.]]]); B = np.array([[[1., 0.], [0., 2.]]])
    >>> eq = support_equilibria(A, B)           # battle of the sexes
    >>> eq.count.tolist(), eq.certain.tolist()
    ([3], [True])
    >>> eq.row[0].round(4).tolist()
    [[1.0, 0.0], [0.6667, 0.3333], [0.0, 1.0]]
    """
    G, m, n = A.shape
    if G > _ENUMERATION_CHUNK:  # small arrays stay in the cache
        parts = [
            support_equilibria(A[s : s + _ENUMERATION_CHUNK], B[s : s + _ENUMERATION_CHUNK], margin=margin)
            for s in range(0, G, _ENUMERATION_CHUNK)
        ]
        E = max(p.row.shape[1] for p in parts)

        def pad(a: np.ndarray) -> np.ndarray:
            width = [(0, 0)] * a.ndim
            width[1] = (0, E - a.shape[1])
            return np.pad(a, width)

        return StageEquilibria(
            row=np.concatenate([pad(p.row) for p in parts]),
            column=np.concatenate([pad(p.column) for p in parts]),
            valid=np.concatenate([pad(p.valid) for p in parts]),
            count=np.concatenate([p.count for p in parts]),
            certain=np.concatenate([p.certain for p in parts]),
        )
    Ap = _to_unit_interval(A)
    Bp = _to_unit_interval(B)
    xs, ys, eqs = [], [], []
    ambiguous = np.zeros(G, dtype=bool)
    for I, J in _support_pairs(m, n):  # noqa: E741 (supports I, J as in the literature)
        P, k = I.shape
        rows_in = np.zeros((P, m), dtype=bool)
        cols_in = np.zeros((P, n), dtype=bool)
        np.put_along_axis(rows_in, I, True, axis=1)
        np.put_along_axis(cols_in, J, True, axis=1)
        sub_a = Ap[:, I[:, :, None], J[:, None, :]]  # (G, P, k, k): A[I, J]
        sub_b = Bp[:, I[:, :, None], J[:, None, :]]
        _, inv_a, ratio_a = det_inv(sub_a)
        _, inv_bt, ratio_b = det_inv(np.swapaxes(sub_b, -1, -2))
        with np.errstate(invalid="ignore", over="ignore"):
            y_j = inv_a.sum(axis=-1)  # A[I, J] y_J = 1
            x_i = inv_bt.sum(axis=-1)  # B[I, J]^T x_I = 1
        x = np.zeros((G, P, m))
        y = np.zeros((G, P, n))
        np.put_along_axis(x, np.broadcast_to(I, (G, P, k)), x_i, axis=2)
        np.put_along_axis(y, np.broadcast_to(J, (G, P, k)), y_j, axis=2)
        with np.errstate(invalid="ignore", over="ignore"):
            col_slack = 1.0 - np.einsum("gpi,gij->gpj", x, Bp)  # P: (B^T x)_j <= 1 off J
            row_slack = 1.0 - np.einsum("gij,gpj->gpi", Ap, y)  # Q: (A y)_i <= 1 off I
        slack_p = np.concatenate([x_i, np.where(cols_in, np.inf, col_slack)], axis=-1)
        slack_q = np.concatenate([y_j, np.where(rows_in, np.inf, row_slack)], axis=-1)
        slack_p = np.where(np.isnan(slack_p), -np.inf, slack_p)
        slack_q = np.where(np.isnan(slack_q), -np.inf, slack_q)
        feas_p, amb_p = _vertex_class(slack_p, margin)
        feas_q, amb_q = _vertex_class(slack_q, margin)
        singular = (ratio_a < SINGULAR_MARGIN) | (ratio_b < SINGULAR_MARGIN)
        ambiguous |= (amb_p | amb_q | singular).any(axis=1)
        eq = feas_p & feas_q & ~singular
        with np.errstate(invalid="ignore", divide="ignore"):
            xs.append(np.where(eq[..., None], x / x.sum(-1, keepdims=True), 0.0))
            ys.append(np.where(eq[..., None], y / y.sum(-1, keepdims=True), 0.0))
        eqs.append(eq)
    X = np.concatenate(xs, axis=1)
    Y = np.concatenate(ys, axis=1)
    valid = np.concatenate(eqs, axis=1)
    count = valid.sum(axis=1)
    order, unclear = exact_order(X, Y, valid)
    X = np.take_along_axis(X, order[..., None], axis=1)
    Y = np.take_along_axis(Y, order[..., None], axis=1)
    valid = np.take_along_axis(valid, order, axis=1)
    ambiguous |= unclear
    certain = ~ambiguous & (count % 2 == 1)
    return StageEquilibria(row=X, column=Y, valid=valid, count=count, certain=certain)


def exact_order(X: np.ndarray, Y: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact solver's order of each game's equilibria: by (-x, -y) lexicographically,
    invalid candidates last.

    Returns the order (indices into axis 1, shape (G, max(max count, 1))) and whether it was
    decided by rounding (two valid equilibria whose first difference is below 1e-9), per game.
    Probabilities are compared at 1e-12, so that round-off (0.4999999999999999 against 0.5)
    does not decide the order.
    """
    count = valid.sum(axis=1)
    keys = np.round(np.concatenate([-X, -Y], axis=-1), 12)
    keys = np.where(valid[..., None], keys, np.inf)
    order = np.lexsort(np.moveaxis(keys, -1, 0)[::-1], axis=-1)
    E = max(int(count.max(initial=0)), 1)
    order = order[:, :E]
    ambiguous = np.zeros(len(count), dtype=bool)
    if E > 1:
        valid = np.take_along_axis(valid, order, axis=1)
        keys = np.take_along_axis(keys, order[..., None], axis=1)
        both = valid[:, 1:] & valid[:, :-1]
        with np.errstate(invalid="ignore"):
            diff = np.where(both[..., None], np.abs(keys[:, 1:] - keys[:, :-1]), 0.0)
        nonzero = diff > 0
        first = np.argmax(nonzero, axis=-1)
        first_diff = np.take_along_axis(diff, first[..., None], axis=-1)[..., 0]
        ambiguous = (both & (~nonzero.any(-1) | (first_diff <= 1e-9))).any(axis=1)
    return order, ambiguous


# --------------------------------------------------------------------------- selection rules
