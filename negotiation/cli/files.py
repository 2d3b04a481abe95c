"""The ``solve`` and ``export`` subcommands: Gambit game files and scenario trees.

``negotiation solve PATH [--method NAME] [--exact] [--json] [--strategic-cells N]``

* a ``.nfg`` file: every Nash equilibrium of the bimatrix game
  (:func:`negotiation.solvers.normal_form.nash_equilibria`);
* a ``.efg`` file: every subgame-perfect equilibrium by backward induction, and the
  other Nash equilibria of the reduced strategic form when it has at most
  ``--strategic-cells`` cells (:func:`negotiation.solvers.extensive.solve_efg`), each marked
  subgame perfect or not;
* a scenario (a ``.toml`` file or a packaged scenario's name): its tree as
  exported by ``export --format efg`` (:func:`negotiation.io.efg_tree.scenario_to_efg`),
  solved for its subgame-perfect equilibria; with bargaining talks, which no Gambit file
  holds, its own tree (:func:`negotiation.model.compile.scenario_tree`).

``--json`` prints ``{"status", "method", "equilibria": [{"strategies", "payoffs",
...}], "notes", ...}``: for a ``.nfg`` file ``strategies`` holds one list per player of
the probabilities of its strategies in file order; for an extensive game, per player,
per information set in file order, the probabilities of its actions, and each
equilibrium has ``subgame_perfect``. With ``--exact`` the arithmetic is rational, text
output prints fractions and every JSON equilibrium gains ``"exact"`` with ``"p/q"``
strings.

``negotiation export CONFIG --format efg|nfg [--out FILE]`` writes a scenario's game
tree as a Gambit ``.efg`` file (or, for a scenario without pre-talk moves, its talks as
a ``.nfg`` file); the default is ``results/<scenario>/<scenario>.<format>``. Scenarios
with bargaining talks cannot be exported.

Bad input (a malformed or missing file, an unsupported game, an unknown method)
prints one message on stderr, naming the file and line where known, and exits 2.
"""

from __future__ import annotations

import argparse

#: Largest reduced strategic form whose Nash equilibria ``solve`` lists for a ``.efg``.
DEFAULT_STRATEGIC_CELLS = 100
#: The normal-form methods (the keys of negotiation.solvers.normal_form.NORMAL_FORM_METHODS;
#: named here so that registering the command imports no solver).
METHODS = ("enumeration", "lemke_howson", "support", "vertex")


def cmd_solve(args: argparse.Namespace) -> int:
    from negotiation.cli.gambit_commands import cmd_solve as solve

    return solve(args)


def cmd_export(args: argparse.Namespace) -> int:
    from negotiation.cli.gambit_commands import cmd_export as export

    return export(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``solve`` and ``export`` subcommands to the ``negotiation`` parser."""
    solve = subparsers.add_parser(
        "solve",
        help="equilibria of a Gambit .nfg/.efg file or of a scenario's tree",
        description=(
            "Solve a Gambit .nfg file (every Nash equilibrium), a .efg file (subgame-perfect "
            "equilibria by backward induction, plus the strategic form's Nash equilibria "
            "when it is small, each marked subgame perfect or not) or a scenario TOML "
            "(the subgame-perfect equilibria of its tree)."
        ),
    )
    solve.add_argument(
        "path",
        metavar="PATH",
        help=".nfg, .efg or scenario .toml file (or a packaged scenario's name)",
    )
    solve.add_argument(
        "--method",
        default="enumeration",
        choices=list(METHODS),
        help="normal-form method for the game or each simultaneous stage (default: enumeration)",
    )
    solve.add_argument(
        "--exact",
        action="store_true",
        help="rational arithmetic; print fractions (JSON: an 'exact' field)",
    )
    solve.add_argument("--json", action="store_true", help="print JSON instead of text")
    solve.add_argument(
        "--strategic-cells",
        type=int,
        default=DEFAULT_STRATEGIC_CELLS,
        metavar="N",
        help=(
            ".efg only: also list the Nash equilibria of the reduced strategic form when it has "
            f"at most N cells (default {DEFAULT_STRATEGIC_CELLS}; 0: subgame-perfect ones only)"
        ),
    )
    solve.set_defaults(func=cmd_solve)

    export = subparsers.add_parser(
        "export",
        help="write a scenario's game tree as a Gambit .efg (or its talks as .nfg)",
        description="Write a scenario's game tree as a Gambit file that opens in Gambit.",
    )
    export.add_argument("config", metavar="CONFIG", help="scenario TOML file or packaged name")
    export.add_argument(
        "--format", choices=("efg", "nfg"), default="efg", help="file format (default: efg)"
    )
    export.add_argument(
        "--out", help="output file (default: results/<scenario>/<scenario>.<format>)"
    )
    export.set_defaults(func=cmd_export)
