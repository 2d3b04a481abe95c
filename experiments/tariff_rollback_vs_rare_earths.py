"""Does the US political cost of rolling back tariffs, or China's rare-earth leverage, decide Madrid?

Question. Revoking tariffs costs the US administration political authority (CASE.md), and
China holds leverage through its rare-earth exports. Over which combinations of the two do
the Madrid talks end in a truce rather than deadlock or escalation, and which pre-talk moves
(the US entity listing, China's anti-dumping probe) are played on the way?

How the question maps onto the model (``negotiation/scenarios/madrid_2025.toml``):

* **US political cost of a rollback** -> ``sides.us.utilities.tariffs[3]``, the US utility of
  the ``fentanyl_rollback`` tariff level (0.5 in the file; lower = a costlier rollback). It
  enters the one package that contains the rollback, ``china_leaning`` (the US concedes to a
  China that holds), so it sets what conceding costs the US. Swept over [0, 1].
* **China's rare-earth leverage** can act in this model through two channels only, so the
  experiment maps both:

  1. ``sides.us.weights.rare_earths`` (0.30; the US's other weights rescale to keep the sum at
     one): how much the US depends on rare earths, i.e. how much the rare-earth term of every
     package weighs against tariffs and export controls. Swept over [0, 0.80].
  2. ``sides.us.utilities.rare_earths[0]`` (0.0): what restricted rare earths are worth to
     the US. Escalation returns to the April peak (``[talks.threat_points.escalation]``:
     tariffs at their peak, wider US controls, rare-earth licences withheld, as after
     MOFCOM's Announcement No. 18 of 4 Apr 2025), so this value sets the US payoff of
     escalation, and of a truce that breaks down into it; lower = a stronger rare-earth
     threat. Swept over [0, 0.55] (below the 0.6 of licensing, keeping the order of levels).
     Before issue 10 escalation was a number set beside the levels and this value was inert;
     the experiment checks that it is live now (``summary.json``:
     ``restricted_rare_earths_is_live``: some swept value changes the headline).

Each map is a grid sweep run with :func:`negotiation.study.sweep.run_sweep` (checkpointed, resumed
if rerun), with the other values as in the file; the liveness check uses
:func:`negotiation.sweep`. Writes to ``OUT`` (default
``results/experiments/tariff_rollback_vs_rare_earths``): ``sweep_<map>/`` (the sweep tables,
``sweep.csv`` and ``sweep.parquet``), ``shares.csv`` (share of grid points by verdict and by
equilibrium path), ``listing_threshold_<map>.csv`` (for each value of the leverage parameter,
the rollback utilities between which the US stops listing), ``summary.json``, and ``figures/outcome_<map>`` and ``figures/paths_<map>``
(PNG and PDF): the phase map of the outcome (with the boundaries between outcome regions and
P(truce) contours) and the map of the moves played.

Run: ``python experiments/tariff_rollback_vs_rare_earths.py [OUT] [--smoke]`` (full size:
two 41 x 41 grids; smoke: 5 x 5).
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
from negotiation.study.design import sweep_design
from negotiation.study.sweep import CheckpointConflict, run_sweep
from negotiation.study.uncertainty import headline, verdicts
from negotiation.viz.figures import save_figure
from negotiation.viz.phase_map import plot_phase_map
from negotiation.viz.sensitivity_figures import plot_path_map
from negotiation.viz.style import describe

NAME = "tariff_rollback_vs_rare_earths"
ROLLBACK = "sides.us.utilities.tariffs[3]"
RARE_EARTH_WEIGHT = "sides.us.weights.rare_earths"
RESTRICTED = "sides.us.utilities.rare_earths[0]"
#: The two maps: name -> (x parameter and range, y parameter and range).
MAPS = {
    "rare_earth_weight": ((ROLLBACK, 0.0, 1.0), (RARE_EARTH_WEIGHT, 0.0, 0.80)),
    "restricted_rare_earths": ((ROLLBACK, 0.0, 1.0), (RESTRICTED, 0.0, 0.55)),
}
Y_NOTES = {"rare_earth_weight": "\n(the US's other weights rescale)",
           "restricted_rare_earths": "\n(lower = stronger rare-earth threat)"}
#: Grid points per axis (41: the file's values are grid nodes).
POINTS = {"full": 41, "smoke": 5}


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


def shares(table: pd.DataFrame, name: str) -> list[dict]:
    """Share of the sweep's points by verdict and by equilibrium path."""
    rows = []
    n = len(table)
    for kind, labels in (("verdict", verdicts(table)), ("equilibrium_path", table["equilibrium_path"].to_numpy())):
        values, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
        for value, count in zip(values, counts, strict=True):
            rows.append({"map": name, "kind": kind, "value": value or "invalid", "points": int(count),
                         "share": count / n})
    return rows


