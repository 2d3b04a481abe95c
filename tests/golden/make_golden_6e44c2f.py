"""Freeze golden outputs of commit 6e44c2f (before the single-model refactor)."""
import json, subprocess, sys
from pathlib import Path
import numpy as np
from scipy.stats import qmc

from negotiation.config import default_config_path, read_config, scenario_from_dict, with_overrides
from negotiation.analysis import analyze
from negotiation.report import summary_dict
from negotiation.batch import solve_points, solve_points_reference
from negotiation.scenario import stage_game
from negotiation.solvers.qre import trace_principal_branch

OUT = Path("tests/golden")
RULES = ["logit_qre", "payoff_dominant", "risk_dominant", "utilitarian"]

def dump(name, data):
    (OUT / name).write_text(json.dumps(data, indent=1, sort_keys=True, allow_nan=True) + "\n")

# 1. summaries
for scen in ["madrid_2025", "madrid_2025_bargaining"]:
    base = read_config(default_config_path(scen))
    rules = RULES if scen == "madrid_2025" else [base.get("solver", {}).get("selection_rule", "payoff_dominant")]
    for rule in rules:
        cfg = with_overrides(base, {"solver.selection_rule": rule}) if "solver" in base and "selection_rule" in base["solver"] else dict(base, solver={**base.get("solver", {}), "selection_rule": rule})
        d = summary_dict(analyze(scenario_from_dict(cfg, source=f"{scen}.toml")))
        dump(f"summary_{scen}_{rule}.json", d)

# 2. point sets
KEYS = [
    ("sides.us.outcomes.deadlock", 0.3, 0.9), ("sides.china.outcomes.deadlock", 0.3, 0.9),
    ("sides.us.outcomes.escalation", 0.0, 0.4), ("sides.china.outcomes.escalation", 0.0, 0.4),
    ("moves.entity_listing.cost", -0.01, 0.2), ("moves.anti_dumping_probe.harm", 0.0, 0.1),
    ("moves.entity_listing.effects.deadlock_shift.china", -0.4, 0.1),
    ("moves.anti_dumping_probe.effects.breakdown_shift", -0.2, 0.3),
    ("talks.breakdown_probability", -0.05, 0.5), ("sides.us.weights.tariffs", 0.0, 1.05),
    ("sides.china.utilities.tariffs[3]", 0.0, 1.0),
]
sampler = qmc.Sobol(len(KEYS), seed=11)
u = sampler.random(256)
vals = {k: lo + (hi - lo) * u[:, j] for j, (k, lo, hi) in enumerate(KEYS)}
# some exact ties / degenerate stages: equal deadlock and escalation
vals["sides.us.outcomes.escalation"][:8] = vals["sides.us.outcomes.deadlock"][:8]
base = read_config(default_config_path("madrid_2025"))
for rule in RULES:
    cfg = with_overrides(base, {"solver.selection_rule": rule})
    table = solve_points(cfg, vals, source="madrid_2025.toml")
    dump(f"points_madrid_2025_{rule}.json", {"overrides": {k: v.tolist() for k, v in vals.items()}, "rows": json.loads(table.to_json(orient="records"))})

bbase = read_config(default_config_path("madrid_2025_bargaining"))
BK = [("moves.entity_listing.cost", 0.0, 0.05), ("moves.entity_listing.harm", 0.0, 0.06),
      ("sides.us.outcomes.deadlock", 0.4, 0.8), ("talks.breakdown_probability", 0.0, 0.3)]
u = qmc.Sobol(len(BK), seed=5).random(32)
bvals = {k: lo + (hi - lo) * u[:, j] for j, (k, lo, hi) in enumerate(BK)}
table = solve_points_reference(bbase, bvals, source="madrid_2025_bargaining.toml")
dump("points_madrid_2025_bargaining.json", {"overrides": {k: v.tolist() for k, v in bvals.items()}, "rows": json.loads(table.to_json(orient="records"))})

# 3. QRE limits of Madrid stage games (Gambit-checked at stop 7)
rng = np.random.default_rng(3)
games = []
for i in range(60):
    point = {k: float(lo + (hi - lo) * rng.random()) for k, lo, hi in KEYS[:4] + KEYS[6:8]}
    sc = scenario_from_dict(with_overrides(base, point), source="m")
    for played in ([], [sc.moves[0]], [sc.moves[1]], list(sc.moves)):
        st = stage_game(sc, played)
        br = trace_principal_branch(st.A, st.B)
        games.append({"A": st.A.tolist(), "B": st.B.tolist(), "row": br.limit[0].tolist(), "column": br.limit[1].tolist(), "converged": br.converged})
dump("qre_limits_madrid_stages.json", games)
print("ok")
