"""The building blocks against values other projects publish, and funnels under the null.

Each published value is typed in from the named source (test data shipped with the
package or paper); none is the workbook's own output pasted back. The simulations
check the funnel labels' false-alarm rates when no area really differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csplib.indicators.peers import (
    ABOVE,
    BELOW,
    WITHIN,
    exact_poisson_limits,
    inverted_wilson_limits,
    observed_interval_verdict,
    peer_comparison,
)
from csplib.indicators.significance import poisson_change_test

# --- PHE: proportion funnel (inverted Wilson) -------------------------------------------

# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (percent):
# Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit, Upper3s0001limit,
# with Baseline 80.642448.
PHE_PROPORTION_FUNNEL = [
    (1, 3.204264, 100, 0, 100),
    (10, 56.154344, 100, 42.03259, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (102, 72.974925, 88.309971, 68.553233, 92.731663),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (9998, 79.867989, 81.416907, 79.421375, 81.863521),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize(("n", "lo2", "hi2", "lo3", "hi3"), PHE_PROPORTION_FUNNEL)
def test_proportion_funnel_reproduces_phe(n, lo2, hi2, lo3, hi3):
    p0 = 0.80642448
    lo95, hi95 = inverted_wilson_limits(p0, [n], 0.95)
    lo998, hi998 = inverted_wilson_limits(p0, [n], 0.998)
    assert lo95[0] * 100 == pytest.approx(lo2, abs=2e-6)
    assert hi95[0] * 100 == pytest.approx(hi2, abs=2e-6)
    assert lo998[0] * 100 == pytest.approx(lo3, abs=2e-6)
    assert hi998[0] * 100 == pytest.approx(hi3, abs=2e-6)


# PHEindicatormethods tests/testthat/testdata_funnel_prop_inputs.csv: Area, numerator,
# denominator, significance (labelled against the baseline of all areas, 80.642448%).
PHE_PROPORTION_LABELS = [
    ("New Forest PCT", 35078.488, 41980, "High (0.001)"),
    ("Norwich PCT", 24803.6256, 31824, "Low (0.001)"),
    ("South Gloucestershire PCT", 50050.7443, 61921, "Not significant"),
    ("Central Derby PCT", 24648.7596, 30521, "Not significant"),
    ("West Norfolk PCT", 26789.238, 33012, "High (0.025)"),
    ("North Tees PCT", 36850.0492, 45449, "High (0.025)"),
    ("North Devon PCT", 30277.5312, 37828, "Low (0.025)"),
    ("Hartlepool PCT", 17321.4088, 21587, "Not significant"),
    ("Bradford City PCT", 18365.4621, 29277, "Low (0.001)"),
]


def phe_label(verdict_95: str, verdict_998: str) -> str:
    if verdict_998 == ABOVE:
        return "High (0.001)"
    if verdict_95 == ABOVE:
        return "High (0.025)"
    if verdict_998 == BELOW:
        return "Low (0.001)"
    if verdict_95 == BELOW:
        return "Low (0.025)"
    return "Not significant"


@pytest.mark.parametrize(("area", "num", "den", "label"), PHE_PROPORTION_LABELS)
def test_proportion_labels_reproduce_phe(area, num, den, label):
    p = num / den
    verdicts = []
    for level in (0.95, 0.998):
        lo, hi = inverted_wilson_limits(0.80642448, [den], level)
        verdicts.append(ABOVE if p > hi[0] else BELOW if p < lo[0] else WITHIN)
    assert phe_label(*verdicts) == label, area


# --- PHE: ratio (observed / expected) labels and limits ----------------------------------

# PHEindicatormethods tests/testthat/testdata_funnel_ratio_inputs.csv (commit b79d644):
# obs, expected, significance.
PHE_RATIO_LABELS = [
    (8, 6.239860227, "Not significant"),
    (151, 106.4429719, "High (0.001)"),
    (159, 232.9329036, "Low (0.001)"),
    (191, 184.0963855, "Not significant"),
    (150, 119.5695496, "High (0.025)"),
    (0, 240.6273499, "Low (0.001)"),
    (141, 106.7211626, "High (0.001)"),
    (101, 126.2973615, "Low (0.025)"),
    (182, 143.6804295, "High (0.025)"),
    (254, 254.4070513, "Not significant"),
    (16, 36.38844667, "Low (0.001)"),
    (6, 4.293052052, "Not significant"),
    (40, 55.14959327, "Low (0.025)"),
    (35, 56.15273544, "Low (0.025)"),
    (25, 55.01760563, "Low (0.001)"),
    (48, 64, "Low (0.025)"),
    (74, 52.09066592, "High (0.025)"),
    (27, 26.73002673, "Not significant"),
    (87, 45.27241505, "High (0.001)"),
    (38, 35.36199516, "Not significant"),
    (29, 31.19956966, "Not significant"),
    (31, 57.81424841, "Low (0.001)"),
    (893, 706.7669173, "High (0.001)"),
    (241, 288.6919023, "Low (0.025)"),
]


@pytest.mark.parametrize(("obs", "expected", "label"), PHE_RATIO_LABELS)
def test_ratio_labels_reproduce_phe(obs, expected, label):
    v95 = observed_interval_verdict([obs], [expected], 0.95)[0]
    v998 = observed_interval_verdict([obs], [expected], 0.998)[0]
    assert phe_label(v95, v998) == label


# PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv: for an observed
# count O, the expected counts at which O sits on the 95% and 99.8% lines, i.e. the
# exact Poisson limits of O (PHE finds them by bisection to about 1e-7 relative).
# Columns: O, lower_2s_exp_events, upper_2s_exp_events, lower_3s_exp_events,
# upper_3s_exp_events.
PHE_RATIO_LIMITS = [
    (1, 5.571644585, 0.025317898, 9.233410143, 0.001000547),
    (10, 18.39035799, 4.795387629, 24.13397235, 2.960519925),
    (100, 121.6268111, 81.36400699, 134.9243187, 71.92139974),
    (716, 770.4222128, 664.5083011, 802.60414, 636.1521174),
]


@pytest.mark.parametrize(("o", "hi2", "lo2", "hi3", "lo3"), PHE_RATIO_LIMITS)
def test_exact_poisson_limits_reproduce_phe(o, hi2, lo2, hi3, lo3):
    lo95, hi95 = exact_poisson_limits(o, 0.95)
    lo998, hi998 = exact_poisson_limits(o, 0.998)
    assert float(hi95) == pytest.approx(hi2, rel=1e-6)
    assert float(lo95) == pytest.approx(lo2, rel=4e-6)
    assert float(hi998) == pytest.approx(hi3, rel=1e-6)
    assert float(lo998) == pytest.approx(lo3, rel=5e-5)


# --- Gu et al. (2008), Example 1 ---------------------------------------------------------


def test_gu_et_al_example_1_square_root_test():
    # Gu, Ng, Tang and Schucany (2008), "Testing the ratio of two Poisson rates",
    # Biometrical Journal 50(2), Example 1: 60 events in 51,477.5 person-years against
    # 30 in 54,308.7; one-sided p-value of the variance-stabilised (square-root) test
    # W5 = 0.000285 (as also used in statsmodels' tests of test_poisson_2indep).
    t = poisson_change_test(60, 30, 51477.5, 54308.7, method="sqrt")
    assert t.p_value / 2 == pytest.approx(0.000285, abs=5e-6)
    assert t.label == "significant rise"


# --- funnels under no real difference (seeded simulations) -------------------------------


@pytest.mark.parametrize("expected", [2.0, 20.0, 200.0])
def test_funnel_false_alarms_stay_at_or_below_nominal(expected):
    # Counts drawn from Poisson(expected) with nothing really different: each side of the
    # 95% label should fire at most 2.5% of the time (plus simulation error: the standard
    # error of a 2.5% rate over 20,000 draws is 0.11 points), and for expected 20 and 200
    # not far below it. (With expected 2 no count can be significantly low: P(0) = 13.5%.)
    rng = np.random.default_rng(20240918)
    draws = rng.poisson(expected, size=20_000)
    verdict = observed_interval_verdict(draws, np.full(draws.shape, expected), 0.95)
    above = float(np.mean(verdict == ABOVE))
    below = float(np.mean(verdict == BELOW))
    assert above <= 0.025 + 0.004 and below <= 0.025 + 0.004
    if expected >= 20:
        assert above >= 0.015 and below >= 0.015
    else:
        assert above >= 0.010 and below == 0.0


def test_overdispersed_partnerships_are_not_nearly_all_flagged():
    # Twelve partnerships (populations 100,000-280,000, 15-25 crimes per 1,000 a quarter:
    # real differences far beyond Poisson noise), 200 seeded groups. Chance-only limits
    # flag most areas; with the overdispersion allowance only a few are flagged.
    rng = np.random.default_rng(7)
    flagged_widened, flagged_chance = [], []
    for _ in range(200):
        pop = rng.uniform(100_000, 280_000, 12).round()
        rate = rng.uniform(15, 25, 12) / 1000
        group = pd.DataFrame(
            {
                "area": [f"P{i}" for i in range(12)],
                "count": rng.poisson(rate * pop),
                "population": pop,
            }
        )
        flagged_widened.append((peer_comparison(group)["verdict_95"] != WITHIN).mean())
        chance = peer_comparison(group, overdispersion=None)
        flagged_chance.append((chance["verdict_95"] != WITHIN).mean())
    assert np.mean(flagged_chance) > 0.75
    assert np.mean(flagged_widened) < 0.15
    assert max(flagged_widened) <= 0.5