def listing_threshold(table: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """For each value of ``y``: the largest rollback utility ``x`` on the grid at which the US
    still lists (above it, a rollback is cheap enough that the US goes without), and the path
    just above it."""
    rows = []
    for value, group in table.sort_values(x).groupby(y, sort=True):
        lists = group["equilibrium_path"].str.contains("entity_listing").to_numpy()
        xs, paths = group[x].to_numpy(), group["equilibrium_path"].to_numpy()
        last = int(np.flatnonzero(lists)[-1]) if lists.any() else -1
        first_off = int(np.flatnonzero(~lists)[0]) if (~lists).any() else -1
        rows.append({y: value,
                     "largest_x_listing": xs[last] if last >= 0 else np.nan,
                     "smallest_x_not_listing": xs[first_off] if first_off >= 0 else np.nan,
                     "path_there": paths[first_off] if first_off >= 0 else "",
                     "lists_at_every_x": bool(lists.all())})
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
    n = POINTS[size]

    # the US utility of restricted rare earths enters its escalation payoff: live
    probe = ng.sweep(scenario, {RESTRICTED: [0.0, 0.2, 0.4, 0.55]})
    live = bool(probe["payoff_us"].nunique() > 1)

    rows, maps = [], {}
    for name, ((x, x_low, x_high), (y, y_low, y_high)) in MAPS.items():
        parameters = {x: {"low": x_low, "high": x_high, "points": n}, y: {"low": y_low, "high": y_high, "points": n}}
        result = run_grid(config, parameters, out / f"sweep_{name}", source=path.name, chunk_size=min(n * n, 256),
                          workers=workers)
        table = result.table
        rows.extend(shares(table, name))
        for stem, fig in ((f"outcome_{name}", plot_phase_map(table, x, y, scenario=title)),
                          (f"paths_{name}", plot_path_map(table, x, y, scenario=title,
                                                          moves=[m.name for m in scenario.moves]))):
            ax = fig.axes[0]
            ax.set_title(ax.get_title().replace(": ", "\n", 1))
            ax.set_xlabel(describe(x, config) + "\n(lower = costlier rollback for the US)", fontsize=8.5)
            ax.set_ylabel(describe(y, config) + Y_NOTES[name], fontsize=8.5)
            here = (value_at(config, x), value_at(config, y))
            ax.plot(*here, marker="*", color="black", ms=11, ls="none")
            ax.annotate("as in the file", here, xytext=(6, 6), textcoords="offset points", fontsize=8)
            save_figure(fig, out / "figures", stem)
        listing_threshold(table, x, y).to_csv(out / f"listing_threshold_{name}.csv", index=False)
        v = verdicts(table)
        maps[name] = {
            "x": x, "y": y, "points": len(table), "invalid": int((v == "").sum()),
            "verdict_shares": {str(o): float((v == o).mean()) for o in sorted(set(v.tolist()))},
            "p_truce_range": [float(table["p_truce"].min()), float(table["p_truce"].max())],
            "paths": sorted(set(table["equilibrium_path"])),
        }
    pd.DataFrame(rows).to_csv(out / "shares.csv", index=False)
    summary = {
        "question": __doc__.split("\n\n")[1].replace("\n", " ").removeprefix("Question. "),
        "scenario": title,
        "size": size,
        "headline": {"verdict": head.verdict, "equilibrium_path": head.equilibrium_path, "p_truce": head.p_truce},
        "restricted_rare_earths_is_live": live,
        "maps": maps,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for name, m in maps.items():
        shares_text = ", ".join(f"{k} {s:.0%}" for k, s in m["verdict_shares"].items())
        print(f"{name}: {m['points']} points; verdicts {shares_text}; paths {', '.join(m['paths'])}")
    print(f"restricted rare earths live: {live}\nResults in {out}/")
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(*args[:1], size="smoke" if "--smoke" in sys.argv else "full", workers=2)
