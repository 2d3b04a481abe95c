r"""Read and write Gambit's game files: ``.nfg`` (strategic) and ``.efg`` (extensive).

Two-player games only; a file with any other number of players is refused with a
:class:`GambitFormatError`. The records are plain frozen dataclasses, independent of
pygambit. The work is split into :mod:`negotiation.io.gambit_text` (tokens, strings,
numbers), :mod:`negotiation.io.nfg` and :mod:`negotiation.io.efg`; this module re-exports
their public names and reads a file by its extension (:func:`load_game`).

The formats: a strategic game (``.nfg``, payoff or outcome version) is described in
:mod:`negotiation.io.nfg`, an extensive game (``.efg``, payoffs summed along the path) in
:mod:`negotiation.io.efg`.

Numbers
-------
Integers and rationals (``3``, ``-3/4``) are read as exact :class:`fractions.Fraction`;
decimals and scientific notation (``0.25``, ``1e-3``) as :class:`float` payoffs, so the
type of each payoff records how the file wrote it and the writers write it back the
same way (a ``Fraction`` as ``n/d``, a ``float`` with :func:`repr`). Chance
probabilities are always exact: a decimal ``0.1`` is the fraction 1/10, as in Gambit,
and the probabilities at a chance node must sum to exactly 1.

Differences from Gambit's own reader
------------------------------------
* Stricter: text after the last node of the tree is an error (Gambit ignores it; it
  usually means a node has fewer actions than children were written), and a number
  must end at white space, a brace, a comma or a quote (``3x`` is an error).
* Labels are kept as written. Gambit renames empty and repeated labels (``"_1"``);
  this reader does not, so an empty player name stays empty.
* A repeated outcome definition is compared by value (``1`` and ``1/1`` agree); Gambit
  compares the text.
* Quoted strings follow Gambit's lexer: ``\"`` is a quote and any other backslash is
  kept, including Gambit's quirk that a backslash after a backslash also escapes the
  next character. The writers refuse the few labels that Gambit cannot read back (a
  trailing backslash, or a run of backslashes that this quirk would change).
* The reader accepts any name, as older Gambit versions did; the writers refuse (with
  ``ValueError``) the names Gambit 17 refuses to read: names of players, strategies,
  nodes, information sets, actions and outcomes with a control character, white space
  at either end, or two white-space characters in a row; two nodes with the same
  nonempty name; two information sets of one player (or of chance) with the same
  nonempty name. Titles and comments are free. Gambit *renames* (rather than refuses)
  empty or repeated names of players, strategies, actions and outcomes; the writers
  leave those as they are.

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html

Examples
--------
>>> game = read_nfg('NFG 1 R "PD" { "Row" "Column" } { 2 2 } 3 3 5 0 0 5 1 1')
>>> game.A
array([[3., 0.],
       [5., 1.]])
>>> print(write_nfg(game), end="")
NFG 1 R "PD" { "Row" "Column" } { 2 2 }
""
<BLANKLINE>
3 3 5 0
0 5 1 1
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from negotiation.io.efg import EfgInfoset, EfgNode, ExtensiveFormGame, read_efg, write_efg
from negotiation.io.gambit_text import GambitFormatError, Payoff
from negotiation.io.nfg import NormalFormGame, read_nfg, write_nfg

__all__ = [
    "EfgInfoset",
    "EfgNode",
    "ExtensiveFormGame",
    "GambitFormatError",
    "NormalFormGame",
    "Payoff",
    "load_game",
    "read_efg",
    "read_nfg",
    "write_efg",
    "write_nfg",
]


def load_game(path: str | PathLike[str]) -> NormalFormGame | ExtensiveFormGame:
    """Read a ``.nfg`` or ``.efg`` file, chosen by its extension (UTF-8 text, BOM allowed).

    Errors name the file as given: ``games/entry.efg:7: ...``.
    """
    path = Path(path)
    readers = {".nfg": read_nfg, ".efg": read_efg}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise GambitFormatError(
            f"unknown extension {path.suffix!r}: expected a .nfg or .efg file", source=str(path)
        )
    return reader(path.read_text(encoding="utf-8-sig"), source=str(path))
