r"""What makes a stage game degenerate, in words: which cells tie, for whom, and what it means.

A bimatrix game is degenerate when some mixed strategy with :math:`k` actions in its support
has more than :math:`k` pure best replies (von Stengel 2002, §2.6). In a scenario this almost
always comes from tied cells: after one side escalates, the other's "hold" and "escalate"
lead to the same outcome and pay the same. Two consequences follow, and the description
says which applies:

* a *component* of equilibria: when two extreme equilibria share a strategy of one side,
  every mixture between them is an equilibrium too (Avis, Rosenberg, Savani and von Stengel
  2010); the component is a set, and the payoffs may vary over it;
* isolated equilibria with a tie among best replies: the tie changes nothing in the answer,
  but a selection rule picks among equal payoffs.

References
----------
von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
Theory* vol. 3, ch. 45, §2.6.
Avis, D., Rosenberg, G. D., Savani, R., von Stengel, B. (2010). Enumeration of Nash
equilibria for two-player games. *Economic Theory* 42, 9--37.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from negotiation.solvers.records import NashResult

__all__ = ["degeneracy_note", "tied_best_replies"]

#: Payoffs within this fraction of a player's payoff range tie.
TIE_TOLERANCE = 1e-9
#: Tied groups listed before "and N more".
_LISTED = 4


def tied_best_replies(M: np.ndarray, *, axis: int) -> list[tuple[int, tuple[int, ...]]]:
    """Against each pure action of the other player, the player's best replies when there
    are several: ``[(other's action, (tied own actions ...)), ...]``.

    ``M`` is the player's payoff matrix indexed [row action, column action]; ``axis`` is the
    axis of the player's own actions (0 for the row player, 1 for the column player).

    Examples
    --------
    The column player's hold (1) and escalate (2) tie against the row player's escalate (2):

    >>> B = np.array([[1., 0., 0.], [0., 1., 0.], [0., 1., 1.]])
    >>> tied_best_replies(B, axis=1)
    [(2, (1, 2))]
    """
    M = np.asarray(M, dtype=float)
    span = float(M.max() - M.min()) or 1.0
    own = np.moveaxis(M, axis, -1)  # [other's action, own action]
    out = []
    for other, row in enumerate(own):
        best = np.flatnonzero(row >= row.max() - TIE_TOLERANCE * span)
        if len(best) > 1:
            out.append((other, tuple(int(b) for b in best)))
    return out


def _mixed_cause(M: np.ndarray, strategies: Sequence[np.ndarray], axis: int) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """An equilibrium strategy of the other player against which this player has more best
    replies than that strategy has actions in its support, and those replies."""
    span = float(M.max() - M.min()) or 1.0
    for s in strategies:
        values = s @ M if axis == 1 else M @ s
        best = np.flatnonzero(values >= values.max() - TIE_TOLERANCE * span)
        if len(best) > np.count_nonzero(s > 1e-12):
            return s, tuple(int(b) for b in best)
    return None


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def degeneracy_note(
    A: np.ndarray,
    B: np.ndarray,
    result: NashResult,
    players: Sequence[str],
    row_actions: Sequence[str],
    column_actions: Sequence[str],
) -> str:
    """One paragraph on why a stage is degenerate and what it means for the result.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (m, n)
        The stage's payoffs (row player, column player), in the scenario's units.
    result : NashResult
        The stage's equilibria and their components.
    players : (str, str)
        The row and the column player's names.
    row_actions, column_actions : sequence of str

    Examples
    --------
    >>> from negotiation.solvers.normal_form import nash_equilibria
    >>> A = np.array([[3., 1.], [2., 0.]]); B = np.array([[1., 1.], [0., 2.]])
    >>> note = degeneracy_note(A, B, nash_equilibria(A, B), ("us", "china"), ("hold", "escalate"),
    ...                        ("hold", "escalate"))
    >>> print(note)  # doctest: +NORMALIZE_WHITESPACE
    tied cells: for china, hold and escalate pay the same (1) against us's hold; 2 extreme
    equilibria form 1 component, a set in which every mixture of its extreme points is an
    equilibrium: (0, 1) with payoffs us 1 to 3, china 1; its equilibria are equally valid, and
    the headline is the one the selection rule picks
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    names = (row_actions, column_actions)
    parts = []
    ties = []
    for player, (M, axis) in enumerate(((A, 0), (B, 1))):
        other = 1 - player
        for against, tied in tied_best_replies(M, axis=axis):
            value = M[tied[0], against] if axis == 0 else M[against, tied[0]]
            ties.append(f"for {players[player]}, {_join([names[player][t] for t in tied])} pay the same "
                        f"({value:.3g}) against {players[other]}'s {names[other][against]}")
    if ties:
        listed = "; ".join(ties[:_LISTED]) + (f"; and {len(ties) - _LISTED} more" if len(ties) > _LISTED else "")
        parts.append(f"tied cells: {listed}")
    else:
        for player, (M, axis) in enumerate(((A, 0), (B, 1))):
            other = 1 - player
            theirs = [e.row if other == 0 else e.column for e in result.equilibria]
            cause = _mixed_cause(M, theirs, axis)
            if cause is not None:
                s, best = cause
                mix = ", ".join(f"{names[other][k]} {p:.3g}" for k, p in enumerate(s) if p > 1e-12)
                parts.append(f"no two cells tie, but against {players[other]} playing {mix}, {players[player]}'s "
                             f"{_join([names[player][b] for b in best])} are all best replies (more than that "
                             "strategy has actions)")
                break
        else:
            parts.append("no two cells tie; a mixed strategy leaves the other side indifferent among more actions "
                         "than it uses")
    comps = [c for c in result.components if len(c) > 1]
    k = len(result.equilibria)
    if comps:
        described = []
        for c in comps[:_LISTED]:
            pay = np.array([result.equilibria[e].payoffs for e in c])
            ranges = [f"{players[p]} {pay[:, p].min():.3g}" + (f" to {pay[:, p].max():.3g}"
                                                            if pay[:, p].max() - pay[:, p].min() > 1e-9 else "")
                      for p in (0, 1)]
            described.append(f"({', '.join(str(e) for e in c)}) with payoffs {', '.join(ranges)}")
        parts.append(f"{k} extreme equilibria form {len(result.components)} component"
                     f"{'s' if len(result.components) != 1 else ''}, {'a set' if len(comps) == 1 else 'sets'} in "
                     "which every mixture of its extreme points is an equilibrium: " + "; ".join(described)
                     + "; its equilibria are equally valid, and the headline is the one the selection rule picks")
    else:
        parts.append(f"its {k} equilibri{'um is' if k == 1 else 'a are'} isolated: the tie creates no set of "
                     "equilibria, and a side facing the action named is equally well off with either tied action")
    return "; ".join(parts)
