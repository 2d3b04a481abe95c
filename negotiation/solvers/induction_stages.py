"""The stages of the batched backward induction: simultaneous moves solved for a batch.

Functions of :mod:`negotiation.solvers.backward_induction`'s run state: the stages that end
the game, all of one shape and height at once for every game of the batch
(:func:`simple_stages`); a stage below which play goes on, or where one side's behaviour is
given, one at a time (:func:`stage`), its classes being every equilibrium of the bimatrix
game of each combination of its continuations' classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.solvers.class_tables import ClassTable, combinations, compact
from negotiation.solvers.records import expected_payoff
from negotiation.solvers.stage import StageSolutions, canonical, solve_stages

if TYPE_CHECKING:
    from negotiation.solvers.backward_induction import _Run


@dataclass(frozen=True, eq=False)
class StageRecord:
    """The stages of one group, solved: games ``i * U + j`` for point ``i`` and unit ``units[j]``.

    For a stage below which play goes on, ``units`` has one element and the games are the
    headline's bimatrix game at each point.
    """

    units: np.ndarray
    A: np.ndarray  # (G, m, n), row player = the stage root's player
    B: np.ndarray
    solutions: StageSolutions
    index: np.ndarray  # (G,) headline equilibrium
    selections: Any = None  # negotiation.solvers.selection.Selections or None

    def game(self, point: int, unit: int) -> int:
        j = int(np.flatnonzero(self.units == unit)[0])
        return point * len(self.units) + j

def solve(run: _Run, A: np.ndarray, B: np.ndarray) -> tuple[StageSolutions, np.ndarray, Any]:
    """:func:`solve_and_select` with the run's settings."""
    return solve_and_select(A, B, rule=run.rule, tol=run.tol, method=run.method, exact=run.exact, trace=run.trace)


def solve_and_select(A: np.ndarray, B: np.ndarray, *, rule: str, tol: float, method: str = "enumeration",
                     exact: bool | None = None, trace: dict[str, Any] | None = None,
                     ) -> tuple[StageSolutions, np.ndarray, Any]:
    """Every equilibrium of each stage game of a stack (G, m, n) and the one ``rule`` selects
    (``"first"``: the first in the solver's order): both decided once per distinct game (up to
    a positive affine map of a player's payoffs, which changes neither), on that game's
    representative. Returns the solutions, the selected index per game and the selections."""
    solutions = solve_stages(A, B, tol=tol, method=method, exact=exact)
    if rule == "first" or not len(solutions.count):
        return solutions, np.zeros(len(solutions.count), dtype=np.int64), None
    from negotiation.solvers.selection import select_equilibria

    first, inverse = solutions.representative, solutions.inverse
    Af, Bf = canonical(np.asarray(A[first], dtype=float), np.asarray(B[first], dtype=float))
    chosen = select_equilibria(rule, Af, Bf, solutions.row[first], solutions.column[first],
                               solutions.valid[first], **(trace or {}))
    return solutions, chosen.index[inverse], chosen


def simple_stages(run: _Run, group: np.ndarray) -> None:
    tree, N = run.tree, run.N
    U = len(group)
    stages = [run.units.stages[int(u)] for u in group]
    cells = np.stack([st.cells for st in stages])  # (U, m, n)
    m, n = cells.shape[1:]
    pr = stages[0].row_player
    pc = 1 - pr
    leaves = tree.terminal[cells]
    payoffs = _columns(tree.payoffs, leaves)  # (N, U, m, n, 2)
    A = payoffs[..., pr].reshape(N * U, m, n)
    B = payoffs[..., pc].reshape(N * U, m, n)
    old = run.reuse.stages.get(int(group[0])) if run.reuse is not None else None
    if old is not None and np.array_equal(old.units, group):
        record = old
    else:
        solutions, index, chosen = solve(run, A, B)
        record = StageRecord(group, A, B, solutions, index, chosen)
    for u in group:
        run.records[int(u)] = record
    sol, e = record.solutions, record.index
    G = N * U
    u_eq = sol.values if sol.values is not None else sol.payoffs(A, B)  # (G, E, 2) in (row, column)
    E = u_eq.shape[1]
    value = np.empty((G, E, 2), dtype=u_eq.dtype)
    value[..., pr], value[..., pc] = u_eq[..., 0], u_eq[..., 1]
    run.HV[:, group] = value[np.arange(G), e].reshape(N, U, 2)
    run.HR[:, group] = sol.max_regret[np.arange(G), e].reshape(N, U)
    run.CH[:, group] = e.reshape(N, U)
    lottery = None
    if run.HL is not None:
        L = _columns(tree.outcomes, leaves).reshape(G, m, n, run.R)
        xf, yf = np.asarray(sol.row, dtype=float), np.asarray(sol.column, dtype=float)
        cells = (xf[..., :, None] * yf[..., None, :]).reshape(G, E, m * n)
        lottery = np.matmul(cells, L.reshape(G, m * n, run.R))  # (G, E, R)
        run.HL[:, group] = lottery[np.arange(G), e].reshape(N, U, run.R)
    if not run.classes:
        return
    count = None
    if run.summary:
        count = np.zeros((G, E), dtype=object)
        count[sol.valid] = 1
    valid = sol.valid.reshape(N, U, E)
    for s, u in enumerate(group):
        rows = np.arange(N) * U + s
        run.tables[int(u)] = ClassTable(
            value=value[rows], lottery=None if lottery is None else lottery[rows], valid=valid[:, s],
            regret=sol.max_regret[rows], count=None if count is None else count[rows],
            action=np.broadcast_to(np.arange(E), (N, E)).copy(), headline=e.reshape(N, U)[:, s],
            row=sol.row[rows], column=sol.column[rows],
        )

