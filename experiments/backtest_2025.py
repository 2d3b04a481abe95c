"""How often has the model been right about the 2025 rounds, predicting each from earlier ones only?

Question. Given the state of play before a round of the 2025 US–China talks, what does the model
say each side will do, and how good is that forecast against naive baselines? For each decision
point of ``negotiation/scenarios/us_china_2025.toml`` from Geneva onward, the model is the
scenario as it could be written on the eve of that round (``as_of`` the day before; only the
rounds up to it, its own outcome removed; no issue level that only later decisions create), with
each side's precision of logit play fitted by maximum likelihood on the earlier rounds only
(:func:`negotiation.study.backtest.backtest`). The forecast is the probability it gives to what
was done; its natural log is the log score (higher is better, 0 is certainty of the truth).
Baselines: uniform (every action equally likely) and persistence (each side repeats the kind of
its previous choice, conciliatory or firm, with probability 0.9).

Writes to ``OUT`` (default ``results/experiments/backtest_2025``): ``backtest.csv`` (a row per
decision point: ``round``, ``date``, ``observed``, ``p_observed``, ``log_score``,
``p_persistence``, ``p_uniform``, ``fitted_on``, and the fitted precisions ``lambda_1``,
``lambda_2``), ``summary.json`` (total log scores of the model and both baselines), and
``figures/backtest.png/.pdf`` (the three log scores per round).

Run: ``python experiments/backtest_2025.py [--out OUT] [--smoke]`` (smoke: the first four
rounds, a coarser search).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib
import numpy as np

from negotiation.io.config import default_config_path, read_config
from negotiation.study.backtest import backtest
from negotiation.viz.style import OUTCOME_COLOURS, STYLE, new_axes, save_figure

NAME = "backtest_2025"


def main(out_dir: str | Path | None = None, *, smoke: bool = False) -> Path:
    out = Path(out_dir) if out_dir else Path("results") / "experiments" / NAME
    out.mkdir(parents=True, exist_ok=True)
    path = default_config_path("us_china_2025")
    table = backtest(read_config(path), source=path.name, last=3 if smoke else None, grid=3 if smoke else 5)
    table.to_csv(out / "backtest.csv", index=False)
    totals = {
        "model": float(table["log_score"].sum()),
        "persistence": float(np.log(table["p_persistence"]).sum()),
        "uniform": float(np.log(table["p_uniform"]).sum()),
    }
    summary = {"question": __doc__.split("\n\n")[1].replace("\n", " ").removeprefix("Question. "),
               "scenario": path.stem, "rounds": len(table), "total_log_score": totals,
               "worst_round": table.loc[table["log_score"].idxmin(), "round"]}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    save_figure(_figure(table), out / "figures", "backtest")
    print(f"{len(table)} rounds; total log score: model {totals['model']:.2f}, persistence "
          f"{totals['persistence']:.2f}, uniform {totals['uniform']:.2f}\nResults in {out}/")
    return out


def _figure(table):
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(None, height=3.8)
        x = np.arange(len(table))
        width = 0.27
        series = [("model (fitted on earlier rounds)", np.log(table["p_observed"].clip(lower=1e-12)), OUTCOME_COLOURS["truce"]),
                  ("persistence", np.log(table["p_persistence"]), "#8d99ae"),
                  ("uniform", np.log(table["p_uniform"]), "#e9c46a")]
        for k, (label, values, colour) in enumerate(series):
            ax.bar(x + (k - 1) * width, values, width, label=label, color=colour, edgecolor="#333333", lw=0.4)
        ax.axhline(0, color="#333333", lw=0.6)
        ax.set_xticks(x, [f"{r.replace('_', chr(10))}\n{d[5:]}" for r, d in zip(table["round"], table["date"], strict=True)],
                      fontsize=7.5)
        ax.set_ylabel("log score of what was done\n(natural log; 0 = certain and right)")
        ax.set_title("US–China 2025: each round forecast from earlier rounds only")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, frameon=False, fontsize=8)
    return fig


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--smoke", action="store_true", help="the first four rounds only")
    args = parser.parse_args()
    main(args.out, smoke=args.smoke)
    sys.exit(0)
