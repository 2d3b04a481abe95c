"""Sensitivity analysis: P(truce) with a CI, Sobol' indices, tornado, verdict flips, figures.

Expected numbers are derived by hand (comments) or from closed forms (linear model, Ishigami).
The toy scenario is tests/conftest.py's TOY; its derivations are repeated where used.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from negotiation.io.config import default_config_path, read_config
from negotiation.study.one_at_a_time import tornado_data, verdict_flips
from negotiation.study.points import solve_points
from negotiation.study.sobol import sobol_analysis, sobol_sensitivity
from negotiation.study.uncertainty import (
    declared_uncertainty,
    headline,
    truce_probability,
    verdict_share,
    verdicts,
)
from negotiation.viz.style import describe
from tests.conftest import TOY

B_SHIFT = "moves.threat.effects.deadlock_shift.b"
B_DEADLOCK = "sides.b.outcomes.deadlock"
BREAKDOWN_SHIFT = "moves.threat.effects.breakdown_shift"
COST = "moves.threat.cost"
TOL = 1e-4


@pytest.fixture(scope="module")
def madrid() -> dict:
    return read_config(default_config_path())


def table(p_truce, p_deadlock=None, status=None) -> pd.DataFrame:
    p_truce = np.asarray(p_truce, dtype=float)
    p_deadlock = 1 - p_truce if p_deadlock is None else np.asarray(p_deadlock, dtype=float)
    frame = pd.DataFrame({"p_truce": p_truce, "p_deadlock": p_deadlock,
                          "p_escalation": 1 - p_truce - p_deadlock})
    if status is not None:
        frame["status"] = status
    return frame


# ---------------------------------------------------------------- verdicts


def test_verdict_is_the_most_probable_outcome_ties_in_outcome_order():
    t = pd.DataFrame({"p_truce": [0.85, 0.5, 0.0, 0.2, np.nan, 0.4],
                      "p_deadlock": [0.15, 0.5, 0.3, 0.4, np.nan, 0.2],
                      "p_escalation": [0.0, 0.0, 0.7, 0.4, np.nan, 0.4]})
    # 0.5/0.5: truce first; 0.4/0.4 deadlock/escalation: deadlock first; 0.4 truce vs 0.4 escalation: truce
    assert verdicts(t).tolist() == ["truce", "truce", "escalation", "deadlock", "", "truce"]


def test_headline_of_the_toy_is_a_truce_bought_by_the_threat(toy_config):
    # conftest: with the threat b's deadlock payoff is 0.3 - 0.4 = -0.1 < 0, so b concedes to
    # a's hold (a_favoured, breaking down with q = 0.2): p_truce 0.8; a gets 0.88 - 0.05 = 0.83
    # > 0.4 (deadlock without the threat), so a plays it.
    h = headline(toy_config)
    assert (h.verdict, h.equilibrium_path, h.status) == ("threat -> a_favoured", "threat", "ok")
    assert_allclose([h.p_truce, h.p_deadlock, h.p_escalation], [0.8, 0.2, 0.0], atol=1e-12)


# ---------------------------------------------------------------- P(truce)


def test_truce_probability_normal_interval_by_hand():
    t = table([0.8, 0.9, 1.0, 0.7, np.nan, 0.95], status=["ok", "ok", "degenerate", "ok", "invalid", "invalid"])
    t.loc[5, "p_truce"] = 0.95  # an invalid row with a number is still left out
    r = truce_probability(t, confidence=0.95)
    # valid: 0.8, 0.9, 1.0, 0.7 -> mean 0.85; deviations ±0.05, ±0.15: s^2 = 0.05 / 3;
    # se = s / 2 = 0.0645497; z = 1.959964; half width 0.126515
    se = math.sqrt(0.05 / 3) / 2
    assert (r.n, r.n_invalid) == (4, 2)
    assert_allclose([r.mean, r.std_error], [0.85, se], atol=1e-12)
    assert_allclose([r.ci_low, r.ci_high], [0.85 - 1.959964 * se, 0.85 + 1.959964 * se], atol=1e-6)
    assert "normal" in r.method and r.confidence == 0.95


def test_truce_probability_is_clipped_and_names_the_design():
    # mean 0.99, s = 0.01732, se = 0.01, half width 0.0196: upper end 1.0096 clipped to 1
    r = truce_probability(table([0.97, 1.0, 1.0]), design="sobol")
    assert_allclose(r.mean, 0.99, atol=1e-12)
    assert r.ci_high == 1.0 and r.ci_low == pytest.approx(0.99 - 1.959964 * 0.01, abs=1e-6)
    assert "Sobol" in r.method and "conservative" in r.method


def test_truce_probability_bootstrap_is_seeded_and_agrees_with_the_clt_on_a_large_sample():
    values = np.random.default_rng(7).uniform(0, 1, 2000)
    a = truce_probability(table(values), method="bootstrap", seed=3, n_resamples=2000)
    b = truce_probability(table(values), method="bootstrap", seed=3, n_resamples=2000)
    normal = truce_probability(table(values))
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    # uniform values: sd 1/sqrt(12) = 0.2887, se 0.00645, half width 0.01265
    assert_allclose([a.ci_low, a.ci_high], [normal.ci_low, normal.ci_high], atol=0.002)
    assert_allclose(normal.ci_high - normal.ci_low, 2 * 1.959964 * values.std(ddof=1) / math.sqrt(2000), atol=1e-9)
    constant = truce_probability(table([0.4] * 5), method="bootstrap")
    assert (constant.ci_low, constant.ci_high) == pytest.approx((0.4, 0.4))


def test_truce_probability_with_no_or_one_valid_point():
    none = truce_probability(table([np.nan, np.nan]))
    assert none.n == 0 and none.n_invalid == 2 and math.isnan(none.mean) and math.isnan(none.ci_low)
    one = truce_probability(table([0.3]))
    assert one.mean == 0.3 and math.isnan(one.ci_high)
    with pytest.raises(ValueError, match="method"):
        truce_probability(table([0.3]), method="wald")


def test_verdict_share_wilson_interval_by_hand():
    # verdicts truce, deadlock, truce, truce, (invalid): k = 3, n = 4, z = 1.959964
    # centre = (0.75 + z^2/8) / (1 + z^2/4) = 0.627523; half = z sqrt(0.75*0.25/4 + z^2/64) / (1 + z^2/4)
    t = table([0.9, 0.2, 0.8, 0.7, np.nan])
    s = verdict_share(t, "truce")
    z = 1.959964
    centre = (0.75 + z**2 / 8) / (1 + z**2 / 4)
    half = z * math.sqrt(0.75 * 0.25 / 4 + z**2 / 64) / (1 + z**2 / 4)
    assert (s.count, s.n, s.n_invalid, s.share) == (3, 4, 1, 0.75)
    assert_allclose([s.ci_low, s.ci_high], [centre - half, centre + half], atol=1e-6)


# ---------------------------------------------------------------- Sobol' indices


@dataclass(frozen=True)
class SobolCase:
    name: str
    model: object
    dists: dict
    first: list
    total: list
    samples: int
    atol: float


def _linear(x):
    return {"y": 1.0 * x["x1"] + 2.0 * x["x2"] + 3.0 * x["x3"]}


def _ishigami(x, a=7.0, b=0.1):
    return {"y": np.sin(x["x1"]) + a * np.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * np.sin(x["x1"])}


def _ishigami_indices(a=7.0, b=0.1):
    # Ishigami & Homma (1990), X_i ~ U(-pi, pi):
    # V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2; V2 = a^2/8; V3 = 0;
    # V13 = b^2 pi^8 (1/18 - 1/50) = 8 b^2 pi^8 / 225. S = (V1, V2, 0)/V, ST = (V1 + V13, V2, V13)/V.
    pi = math.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + b * pi**4 / 5) ** 2, a**2 / 8, 8 * b**2 * pi**8 / 225
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


_UNIFORM = {f"x{i}": stats.uniform() for i in (1, 2, 3)}
_PI = {f"x{i}": stats.uniform(loc=-math.pi, scale=2 * math.pi) for i in (1, 2, 3)}
SOBOL_CASES = [
    # linear y = sum a_i x_i, independent U(0,1): S_i = S_Ti = a_i^2 / sum a_j^2 = (1, 4, 9) / 14
    SobolCase("linear", _linear, _UNIFORM, [1 / 14, 4 / 14, 9 / 14], [1 / 14, 4 / 14, 9 / 14], 4096, 0.02),
    SobolCase("ishigami", _ishigami, _PI, *_ishigami_indices(), 8192, 0.03),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in SOBOL_CASES])
def test_sobol_indices_match_the_closed_form(case: SobolCase):
    r = sobol_analysis(case.model, case.dists, outputs=["y"], samples=case.samples, seed=1, n_resamples=200)
    assert r.key_paths == ("x1", "x2", "x3") and r.outputs == ("y",)
    assert_allclose(r.first_order[0], case.first, atol=case.atol)
    assert_allclose(r.total_order[0], case.total, atol=case.atol)
    # n (d + 2) evaluations in three batched calls (A, B, then every A_B at once)
    assert (r.evaluations, r.model_calls) == (case.samples * 5, 3)
    assert r.first_order_ci.shape == (2, 1, 3)
    assert (r.first_order_ci[0] <= r.first_order_ci[1]).all()
    assert (np.asarray(case.total) >= r.total_order_ci[0, 0] - case.atol).all()
    assert (np.asarray(case.total) <= r.total_order_ci[1, 0] + case.atol).all()


def test_sobol_is_reproducible_by_seed_and_checks_its_inputs():
    a = sobol_analysis(_linear, _UNIFORM, outputs=["y"], samples=64, seed=5, n_resamples=50)
    b = sobol_analysis(_linear, _UNIFORM, outputs=["y"], samples=64, seed=5, n_resamples=50)
    assert_allclose(a.first_order, b.first_order, atol=0) and (a.total_order_ci == b.total_order_ci).all()
    with pytest.raises(ValueError, match="power of two"):
        sobol_analysis(_linear, _UNIFORM, outputs=["y"], samples=100)

    def half_invalid(x):
        y = _linear(x)["y"]
        return {"y": np.where(x["x1"] > 0.5, np.nan, y)}

    with pytest.raises(ValueError, match="invalid points"):
        sobol_analysis(half_invalid, _UNIFORM, outputs=["y"], samples=16, bootstrap=False)


def test_sobol_of_a_constant_output_is_zero():
    r = sobol_analysis(lambda x: {"y": np.zeros_like(x["x1"])}, _UNIFORM, outputs=["y"], samples=32,
                       n_resamples=20)
    assert (r.first_order == 0).all() and (r.total_order == 0).all() and r.variance[0] == 0


def test_an_interrupted_sobol_analysis_resumes_from_its_checkpoints(madrid, tmp_path):
    keys = list(declared_uncertainty(madrid))[:3]
    options = dict(outputs=("p_truce",), samples=16, seed=3, key_paths=keys, bootstrap=False)
    plain = sobol_sensitivity(madrid, **options)  # 16 * (3 + 2) = 80 points
    calls: list[int] = []

    def failing(base, overrides, **kwargs):
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the fourth chunk
        calls.append(len(next(iter(overrides.values()))))
        return solve_points(base, overrides, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        sobol_sensitivity(madrid, **options, checkpoint_dir=tmp_path, chunk_size=8, solver=failing)
    assert len(list(tmp_path.glob("*.parquet"))) == 3  # the chunks finished before the interruption

    def counting(base, overrides, **kwargs):
        calls.append(len(next(iter(overrides.values()))))
        return solve_points(base, overrides, **kwargs)

    calls.clear()
    resumed = sobol_sensitivity(madrid, **options, checkpoint_dir=tmp_path, chunk_size=8, solver=counting)
    assert sum(calls) == 80 - 3 * 8  # nothing finished is solved again
    assert np.array_equal(resumed.first_order, plain.first_order)
    assert np.array_equal(resumed.total_order, plain.total_order)
    calls.clear()
    again = sobol_sensitivity(madrid, **options, checkpoint_dir=tmp_path, chunk_size=8, solver=counting)
    assert calls == [] and np.array_equal(again.total_order, plain.total_order)


def test_sobol_on_madrid_smoke(madrid):
    r = sobol_sensitivity(madrid, outputs=("p_truce", "verdict_truce"), samples=16, seed=0, n_resamples=50)
    declared = list(declared_uncertainty(madrid))
    k = len(madrid["uncertainty"])  # every distribution the file declares
    assert len(declared) == k >= 10 and list(r.key_paths) == declared
    assert r.first_order.shape == r.total_order.shape == (2, k)
    assert r.evaluations == 16 * (k + 2)
    assert np.isfinite(r.first_order).all() and np.isfinite(r.total_order).all()
    # [0, 1]-ish: with n = 16 the estimators are noisy, but bounded well within this
    assert (r.total_order >= 0).all() and (r.total_order <= 2).all()
    assert (r.first_order >= -1).all() and (r.first_order <= 1.5).all()
    assert r.scenario.startswith("US–China") and set(r.table()["output"]) == {"p_truce", "verdict_truce"}


# ---------------------------------------------------------------- tornado


def test_tornado_on_the_toy(toy_config):
    # One at a time from the base (shift -0.4, cost 0.05, breakdown shift 0.2; with the
    # threat b's deadlock payoff is 0.3 + shift and b concedes iff it is < 0):
    # * shift -0.5 -> b at -0.2 concedes: p_truce 1 - 0.2 = 0.8; shift -0.2 -> b at +0.1 holds,
    #   the talks deadlock, a keeps 0.35 < 0.4 and refrains: p_truce 0. Swing 0.8.
    # * breakdown shift 0.1 / 0.3 -> q = 0.1 / 0.3, b still concedes: p_truce 0.9 / 0.7. Swing 0.2.
    # * cost 0 / 0.1: a plays while 0.88 - cost > 0.4, i.e. cost < 0.48: p_truce 0.8 both. Swing 0.
    t = tornado_data(toy_config, [COST, B_SHIFT, BREAKDOWN_SHIFT],
                     low_high={COST: (0.0, 0.1), B_SHIFT: (-0.5, -0.2), BREAKDOWN_SHIFT: (0.1, 0.3)})
    assert [b.key_path for b in t.bars] == [B_SHIFT, BREAKDOWN_SHIFT, COST]
    assert_allclose([[b.output_low, b.output_high, b.swing] for b in t.bars],
                    [[0.8, 0.0, 0.8], [0.9, 0.7, 0.2], [0.8, 0.8, 0.0]], atol=1e-9)
    assert (t.base_output, t.base_verdict, t.base_path) == (pytest.approx(0.8), "threat -> a_favoured", "threat")
    shift = t.bars[0]
    assert (shift.verdict_low, shift.verdict_high, shift.path_low, shift.path_high) == (
        "threat -> a_favoured", "none -> deadlock", "threat", "none")
    assert shift.base == -0.4 and t.scenario == "Toy talks" and "given" in t.ranges


def test_tornado_defaults_to_the_declared_quantiles(toy_config):
    # declared: breakdown shift ~ U(0.1, 0.3): 5% and 95% quantiles 0.11 and 0.29,
    # p_truce = 1 - q = 0.89 and 0.71
    toy_config["uncertainty"] = {BREAKDOWN_SHIFT: {"distribution": "uniform", "low": 0.1, "high": 0.3}}
    t = tornado_data(toy_config)
    (bar,) = t.bars
    assert_allclose([bar.low, bar.high, bar.output_low, bar.output_high], [0.11, 0.29, 0.89, 0.71], atol=1e-9)
    assert "quantiles" in t.ranges
    with pytest.raises(KeyError, match="low_high"):
        tornado_data(toy_config, [COST])


def test_plot_tornado(toy_config):
    from matplotlib.figure import Figure

    from negotiation.viz.sensitivity_figures import plot_tornado

    t = tornado_data(toy_config, [B_SHIFT, COST], low_high={B_SHIFT: (-0.5, -0.2), COST: (0.0, 0.1)})
    fig = plot_tornado(t, config=toy_config)
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and "Toy talks" in ax.get_title()
    assert "probability" in ax.get_xlabel()
    ticks = [" ".join(tick.get_text().split("\n")) for tick in ax.get_yticklabels()]
    assert ticks == [f"{describe(B_SHIFT, toy_config)} [-0.5 … -0.2]", f"{describe(COST, toy_config)} [0 … 0.1]"]
    assert not any("moves." in t for t in ticks)


# ---------------------------------------------------------------- verdict flips


@dataclass(frozen=True)
class FlipCase:
    name: str
    key_path: str
    search: tuple[float, float]
    down: float | None
    down_verdict: str | None
    up: float | None
    up_verdict: str | None
    up_path: str | None
    path_down: float | None
    path_up: float | None
    path_up_to: str | None


FLIP_CASES = [
    # The verdict is the path and the talks outcome: "threat -> a_favoured" at the base.
    # b's deadlock payoff under the threat is 0.3 + s: b concedes iff 0.2 (0.3 + s) > 0.3 + s,
    # i.e. s < -0.3. Above, the talks deadlock and a (0.4 - 0.05 < 0.4) refrains.
    FlipCase("threat_deadlock_shift", B_SHIFT, (-0.7, 0.0), None, None, -0.3, "none -> deadlock", "none",
             None, -0.3, "none"),
    # b's deadlock payoff D: with the threat D - 0.4 < 0 iff D < 0.4 (up: deadlock, as above).
    # Down: for D < 0 b concedes even without the threat (0 > D), a gets the a_favoured package
    # for sure (1.0 > 0.83 with the threat) and refrains: the path changes at D = 0, and with
    # it the verdict (the same package, bought without the threat).
    FlipCase("b_deadlock", B_DEADLOCK, (-0.2, 0.8), 0.0, "none -> a_favoured", 0.4, "none -> deadlock", "none",
             0.0, 0.4, "none"),
    # q = 0.2 + shift: b keeps conceding (-0.1 < 0) and a keeps playing while
    # (1 - q) + 0.4 q - 0.05 > 0.4, i.e. q < 11/12. At q = 0.5 deadlock becomes more likely than
    # the truce, but the talks still settle on a_favoured: a more fragile truce is not another
    # verdict (MODELLING.md rule 5); the verdict flips with the path at 11/12.
    FlipCase("breakdown_shift", BREAKDOWN_SHIFT, (0.0, 0.95), None, None, 11 / 12, "none -> deadlock", "none",
             None, 11 / 12, "none"),
    # a plays iff 0.88 - cost > 0.4, i.e. cost < 0.48; without the threat: deadlock.
    FlipCase("threat_cost", COST, (0.0, 0.7), None, None, 0.48, "none -> deadlock", "none", None, 0.48, "none"),
]


@pytest.fixture(scope="module")
def toy_flips():
    config = copy.deepcopy(TOY)
    return verdict_flips(config, [c.key_path for c in FLIP_CASES],
                         search={c.key_path: c.search for c in FLIP_CASES}, grid_points=20, tolerance=TOL)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in FLIP_CASES])
def test_verdict_flips_on_the_toy_match_the_hand_thresholds(toy_flips, case: FlipCase):
    flip = next(f for f in toy_flips.flips if f.key_path == case.key_path)
    assert (toy_flips.base_verdict, toy_flips.base_path) == ("threat -> a_favoured", "threat")

    def close(found, expected, below):
        # the first value beyond the boundary, within the tolerance of it, on the far side
        if expected is None:
            assert found is None
        else:
            assert found is not None and abs(found - expected) <= TOL + 1e-12
            assert (found <= expected + 1e-12) if below else (found >= expected - 1e-12)

    close(flip.down_value, case.down, below=True)
    close(flip.up_value, case.up, below=False)
    close(flip.path_down_value, case.path_down, below=True)
    close(flip.path_up_value, case.path_up, below=False)
    assert (flip.down_verdict, flip.up_verdict) == (case.down_verdict, case.up_verdict)
    assert flip.up_path == case.up_path and flip.path_up_to == case.path_up_to
    if case.path_down is not None:
        assert flip.path_down_to == "none"
    nearest = min(abs(v - flip.base_value) for v in (case.down, case.up) if v is not None)
    assert flip.smallest_change == pytest.approx(nearest, abs=TOL)
    # every toy flip is monotone: the flipped verdict holds to the end of the range
    assert flip.up_until is None and flip.down_until is None


def test_verdict_flips_stop_at_invalid_values(toy_config):
    # a cost below 0 is invalid: the downward search ends at the last valid grid value (0)
    flips = verdict_flips(toy_config, [COST], search={COST: (-0.2, 0.1)}, grid_points=5)
    (flip,) = flips.flips
    assert flip.search_low == -0.2 and flip.searched_low == pytest.approx(0.0)
    assert flip.down_value is None and flip.up_value is None and flip.searched_high == pytest.approx(0.1)
    assert list(flips.table()["key_path"]) == [COST]


def test_verdict_flips_default_search_uses_the_declared_distribution(toy_config):
    # U(0, 0.95) declared for the breakdown shift: searched up to its 99.9% quantile 0.94905
    toy_config["uncertainty"] = {BREAKDOWN_SHIFT: {"distribution": "uniform", "low": 0.0, "high": 0.95}}
    flips = verdict_flips(toy_config, grid_points=8)
    (flip,) = flips.flips
    assert_allclose([flip.search_low, flip.search_high], [0.00095, 0.94905], atol=1e-9)
    assert flip.up_value == pytest.approx(11 / 12, abs=TOL) and "quantile" in flips.search


def _fake_solver(slivers):
    """A stand-in for solve_points over the key path "sides.a.outcomes.deadlock" (base 0.4):
    deadlock inside the intervals ``slivers``, truce elsewhere; the path is "late" from 0.7 on."""

    def solve(base, overrides, source="<config>"):
        x = np.asarray(overrides["sides.a.outcomes.deadlock"], dtype=float)
        bad = np.zeros(len(x), dtype=bool)
        for low, high in slivers:
            bad |= (x >= low) & (x < high)
        p_truce = np.where(bad, 0.2, 0.9)
        return pd.DataFrame({"equilibrium_path": np.where(x >= 0.7, "late", "early"), "p_truce": p_truce,
                             "p_deadlock": 1 - p_truce, "p_escalation": 0.0, "status": "ok"})

    return solve


def test_verdict_flips_measure_slivers_and_use_every_point_seen(toy_config):
    # Synthetic oracle (the search only sees labels): deadlock in [0.55, 0.56) and, beyond the
    # path change at 0.7, in [0.7, 0.7005). A scan of 4 points a side (0.55, 0.7, 0.85, 1.0
    # upwards) hits the first sliver at 0.55 exactly; the second is narrower than the scan step
    # and only found because the refinement of the path change at 0.7 lands inside it.
    key = "sides.a.outcomes.deadlock"
    (flip,) = verdict_flips(toy_config, [key], search={key: (0.0, 1.0)}, grid_points=4, tolerance=TOL,
                            solver=_fake_solver([(0.55, 0.56)])).flips
    assert flip.up_value == pytest.approx(0.55, abs=TOL) and flip.up_value >= 0.55 - 1e-12
    assert flip.up_until == pytest.approx(0.56, abs=TOL) and flip.up_width == pytest.approx(0.01, abs=2 * TOL)
    assert flip.path_up_value == pytest.approx(0.7, abs=TOL) and flip.path_up_to == "late"
    assert flip.down_value is None and flip.down_width is None

    (flip,) = verdict_flips(toy_config, [key], search={key: (0.0, 1.0)}, grid_points=4, tolerance=TOL,
                            solver=_fake_solver([(0.7, 0.7005)])).flips
    assert flip.up_value == pytest.approx(0.7, abs=TOL) and flip.up_verdict == "deadlock" and flip.up_path == "late"
    assert flip.up_until == pytest.approx(0.7005, abs=TOL)

    # without a return the flipped region runs to the end of the searched range
    (flip,) = verdict_flips(toy_config, [key], search={key: (0.0, 1.0)}, grid_points=4, tolerance=TOL,
                            solver=_fake_solver([(0.55, 2.0)])).flips
    assert flip.up_until is None and flip.up_width == pytest.approx(0.45, abs=TOL)


# ---------------------------------------------------------------- other figures


def test_plot_sobol_indices_and_its_data():
    from negotiation.viz.sensitivity_figures import plot_sobol_indices, sobol_bars_data

    r = sobol_analysis(_linear, _UNIFORM, outputs=["y"], samples=256, seed=0, n_resamples=50, scenario="Lin")
    data = sobol_bars_data(r)
    assert data.key_paths == ("x3", "x2", "x1")  # largest total first
    fig = plot_sobol_indices(r)
    ax = fig.axes[0]
    assert "Lin" in ax.get_title() and "variance of y" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x3", "x2", "x1"]


def test_truce_histogram_and_figure():
    from negotiation.viz.sensitivity_figures import plot_truce_probability, truce_histogram_data

    t = table([0.0, 0.85, 0.9, 0.86, np.nan], status=["ok", "ok", "ok", "ok", "invalid"])
    data = truce_histogram_data(t, bins=10)
    # bins of width 0.1, closed on the left: 0.0 in the first, 0.85 and 0.86 in [0.8, 0.9), 0.9 in the last
    assert data.counts.tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 2, 1] and data.n == 4
    assert data.verdict_counts == {"truce": 3, "deadlock": 1, "escalation": 0}
    fig = plot_truce_probability(t, truce_probability(t), scenario="Toy talks", headline=0.8)
    ax = fig.axes[0]
    assert "Toy talks" in ax.get_title() and "probability" in ax.get_xlabel() and "count" in ax.get_ylabel()


def test_path_map_of_a_grid_and_of_scattered_points():
    from negotiation.viz.sensitivity_figures import path_map_data, plot_path_map

    grid = pd.DataFrame({"a": [0.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 0.0, 1.0],
                         "equilibrium_path": ["x+y", "none", "x", ""]})
    d = path_map_data(grid, "a", "b")
    # codes are (y, x): row b = 0 holds a = 0 ("x+y") and a = 1 ("x"); b = 1: "none", no point
    assert d.paths == ("none", "x", "x+y") and d.codes.tolist() == [[2, 1], [0, -1]] and not d.binned
    scattered = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.9], "b": [0.1, 0.2, 0.15, 0.9],
                              "equilibrium_path": ["x", "x", "none", "none"]})
    s = path_map_data(scattered, "a", "b", bins=2)
    assert s.binned and s.codes.tolist() == [[1, -1], [-1, 0]]
    assert_allclose(s.shares[0, 0], 2 / 3)
    # with the scenario's moves every path has a fixed place (and colour), present or not
    fixed = path_map_data(grid.assign(equilibrium_path=["x", "x", "x", "x"]), "a", "b", moves=["x", "y"])
    assert fixed.paths == ("none", "x", "y", "x+y") and (fixed.codes == 1).all()
    fig = plot_path_map(grid, "a", "b", scenario="Toy talks")
    assert "Toy talks" in fig.axes[0].get_title() and fig.axes[0].get_xlabel() == describe("a")
