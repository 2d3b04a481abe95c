"""negotiation: game-theory simulator of two-sided trade negotiations."""

__version__ = "0.1.0"
