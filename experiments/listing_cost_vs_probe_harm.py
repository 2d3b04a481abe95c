"""When is the entity listing worth its cost, given the damage China's probe can do?

Question. The US added 23 Chinese entities to the Entity List on 12 September 2025; China
answered with an anti-dumping probe of US analog chips on 13 September. How do the cost of
the listing to the US and the damage the probe can do to the US decide which pre-talk moves
are played, and whether the Madrid talks still end in a truce?

How the question maps onto the model (``negotiation/scenarios/madrid_2025.toml``):

* **Cost of the entity listing** -> ``moves.entity_listing.cost`` (0.01 in the file: lost US
  sales to the listed firms), paid by the US whenever it lists. Swept over [0, 0.10].
* **Harm of the anti-dumping probe** -> ``moves.anti_dumping_probe.effects.deadlock_shift.us``
  (-0.03 in the file): the damage to the US *if there is no deal* (the probe ends in duties).
  Swept over [-0.15, 0] (more negative = more damage). This, not the move's ``harm``
  (0.02), is the harm that matters strategically: ``harm`` is subtracted from the US payoff
  in every outcome of the talks, so it changes no choice in the talks, and it is not in
  China's payoff, so it does not change China's choice to open the probe either. (It could
  only change the US's earlier choice to list if China's probing depended on the listing.)
  The experiment checks this (``summary.json``: ``probe_harm_changes_nothing``: sweeping
  ``moves.anti_dumping_probe.harm`` over [0, 0.3] leaves the path and the outcome
  probabilities unchanged) instead of sweeping it.

The grid sweep runs with :func:`negotiation.study.sweep.run_sweep` (checkpointed, resumed if
rerun), every other value as in the file; the check of the probe's ``harm`` with
:func:`negotiation.sweep`. Writes to ``OUT`` (default
``results/experiments/listing_cost_vs_probe_harm``): ``sweep/`` (``sweep.csv``,
``sweep.parquet``), ``shares.csv`` (share of grid points by verdict and by equilibrium path),
``listing_threshold.csv`` (for each probe harm, the largest listing cost at which the US
still lists, and the paths on either side), ``summary.json``, and the figures
``figures/outcome`` (phase map of the outcome with its boundaries and P(truce) contours) and
``figures/paths`` (which moves are played), PNG and PDF.

Run: ``python experiments/listing_cost_vs_probe_harm.py [OUT] [--smoke]`` (full size: a
41 x 31 grid; smoke: 5 x 5).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import negotiation as ng
from negotiation.io.config import default_config_path, read_config
from negotiation.io.key_paths import value_at
from negotiation.model.outcomes import OUTCOMES
from negotiation.study.design import sweep_design
from negotiation.study.sweep import CheckpointConflict, run_sweep
from negotiation.study.uncertainty import headline, verdicts
from negotiation.viz.figures import save_figure
from negotiation.viz.phase_map import plot_phase_map
from negotiation.viz.sensitivity_figures import plot_path_map
from negotiation.viz.style import describe

NAME = "listing_cost_vs_probe_harm"
LISTING_COST = "moves.entity_listing.cost"
PROBE_DAMAGE = "moves.anti_dumping_probe.effects.deadlock_shift.us"
PROBE_HARM = "moves.anti_dumping_probe.harm"
RANGES = {LISTING_COST: (0.0, 0.10), PROBE_DAMAGE: (-0.15, 0.0)}
#: Grid points (listing cost, probe damage); full size puts the file's values on grid nodes.
POINTS = {"full": (41, 31), "smoke": (5, 5)}


def run_grid(config: dict, parameters: dict, out: Path, *, source: str, chunk_size: int, workers: int = 1):
    """A grid sweep into ``out``, resuming a finished or interrupted one; an older sweep with
    another design or config in ``out`` is replaced. (A batched solve costs about the same
    for 1 or 200 points, so chunks are large.)"""
    design = sweep_design(config, source=source,
                          overrides={"design": "grid", "parameters": parameters, "chunk_size": chunk_size})
    try:
        return run_sweep(config, design, out, source=source, resume=True, workers=workers)
    except CheckpointConflict as conflict:
        print(f"replacing an older sweep: {conflict}")
        return run_sweep(config, design, out, source=source, force=True, workers=workers)


def listing_threshold(table: pd.DataFrame) -> pd.DataFrame:
    """For each probe damage: the largest listing cost on the grid at which the US lists."""
    rows = []
    for damage, group in table.sort_values(LISTING_COST).groupby(PROBE_DAMAGE, sort=True):
        lists = group["equilibrium_path"].str.contains("entity_listing").to_numpy()
        costs = group[LISTING_COST].to_numpy()
        paths = group["equilibrium_path"].to_numpy()
        last = int(np.flatnonzero(lists)[-1]) if lists.any() else -1
        rows.append({
            PROBE_DAMAGE: damage,
            "largest_cost_listing": costs[last] if last >= 0 else np.nan,
            "path_at_that_cost": paths[last] if last >= 0 else "",
            "path_above": paths[last + 1] if last + 1 < len(paths) else "",
            "lists_at_every_cost": bool(lists.all()),
        })
    return pd.DataFrame(rows)


def main(out_dir: str | Path = f"results/experiments/{NAME}", size: str = "full", workers: int = 1) -> Path:
    if size not in POINTS:
        raise ValueError(f"size must be one of {', '.join(POINTS)}, got {size!r}")
    out = Path(out_dir)
    path = default_config_path()
    config = read_config(path)
    scenario = ng.load(path)
    title = scenario.title
    head = headline(config, source=path.name)

    # the probe's harm (paid in every outcome) is checked, not swept
    harms = ng.sweep(scenario, {PROBE_HARM: np.linspace(0.0, 0.3, 7)})
    columns = ["equilibrium_path", "p_truce", "p_deadlock", "p_escalation", "payoff_china"]
    harm_inert = bool((harms[columns].nunique() == 1).all())

    nx, ny = POINTS[size]
    parameters = {LISTING_COST: {"low": RANGES[LISTING_COST][0], "high": RANGES[LISTING_COST][1], "points": nx},
                  PROBE_DAMAGE: {"low": RANGES[PROBE_DAMAGE][0], "high": RANGES[PROBE_DAMAGE][1], "points": ny}}
    result = run_grid(config, parameters, out / "sweep", source=path.name, chunk_size=min(nx * ny, 256),
                      workers=workers)
    table = result.table
    x, y = LISTING_COST, PROBE_DAMAGE
    for stem, fig in (("outcome", plot_phase_map(table, x, y, scenario=title)),
                      ("paths", plot_path_map(table, x, y, scenario=title, moves=[m.name for m in scenario.moves]))):
        ax = fig.axes[0]
        ax.set_title(ax.get_title().replace(": ", "\n", 1))
        ax.set_xlabel(describe(x, config) + "\n(paid by the US when it lists)", fontsize=8.5)
        ax.set_ylabel(describe(y, config) + "\n(damage to the US if there is no deal)", fontsize=8.5)
        here = (value_at(config, x), value_at(config, y))
        ax.plot(*here, marker="*", color="black", ms=11, ls="none")
        ax.annotate("as in the file", here, xytext=(6, 6), textcoords="offset points", fontsize=8)
        save_figure(fig, out / "figures", stem)

    v = verdicts(table)
    rows = []
    for kind, labels in (("verdict", v), ("equilibrium_path", table["equilibrium_path"].to_numpy())):
        values, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
        rows += [{"kind": kind, "value": value or "invalid", "points": int(c), "share": c / len(table)}
                 for value, c in zip(values, counts, strict=True)]
    pd.DataFrame(rows).to_csv(out / "shares.csv", index=False)
    thresholds = listing_threshold(table)
    thresholds.to_csv(out / "listing_threshold.csv", index=False)

    summary = {
        "question": __doc__.split("\n\n")[1].replace("\n", " ").removeprefix("Question. "),
        "scenario": title,
        "size": size,
        "x": x, "y": y, "points": len(table), "invalid": int((v == "").sum()),
        "headline": {"verdict": head.verdict, "equilibrium_path": head.equilibrium_path, "p_truce": head.p_truce},
        "probe_harm_changes_nothing": harm_inert,
        "verdict_shares": {o: float((v == o).mean()) for o in OUTCOMES},
        "path_shares": {str(k): float(s) for k, s in table["equilibrium_path"].value_counts(normalize=True).items()},
        "p_truce_range": [float(table["p_truce"].min()), float(table["p_truce"].max())],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"{len(table)} points; verdicts "
          + ", ".join(f"{k} {s:.0%}" for k, s in summary["verdict_shares"].items())
          + "; paths " + ", ".join(f"{k} {s:.0%}" for k, s in summary["path_shares"].items()))
    print(f"probe harm changes nothing: {harm_inert}\nResults in {out}/")
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(*args[:1], size="smoke" if "--smoke" in sys.argv else "full", workers=2)
