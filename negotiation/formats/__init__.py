"""Readers and writers for other tools' game files.

:mod:`negotiation.formats.gambit` reads and writes Gambit's ``.nfg`` and ``.efg`` files
as plain frozen records (no dependency on pygambit).
"""

from __future__ import annotations

from negotiation.formats.gambit import (
    EfgInfoset,
    EfgNode,
    ExtensiveFormGame,
    GambitFormatError,
    NormalFormGame,
    load_game,
    read_efg,
    read_nfg,
    write_efg,
    write_nfg,
)

__all__ = [
    "EfgInfoset",
    "EfgNode",
    "ExtensiveFormGame",
    "GambitFormatError",
    "NormalFormGame",
    "load_game",
    "read_efg",
    "read_nfg",
    "write_efg",
    "write_nfg",
]