def _columns(values: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """``values[:, leaves]``, without a copy when the leaves are consecutive (the terminals of a
    scenario's stages are numbered in order)."""
    flat = leaves.ravel()
    if len(flat) and np.array_equal(flat, np.arange(flat[0], flat[0] + len(flat))):
        return values[:, flat[0] : flat[0] + len(flat)].reshape(values.shape[0], *leaves.shape, *values.shape[2:])
    return values[:, leaves]


def stage(run: _Run, u: int) -> None:
    """A stage with play after it, or with fixed behaviour: one unit at a time."""
    tree, N, units = run.tree, run.N, run.units
    st = units.stages[u]
    m, n = st.shape
    pr, pc = st.row_player, st.column_player
    cells = st.cells
    conts = np.unique(cells)
    row_fixed = run.fixed.get(int(tree.infoset[u]))
    col_fixed = run.fixed.get(st.column_infoset)

    def bimatrix(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return values[..., pr], values[..., pc]  # values (..., m, n, 2)

    # the headline: continuation headlines
    A, B = bimatrix(run.HV[:, cells])  # (N, m, n)
    x, y, regret, solutions, index, chosen = stage_profiles(run, A, B, row_fixed, col_fixed)
    if solutions is not None:
        run.records[u] = StageRecord(np.array([u]), A, B, solutions, index, chosen)
    run.CH[:, u] = index
    run.HV[:, u, pr] = expected_payoff(A, x, y)
    run.HV[:, u, pc] = expected_payoff(B, x, y)
    if run.HL is not None:
        run.HL[:, u] = np.einsum("na,nb,nabr->nr", np.asarray(x, float), np.asarray(y, float), run.HL[:, cells])
    run.HR[:, u] = np.maximum(regret, run.HR[:, conts].max(axis=1))
    if not run.classes:
        return
    tables = [run.table(int(c)) for c in conts]
    combos, cvalid, capped = combinations([t.valid for t in tables], run.max_classes)
    run.capped |= capped
    P = combos.shape[0]
    position = {int(c): j for j, c in enumerate(conts)}
    cell_index = np.vectorize(position.get)(cells)  # (m, n) -> continuation position
    values = np.zeros((N, P, m, n, 2), dtype=run.dtype)
    lotteries = np.zeros((N, P, m, n, run.R)) if run.R else None
    child_regret = np.zeros((N, P))
    count = np.ones((N, P), dtype=object) if run.summary else None
    for j, t in enumerate(tables):
        c = np.broadcast_to(combos[None, :, j], (N, P))
        v = np.take_along_axis(t.value, c[..., None], axis=1)  # (N, P, 2)
        where = cell_index == j
        values[:, :, where] = v[:, :, None]
        if lotteries is not None:
            lotteries[:, :, where] = np.take_along_axis(t.lottery, c[..., None], axis=1)[:, :, None]
        child_regret = np.maximum(child_regret, np.take_along_axis(t.regret, c, axis=1))
        if count is not None:
            count = count * np.take_along_axis(t.count, c, axis=1)
    Ap, Bp = bimatrix(values.reshape(N * P, m, n, 2))
    xs, ys, regrets, sols, _, _ = stage_profiles(run, Ap, Bp, row_fixed, col_fixed, all_profiles=True)
    if sols is not None:
        status = sols.status_codes.reshape(N, P)
        status = np.where(cvalid, status, 0)
        run.extra_status = np.maximum(run.extra_status, status.max(axis=1))
    # xs (N*P, E, m): every equilibrium (or best response) of each combination
    E = xs.shape[1]
    ok = (cvalid.reshape(N * P)[:, None]) & (np.isfinite(regrets) if regrets.dtype != object else True)
    if sols is not None:
        ok = ok & sols.valid
    ua = expected_payoff(Ap[:, None], xs, ys)
    ub = expected_payoff(Bp[:, None], xs, ys)
    val = np.zeros((N * P, E, 2), dtype=run.dtype)
    val[..., pr], val[..., pc] = ua, ub
    flags = ok.reshape(N, P * E)
    arrays = [
        val.reshape(N, P * E, 2),
        None if lotteries is None else np.einsum(
            "kea,keb,kabr->ker", np.asarray(xs, float), np.asarray(ys, float), lotteries.reshape(N * P, m, n, run.R)
        ).reshape(N, P * E, run.R),
        np.maximum(np.where(np.isfinite(regrets.astype(float)), regrets.astype(float), 0.0),
                   child_regret.reshape(N * P)[:, None]).reshape(N, P * E),
        np.broadcast_to(np.arange(E), (N, P, E)).reshape(N, P * E),
        np.broadcast_to(combos[None, :, None, :], (N, P, E, len(conts))).reshape(N, P * E, len(conts)),
        None if count is None else np.broadcast_to(count[:, :, None], (N, P, E)).reshape(N, P * E),
        xs.reshape(N, P * E, m),
        ys.reshape(N, P * E, n),
    ]
    order, out, capped = compact(flags, arrays, run.max_classes)
    run.capped |= capped
    kept = np.take_along_axis(flags, order, axis=-1)
    heads = np.stack([t.headline for t in tables], axis=1)  # (N, K)
    head_combo = np.argmax((combos[None] == heads[:, None, :]).all(axis=-1), axis=1)  # (N,)
    head = np.argmax(order == (head_combo * E + np.maximum(index, 0))[:, None], axis=-1)
    run.tables[u] = ClassTable(
        value=out[0], lottery=out[1], valid=kept, regret=out[2], count=out[5], action=out[3], back=out[4],
        headline=head, row=out[6], column=out[7],
    )

def stage_profiles(run: _Run, A, B, row_fixed, col_fixed, all_profiles: bool = False):
    """The stage's candidate profiles: its equilibria, or best responses to a fixed side.

    Returns (x, y, regret, solutions, index, chosen): the headline profile (or, with
    ``all_profiles``, every candidate, shapes (G, E, .)) and its max regret."""
    G, m, n = A.shape
    if row_fixed is None and col_fixed is None:
        solutions, index, chosen = solve(run, A, B)
        if all_profiles:
            return solutions.row, solutions.column, np.where(solutions.valid, solutions.max_regret, np.inf), solutions, index, chosen
        rows = np.arange(G)
        return (solutions.row[rows, index], solutions.column[rows, index], solutions.max_regret[rows, index],
                solutions, index, chosen)
    one = 1 if run.dtype is object else 1.0
    if row_fixed is not None and col_fixed is not None:
        x = np.broadcast_to(np.asarray(row_fixed, dtype=run.dtype), (G, m))
        y = np.broadcast_to(np.asarray(col_fixed, dtype=run.dtype), (G, n))
        gap = _stage_gap(A, B, x, y)
        if all_profiles:
            return x[:, None], y[:, None], gap[:, None], None, np.zeros(G, dtype=np.int64), None
        return x, y, gap, None, np.zeros(G, dtype=np.int64), None
    # one side fixed: each pure best response of the other
    if row_fixed is not None:
        x = np.broadcast_to(np.asarray(row_fixed, dtype=run.dtype), (G, m))
        values = (x[:, :, None] * B).sum(axis=1)  # (G, n)
        best = values.max(axis=1)
        optimal = values >= best[:, None] - run.tol
        ys = np.zeros((G, n, n), dtype=run.dtype)
        ys[:, np.arange(n), np.arange(n)] = one
        xs = np.broadcast_to(x[:, None], (G, n, m))
    else:
        y = np.broadcast_to(np.asarray(col_fixed, dtype=run.dtype), (G, n))
        values = (A * y[:, None, :]).sum(axis=2)  # (G, m)
        best = values.max(axis=1)
        optimal = values >= best[:, None] - run.tol
        xs = np.zeros((G, m, m), dtype=run.dtype)
        xs[:, np.arange(m), np.arange(m)] = one
        ys = np.broadcast_to(y[:, None], (G, m, n))
    first = np.argmax(optimal, axis=1)
    gaps = np.stack([_stage_gap(A, B, xs[:, e], ys[:, e]) for e in range(xs.shape[1])], axis=1)
    gaps = np.where(optimal, gaps, np.inf)
    if all_profiles:
        return xs, ys, gaps, None, first, None
    rows = np.arange(G)
    return xs[rows, first], ys[rows, first], gaps[rows, first], None, first, None


def _stage_gap(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Max regret of profiles (x, y) in stacks of bimatrix games (exact where they are)."""
    row_values = (A * y[:, None, :]).sum(axis=2)
    column_values = (x[:, :, None] * B).sum(axis=1)
    row = row_values.max(axis=1) - (x * row_values).sum(axis=1)
    column = column_values.max(axis=1) - (y * column_values).sum(axis=1)
    return np.maximum(np.maximum(row, column), 0 * row).astype(float)
