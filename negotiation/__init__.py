"""negotiation: game-theory simulator of two-sided trade negotiations.

The public API::

    import negotiation as ng
    scenario = ng.load("madrid_2025", set={"moves.entity_listing.cost": 0.02})
    result = ng.analyze(scenario)           # result.to_dict() holds what summary.json holds
    table = ng.sweep(scenario, {"moves.entity_listing.cost": [0.005, 0.01, 0.02]})
    ng.nash_equilibria(A, B)                # every equilibrium of a bimatrix game

Heavy modules are imported when first used, so ``import negotiation`` is cheap.
"""

from __future__ import annotations

from typing import Any

from negotiation.version import __version__

__all__ = ["__version__", "analyze", "load", "nash_equilibria", "sweep"]


def __getattr__(name: str) -> Any:
    if name in ("analyze", "load", "nash_equilibria", "sweep"):
        from negotiation import api

        return getattr(api, name)
    raise AttributeError(f"module 'negotiation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
