"""How robust is the Madrid verdict to everything the scenario declares uncertain?

Question. The Madrid scenario's numbers are judgement calls, and the file declares a
distribution for many of them (``[uncertainty]`` in ``negotiation/scenarios/madrid_2025.toml``:
each side's value of the status quo and of what escalation brings, the US utility of the
fentanyl rollback, the breakdown probability and the share of breakdowns that escalate, the
risk that a threat escalates anyway, and the cost and effects of both pre-talk moves). Over that
uncertainty: how likely is a truce, how often is the verdict still the headline's, which
judgements matter most, and how far must any one of them move to change the verdict?

What is measured (with :mod:`negotiation.study`, every value of a point solved by
:func:`negotiation.study.points.solve_points`):

* a scrambled Sobol' sweep over the declared distributions
  (:func:`negotiation.study.sweep.run_sweep`, checkpointed; full size 4,096 points, smoke 64):
  the mean P(truce) with a 95% interval (:func:`negotiation.study.uncertainty.truce_probability`:
  the normal/CLT interval, conservative for Sobol' points, and a seeded bootstrap), the share
  of points whose verdict (moves played -> what the talks settle on) is the headline's (Wilson
  interval), and
  the share of each equilibrium path;
* first-order and total Sobol' indices of P(truce) and of the indicator "the verdict is the
  headline's" (:func:`negotiation.study.sobol.sobol_sensitivity`, ``scipy.stats.sobol_indices``;
  full size n = 512, i.e. 7,168 evaluations; smoke n = 16) with bootstrap intervals;
* a tornado of P(truce), each value from its 5% to its 95% quantile, the others as in the file;
* verdict flips: for each declared value, the smallest decrease and increase (within its
  distribution's 0.1%-99.9% quantile span, to 1e-4) that changes the verdict (the path or the
  package), and the smallest that changes the moves played.

Writes to ``OUT`` (default ``results/experiments/madrid_robustness``): ``sweep/`` (the
sweep table), ``summary.json``, ``sobol_indices.csv``, ``tornado.csv``, ``verdict_flips.csv``,
``path_shares.csv``, ``findings.md`` (the figures measured, in words) and, in ``figures/``
(PNG and PDF): ``truce_probability``, ``sobol_p_truce``, ``sobol_verdict``, ``tornado`` and
``outcome_top_two`` (phase map over the two values with the largest total Sobol' index).

Run: ``python experiments/madrid_robustness.py [OUT] [--smoke]``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import pandas as pd

from negotiation.io.config import default_config_path, read_config
from negotiation.study.design import sweep_design
from negotiation.study.one_at_a_time import tornado_data, verdict_flips
from negotiation.study.sobol import sobol_sensitivity
from negotiation.study.sweep import CheckpointConflict, run_sweep
from negotiation.study.uncertainty import (
    VERDICT_PREFIX,
    headline,
    truce_probability,
    verdict_share,
    verdicts,
)
from negotiation.viz.figures import save_figure
from negotiation.viz.phase_map import plot_phase_map
from negotiation.viz.sensitivity_figures import (
    plot_sobol_indices,
    plot_tornado,
    plot_truce_probability,
)
from negotiation.viz.style import describe

NAME = "madrid_robustness"
SEED = 20250914
#: size -> sweep points, Sobol' n, verdict-flip grid points, bootstrap resamples
SIZES = {
    "full": {"sweep": 4096, "sobol": 512, "flip_grid": 64, "resamples": 999},
    "smoke": {"sweep": 64, "sobol": 16, "flip_grid": 8, "resamples": 99},
}


def run_sobol_sweep(config: dict, samples: int, out: Path, *, source: str, workers: int = 1):
    """The Sobol' sweep over the declared uncertainty into ``out`` (resumed if there, replaced
    if ``out`` holds another sweep)."""
    design = sweep_design(config, source=source, overrides={
        "design": "sobol", "samples": samples, "seed": SEED, "parameters": {}, "chunk_size": min(samples, 512)})
    try:
        return run_sweep(config, design, out, source=source, resume=True, workers=workers)
    except CheckpointConflict as conflict:
        print(f"replacing an older sweep: {conflict}")
        return run_sweep(config, design, out, source=source, force=True, workers=workers)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}g}"


def main(out_dir: str | Path = f"results/experiments/{NAME}", size: str = "full", workers: int = 1) -> Path:
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    sizes = SIZES[size]
    out = Path(out_dir)
    path = default_config_path()
    config = read_config(path)
    title = config["scenario"]["title"]
    timings: dict[str, float] = {}

    start = time.perf_counter()
    head = headline(config, source=path.name)
    result = run_sobol_sweep(config, sizes["sweep"], out / "sweep", source=path.name, workers=workers)
    table = result.table
    timings["sweep"] = time.perf_counter() - start

    normal = truce_probability(table, design="sobol")
    boot = truce_probability(table, method="bootstrap", design="sobol", seed=SEED, n_resamples=2000)
    share = verdict_share(table, head.verdict)
    paths = table["equilibrium_path"].value_counts(normalize=True).rename_axis("equilibrium_path")
    paths.rename("share").reset_index().to_csv(out / "path_shares.csv", index=False)
    save_figure(plot_truce_probability(table, normal, scenario=title, headline=head.p_truce), out / "figures",
                "truce_probability")

    start = time.perf_counter()
    verdict_output = f"{VERDICT_PREFIX}{head.verdict}"
    sobol = sobol_sensitivity(config, outputs=("p_truce", verdict_output), samples=sizes["sobol"], seed=SEED,
                              source=path.name, n_resamples=sizes["resamples"],
                              checkpoint_dir=out / "sobol_checkpoints")
    timings["sobol"] = time.perf_counter() - start
    sobol.table().to_csv(out / "sobol_indices.csv", index=False)
    save_figure(plot_sobol_indices(sobol, "p_truce", config=config), out / "figures", "sobol_p_truce")
    save_figure(plot_sobol_indices(sobol, verdict_output, config=config), out / "figures", "sobol_verdict")
    top = sobol.table().query("output == 'p_truce'")
    x, y = top["key_path"].iloc[0], top["key_path"].iloc[1]
    fig = plot_phase_map(table, x, y, scenario=title, bins=min(20, max(2, int(len(table) ** 0.5 / 3))))
    ax = fig.axes[0]
    ax.set_title(ax.get_title().replace(": ", "\n", 1))
    ax.set_xlabel(describe(x, config))
    ax.set_ylabel(describe(y, config))
    save_figure(fig, out / "figures", "outcome_top_two")

    start = time.perf_counter()
    tornado = tornado_data(config, source=path.name)
    tornado.table().to_csv(out / "tornado.csv", index=False)
    save_figure(plot_tornado(tornado, config=config), out / "figures", "tornado")
    timings["tornado"] = time.perf_counter() - start

    start = time.perf_counter()
    flips = verdict_flips(config, source=path.name, grid_points=sizes["flip_grid"])
    flips.table().to_csv(out / "verdict_flips.csv", index=False)
    timings["verdict_flips"] = time.perf_counter() - start

    summary = {
        "scenario": title,
        "size": size,
        "headline": head.__dict__,
        "sweep": {"design": "sobol", "points": len(table), "seed": SEED},
        "truce_probability": normal.__dict__,
        "truce_probability_bootstrap": boot.__dict__,
        "headline_verdict_share": share.__dict__,
        "path_shares": {str(k): float(v) for k, v in paths.items()},
        "sobol": {"samples": sobol.samples, "evaluations": sobol.evaluations, "method": sobol.method},
        "verdict_flips": {"search": flips.search, "grid_points": flips.grid_points, "tolerance": flips.tolerance,
                          "evaluations": flips.evaluations},
        "seconds": timings,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "findings.md").write_text(findings(title, size, head, table, normal, boot, share, paths, sobol,
                                              verdict_output, tornado, flips, timings), encoding="utf-8")
    print((out / "findings.md").read_text(encoding="utf-8"))
    print(f"Results in {out}/")
    return out


def where_it_differs(table: pd.DataFrame, verdict: str, key_paths) -> list[tuple[str, float]]:
    """Each key path's mean over the points whose verdict is not ``verdict``, minus its mean
    over all points, in standard deviations; largest first."""
    other = verdicts(table) != verdict
    if not other.any():
        return []
    shifts = []
    for key in key_paths:
        values = table[key].to_numpy(dtype=float)
        sd = values.std()
        shifts.append((key, float((values[other].mean() - values.mean()) / sd) if sd > 0 else 0.0))
    return sorted(shifts, key=lambda item: -abs(item[1]))


def findings(title, size, head, table, normal, boot, share, paths, sobol, verdict_output, tornado, flips,
             timings) -> str:
    """The measured figures in words (nothing here is typed in by hand)."""
    names = verdicts(table)
    verdict_counts = {str(o): int((names == o).sum()) for o in sorted(set(names.tolist()), key=lambda o: -(names == o).sum())}
    lines = [f"# Robustness of the Madrid verdict ({size} size)", "",
             f"Scenario: {title}. Headline as in the file: **{head.verdict}**, moves played "
             f"`{head.equilibrium_path}`, P(truce) = {head.p_truce:.3f}.", "",
             "## P(truce) under the declared uncertainty", "",
             f"- Sobol' sweep of {len(table):,} points over the 12 declared distributions "
             f"({normal.n_invalid} invalid).",
             f"- Mean P(truce) = **{normal.mean:.3f}**, {normal.confidence:.0%} CI "
             f"[{normal.ci_low:.3f}, {normal.ci_high:.3f}] ({normal.method}).",
             f"- Seeded bootstrap: [{boot.ci_low:.3f}, {boot.ci_high:.3f}].",
             f"- Verdict = {head.verdict} (the headline's) at **{share.share:.1%}** of the points "
             f"({share.count:,} of {share.n:,}; Wilson {share.confidence:.0%} CI "
             f"[{share.ci_low:.1%}, {share.ci_high:.1%}]).",
             "- Verdicts: " + "; ".join(f"{o} {c / len(table):.1%}" for o, c in verdict_counts.items()) + ".",
             "- Moves played: " + "; ".join(f"`{k}` {v:.1%}" for k, v in paths.items()) + ".", "",
             f"Where the verdict is not {head.verdict}: the declared values whose mean there differs most "
             "from their mean over all points (in standard deviations):", ""]
    for key, shift in where_it_differs(table, head.verdict, sobol.key_paths)[:4]:
        lines.append(f"- `{key}`: {shift:+.2f} sd")
    lines += ["",
             "## Which judgements matter (Sobol' indices)", "",
             f"{sobol.method}; {sobol.evaluations:,} model evaluations.", "",
             "| output | key path | first order | total |", "|---|---|---|---|"]
    frame = sobol.table()
    for output in ("p_truce", verdict_output):
        for _, row in frame[frame["output"] == output].head(4).iterrows():
            ci = ""
            if "total_order_low" in row:
                ci = f" [{row['total_order_low']:.2f}, {row['total_order_high']:.2f}]"
            lines.append(f"| {output} | `{row['key_path']}` | {row['first_order']:.3f} | "
                         f"{row['total_order']:.3f}{ci} |")
    share_first = frame[frame["output"] == "p_truce"]["first_order"].clip(lower=0).sum()
    lines += ["", f"Sum of first-order indices of P(truce): {share_first:.2f} (the rest of the variance "
              "comes from interactions).", "",
              "## One at a time (tornado of P(truce))", "",
              f"Each value at {tornado.ranges}, the others as in the file.", ""]
    for bar in tornado.bars[:5]:
        lines.append(f"- `{bar.key_path}` {bar.low:.3g} → {bar.high:.3g}: P(truce) {bar.output_low:.3f} → "
                     f"{bar.output_high:.3f} (verdict {bar.verdict_low} / {bar.verdict_high}; moves "
                     f"`{bar.path_low}` / `{bar.path_high}`)")
    lines += ["", "## What flips the verdict (one value at a time)", "",
              f"Searched: {flips.search}; scan of {flips.grid_points} points a side, refined to "
              f"{flips.tolerance:g}; {flips.evaluations:,} evaluations.", ""]
    flipping = [f for f in flips.flips if f.down_value is not None or f.up_value is not None]
    for f in flipping:
        for side, value, verdict, moves, until, width in (
                ("down", f.down_value, f.down_verdict, f.down_path, f.down_until, f.down_width),
                ("up", f.up_value, f.up_verdict, f.up_path, f.up_until, f.up_width)):
            if value is not None:
                extent = (f"back to {flips.base_verdict} at {until:.4f}: a sliver {abs(width):.2g} wide"
                          if until is not None else f"holds to the end of the range ({abs(width):.3g})")
                lines.append(f"- `{f.key_path}` {side} from {f.base_value:g} to {value:.4f} "
                             f"(change {value - f.base_value:+.4f}): verdict **{verdict}**, moves `{moves}`; "
                             f"{extent}")
    if not flipping:
        lines.append("- No single value flips the verdict within its range.")
    quiet = [f.key_path for f in flips.flips if f.down_value is None and f.up_value is None]
    if quiet and flipping:
        lines.append(f"- No flip within the range: {', '.join(f'`{k}`' for k in quiet)}.")
    moves = [f for f in flips.flips if f.path_down_value is not None or f.path_up_value is not None]
    lines += ["", "Smallest changes of the moves played (the verdict may stay):", ""]
    for f in moves:
        parts = []
        if f.path_down_value is not None:
            parts.append(f"down to {f.path_down_value:.4f} → `{f.path_down_to}`")
        if f.path_up_value is not None:
            parts.append(f"up to {f.path_up_value:.4f} → `{f.path_up_to}`")
        lines.append(f"- `{f.key_path}` (base {f.base_value:g}): " + "; ".join(parts))
    lines += ["", "## Caveats", "",
              "- The verdict is the most probable outcome on the headline equilibrium path; "
              "P(truce) is that path's probability, not an average over equilibria.",
              "- The CI treats the Sobol' points as if independent (conservative); the declared "
              "distributions are themselves judgements, and the values are sampled independently.",
              "- Flips are one value at a time from the file's values; the Sobol' indices show how "
              "much of P(truce)'s variance comes from interactions that one-at-a-time search cannot see.",
              "", "Seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(*args[:1], size="smoke" if "--smoke" in sys.argv else "full", workers=2)
