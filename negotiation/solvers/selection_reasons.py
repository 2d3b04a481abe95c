"""Why a selection rule picked an equilibrium, in one sentence a policy reader understands.

The texts of :meth:`negotiation.solvers.selection.Selections.reason`, formatted from the
quantities the batched rules compared (payoffs and sums, dominance, Nash products of
deviation losses, distances to the logit-QRE limit); nothing is decided here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from negotiation.solvers.selection import Selections

def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _pair(u: np.ndarray) -> str:
    return f"({_fmt(u[0])}, {_fmt(u[1])})"


def _shares(u: np.ndarray) -> str:
    """A payoff sum on the sides' own scales, said so."""
    return (f"{_fmt(u[0] + u[1])} ({_fmt(u[0])} + {_fmt(u[1])}, each side's payoff on its own scale "
            "in this game: 0 at its worst outcome, 1 at its best)")


def _ties(indices: Sequence[int]) -> str:
    return ", ".join(str(i) for i in indices)


def _only(sel: Selections, g: int) -> str | None:
    return "it is the only equilibrium" if sel.valid[g].sum() == 1 else None


def _payoff_reason(sel: Selections, g: int) -> str:
    if (only := _only(sel, g)) is not None:
        return only
    u = sel.payoffs[g][sel.valid[g]]
    k = int(sel.index[g])
    N = len(u)
    if not sel.fallback[g]:
        others = np.delete(u, k, axis=0).max(axis=0)
        return (
            f"payoff-dominates the {N - 1} other equilibri{'um' if N == 2 else 'a'}: its payoffs "
            f"{_pair(u[k])} are at least as high for both sides as in any other equilibrium "
            f"(at most {_pair(others)}) and higher for one"
        )
    tied = np.flatnonzero(sel.detail["tied"][g])
    undominated = int(sel.detail["undominated"][g].sum())
    note = f" (tied with equilibria {_ties(tied[1:])}; lowest index taken)" if len(tied) > 1 else ""
    shares = sel.detail["shares"][g]
    return (
        f"no equilibrium payoff-dominates all others, so by the fallback it is the one with the "
        f"highest payoff sum {_shares(shares[k])} among the {undominated} Pareto-undominated "
        f"equilibria{note}"
    )


def _utilitarian_reason(sel: Selections, g: int) -> str:
    if (only := _only(sel, g)) is not None:
        return only
    k = int(sel.index[g])
    sums = sel.detail["sums"][g][sel.valid[g]]
    tied = np.flatnonzero(sel.detail["tied"][g])
    shares = sel.detail["shares"][g]
    if len(tied) > 1:
        return (
            f"highest sum of expected payoffs {_shares(shares[k])}, tied with equilibri"
            f"{'um' if len(tied) == 2 else 'a'} {_ties(tied[1:])}; the tie goes to the lowest index"
        )
    return (
        f"highest sum of expected payoffs {_shares(shares[k])}; the next best sum is "
        f"{_fmt(np.delete(sums, k).max())}"
    )


def _qre_text(sel: Selections, g: int, detail: dict) -> str:
    k = int(sel.index[g])
    distances = detail["distances"][g][sel.valid[g]]
    tied = np.flatnonzero(detail["tied"][g])
    text = f"nearest to the limit of the logit QRE principal branch (L1 distance {distances[k]:.3g}"
    if len(tied) > 1:
        text += f", tied with equilibri{'um' if len(tied) == 2 else 'a'} {_ties(tied[1:])}; the tie goes to the lowest index)"
    elif len(distances) > 1:
        text += f"; the next nearest is at {np.delete(distances, k).min():.3g})"
    else:
        text += ")"
    t = np.flatnonzero(sel.traced == g)
    if sel.limits is not None and len(t):
        j = int(t[0])
        if sel.limits.bifurcation[j]:
            text += (
                "; the branch passes a bifurcation (the game is symmetric or otherwise non-generic) "
                "and was followed straight through it"
            )
        if not sel.limits.converged[j]:
            text += (
                f"; the branch did not converge (max regret {sel.limits.max_regret[j]:.3g}), so the "
                "limit is approximate"
            )
    return text


def _logit_reason(sel: Selections, g: int) -> str:
    if (only := _only(sel, g)) is not None and not (sel.traced == g).any():
        return only
    return _qre_text(sel, g, sel.detail)


def _risk_reason(sel: Selections, g: int) -> str:
    if (only := _only(sel, g)) is not None:
        return only
    d = sel.detail
    pure = list(np.flatnonzero(d["pure"][g]))
    mixed = int(sel.valid[g].sum()) - len(pure)
    mixed_note = (
        f"; the {mixed} mixed equilibri{'um is' if mixed == 1 else 'a are'} not compared" if mixed else ""
    )
    k = int(sel.index[g])
    if len(pure) == 1:
        return f"it is the only pure equilibrium (risk dominance compares pure equilibria only){mixed_note}"
    pe, pf, comparable = d["product_e"][g], d["product_f"][g], d["comparable"][g]
    if not sel.fallback[g]:
        products = [(pe[k, o], pf[k, o]) for o in pure if o != k]
        if len(pure) == 2:
            ((a, b),) = products
            text = f"risk-dominates the other pure equilibrium: Nash product of deviation losses {_fmt(a)} against {_fmt(b)}"
        else:
            listed = ", ".join(f"{_fmt(a)} vs {_fmt(b)}" for a, b in products)
            text = (
                f"risk-dominates each of the {len(pure) - 1} other pure equilibria in the 2x2 subgame "
                f"they span (Nash products of deviation losses {listed})"
            )
        return text + mixed_note
    if not pure:
        why = "there is no pure equilibrium"
    else:
        pairs = [(e, f) for e, f in itertools.combinations(pure, 2)]
        if any(not comparable[e, f] for e, f in pairs):
            detail = "two pure equilibria share an action and cannot be compared"
        elif len(pure) == 2:
            e, f = pairs[0]
            detail = f"the Nash products of deviation losses tie at {_fmt(pe[e, f])} and {_fmt(pf[e, f])}"
        else:
            detail = "the pairwise comparisons contain a cycle or a tie"
        why = f"no pure equilibrium risk-dominates all others ({detail})"
    return f"{why}, so by the fallback it is the equilibrium {_qre_text(sel, g, d['qre'])}"


REASONS: dict[str, Callable[[Selections, int], str]] = {
    "payoff_dominant": _payoff_reason,
    "risk_dominant": _risk_reason,
    "utilitarian": _utilitarian_reason,
    "logit_qre": _logit_reason,
}
