"""Did the pre-talk moves before Madrid buy leverage, or push the talks toward deadlock?

On 12 September 2025 the US added 23 Chinese entities to the Entity List; on 13 September
China opened an anti-dumping probe into US analog chips; the talks opened in Madrid on 14
September. This experiment solves the packaged Madrid scenario (leverage stages, then a
stance game), compares it with the counterfactual of no pre-talk moves, and checks how
the answer depends on the equilibrium selection rule used where the talks have several
equilibria.

Writes to ``OUT_DIR`` (default ``results/experiments/madrid_2025``): the scenario's
``summary.json``, ``summary.txt`` and figures, plus ``selection_rules.csv`` and the figure
``figures/leverage_by_selection_rule.{png,pdf}``.

Run: ``python experiments/madrid_2025.py [OUT_DIR]``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import negotiation as ng
from negotiation.analysis.summary import text_summary
from negotiation.model.outcomes import resolution_dict
from negotiation.solvers.selection import SELECTION_RULES
from negotiation.viz.figures import plot_leverage_by_rule, save_figure
from negotiation.viz.results import write_results


def main(out_dir: str | Path = "results/experiments/madrid_2025") -> Path:
    out = Path(out_dir)
    scenario = ng.load("madrid_2025")
    analysis = ng.analyze(scenario)
    write_results(analysis, out)
    print(text_summary(analysis))

    rows = []
    by_rule = {}
    for rule in SELECTION_RULES:
        result = ng.analyze(ng.load("madrid_2025", set={"solver.selection_rule": rule}))
        by_rule[rule] = result
        probabilities = resolution_dict(result.headline.resolution_probabilities)
        rows.append(
            {
                "selection_rule": rule,
                "equilibrium_path": "+".join(result.moves_played()) or "none",
                **{f"p_{k}": round(v, 6) for k, v in probabilities.items()},
                **{f"payoff_{s}": round(v, 6) for s, v in zip(scenario.side_names, result.headline.payoffs, strict=True)},
                **{f"leverage_{lv.move}": round(lv.value, 6) for lv in result.leverage},
            }
        )
    with (out / "selection_rules.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    save_figure(plot_leverage_by_rule(by_rule), out / "figures", "leverage_by_selection_rule")
    print(f"\nResults in {out}/")
    return out


if __name__ == "__main__":
    main(*sys.argv[1:2])
