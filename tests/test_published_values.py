"""The building blocks against values other projects publish, and funnels under the null.

Each published value is typed in from the named source (test data shipped with a
package, its rendered vignette, or a paper); none is the workbook's own output pasted
back. The simulations check the funnel labels' false-alarm rates when no area really
differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csplib.indicators.peers import (
    ABOVE,
    BELOW,
    WITHIN,
    count_limits,
    exact_poisson_limits,
    inverted_wilson_limits,
    observed_interval_verdict,
    peer_comparison,
    proportion_comparison,
    wilson_interval,
)
from csplib.indicators.places import getis_ord_gi_star
from csplib.indicators.significance import poisson_change_test
from csplib.indicators.spc import xmr

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


# --- PHE: crude rate (Byar) and proportion (Wilson) intervals ---------------------------

# PHEindicatormethods vignettes/Introduction_to_PHEindicatormethods.Rmd, as rendered in
# the package build (inst/doc/Introduction_to_PHEindicatormethods.html, the CRAN build
# mirrored at r-hub2/some-psychogenic-africanporcupine-PHEindicatormethods): the printed
# data frame (area, year, obs, pop) and the printed output of phe_rate(df, obs, pop)
# (per 100,000, 95%, method "Byars"), phe_rate(..., confidence = 99.8, multiplier = 100),
# phe_proportion(df, obs, pop) (95%, method "Wilson") and phe_proportion(...,
# confidence = 99.8). R prints 7 significant figures. (The package's own test tables,
# tests/testthat/testdata_Rate.xlsx and testdata_Byars_Wilson.xlsx, are Excel files that
# cannot be read here.)
PHE_VIGNETTE_OBS = [27, 22, 80, 53, 37, 84, 89, 85]
PHE_VIGNETTE_POP = [106, 113, 150, 193, 159, 122, 101, 196]
# rate per 100,000 with its 95% limits; rate per 100 with its 99.8% limits
PHE_RATES = [
    (25471.70, 16782.04, 37061.41, 12.926737, 44.59202),
    (19469.03, 12196.90, 29477.68, 9.074329, 36.05431),
    (53333.33, 42288.58, 66378.77, 36.773690, 74.46881),
    (27461.14, 20568.85, 35920.56, 17.249087, 41.24758),
    (23270.44, 16382.37, 32076.16, 13.193195, 37.70884),
    (68852.46, 54917.70, 85245.02, 47.933814, 95.39407),
    (88118.81, 70764.64, 108438.96, 62.029689, 120.99575),
    (43367.35, 34639.24, 53625.01, 30.260955, 59.97329),
]
# proportion with its 95% and 99.8% Wilson limits
PHE_PROPORTIONS = [
    (0.2547170, 0.1813642, 0.3452262, 0.1481031, 0.4018735),
    (0.1946903, 0.1322333, 0.2772229, 0.1054176, 0.3315448),
    (0.5333333, 0.4536625, 0.6113395, 0.4092696, 0.6534069),
    (0.2746114, 0.2165053, 0.3415146, 0.1877465, 0.3827289),
    (0.2327044, 0.1738037, 0.3042162, 0.1461350, 0.3495622),
    (0.6885246, 0.6016542, 0.7638851, 0.5493185, 0.8003596),
    (0.8811881, 0.8037295, 0.9307128, 0.7476217, 0.9488987),
    (0.4336735, 0.3662266, 0.5036703, 0.3298917, 0.5436182),
]


def printed(value: float) -> float:
    """Half a unit in the 7th significant figure, R's default print precision."""
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 6)


def test_crude_rate_and_byar_limits_reproduce_phe():
    obs = np.array(PHE_VIGNETTE_OBS, dtype=float)
    pop = np.array(PHE_VIGNETTE_POP, dtype=float)
    lo95, hi95 = count_limits(obs, 0.95)
    lo998, hi998 = count_limits(obs, 0.998)
    # The comparison table's crude rate and interval come through the same limits.
    members = pd.DataFrame(
        {"area": [f"Area{i}" for i in range(8)], "count": obs, "population": pop}
    )
    table = peer_comparison(members, per=100_000)
    for i, (rate, lo, hi, lo_3s, hi_3s) in enumerate(PHE_RATES):
        assert obs[i] / pop[i] * 100_000 == pytest.approx(rate, abs=printed(rate))
        assert lo95[i] / pop[i] * 100_000 == pytest.approx(lo, abs=printed(lo))
        assert hi95[i] / pop[i] * 100_000 == pytest.approx(hi, abs=printed(hi))
        assert lo998[i] / pop[i] * 100 == pytest.approx(lo_3s, abs=printed(lo_3s))
        assert hi998[i] / pop[i] * 100 == pytest.approx(hi_3s, abs=printed(hi_3s))
        assert table["rate"].iloc[i] == pytest.approx(rate, abs=printed(rate))
        assert table["ci_lower_95"].iloc[i] == pytest.approx(lo, abs=printed(lo))
        assert table["ci_upper_95"].iloc[i] == pytest.approx(hi, abs=printed(hi))


def test_wilson_proportion_limits_reproduce_phe():
    obs = np.array(PHE_VIGNETTE_OBS, dtype=float)
    pop = np.array(PHE_VIGNETTE_POP, dtype=float)
    lo95, hi95 = wilson_interval(obs, pop, 0.95)
    lo998, hi998 = wilson_interval(obs, pop, 0.998)
    members = pd.DataFrame(
        {"area": [f"Area{i}" for i in range(8)], "numerator": obs, "denominator": pop}
    )
    table = proportion_comparison(members)
    for i, (prop, lo, hi, lo_3s, hi_3s) in enumerate(PHE_PROPORTIONS):
        assert table["proportion"].iloc[i] == pytest.approx(prop, abs=printed(prop))
        assert lo95[i] == pytest.approx(lo, abs=printed(lo))
        assert hi95[i] == pytest.approx(hi, abs=printed(hi))
        assert lo998[i] == pytest.approx(lo_3s, abs=printed(lo_3s))
        assert hi998[i] == pytest.approx(hi_3s, abs=printed(hi_3s))
        assert table["ci_lower_95"].iloc[i] == pytest.approx(lo, abs=printed(lo))
        assert table["ci_upper_95"].iloc[i] == pytest.approx(hi, abs=printed(hi))


# --- NHSRplotthedots: XmR mean and process limits ----------------------------------------

# NHSRplotthedots tests/testthat/test-ptd_spc_standard.R and test-ptd_spc.R chart
# y = rnorm(20) after set.seed(123) (screen_outliers = TRUE). The 20 values as R prints
# them to 8 decimals (the snapshot _snaps/ptd_spc_standard.md shows the first four,
# -0.56047565, -0.23017749, 1.55870831, 0.07050839, and all 20 to 3 significant figures).
RNORM_SEED_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


def monthly(values: list[float]) -> pd.Series:
    months = pd.period_range("2020-01", periods=len(values), freq="M").strftime("%Y-%m")
    return pd.Series(values, index=months, dtype=float)


def printed3(value: float) -> float:
    """Half a unit in the 3rd significant figure (tibble's printing)."""
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 2)


def test_xmr_limits_reproduce_nhsrplotthedots_snapshot():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md ("it returns expected
    # values", pillar::glimpse output, 7 significant figures):
    # r1, the 20 values: mean_col 0.1416238, lpl -3.01138, upl 3.294627;
    # r2, y[15] <- 10, screen_outliers = TRUE: mean 0.6694159, lpl -2.383666,
    #     upl 3.722497;
    # r3, the same with screen_outliers = FALSE: lpl -4.596625, upl 5.935457.
    r1 = xmr(monthly(RNORM_SEED_123), convention="nhsrplotthedots")
    assert r1["mean"].iloc[0] == pytest.approx(0.1416238, abs=5e-8)
    assert r1["lower_limit"].iloc[0] == pytest.approx(-3.01138, abs=5e-6)
    assert r1["upper_limit"].iloc[0] == pytest.approx(3.294627, abs=5e-7)
    # _snaps/ptd_spc.md (summary): all 20 points common cause.
    assert set(r1["variation"]) == {"common cause"}

    spiked = list(RNORM_SEED_123)
    spiked[14] = 10.0
    r2 = xmr(monthly(spiked), convention="nhsrplotthedots")
    r3 = xmr(monthly(spiked), convention="nhsrplotthedots", screen_outliers=False)
    for chart in (r2, r3):
        assert chart["mean"].iloc[0] == pytest.approx(0.6694159, abs=5e-8)
    assert r2["lower_limit"].iloc[0] == pytest.approx(-2.383666, abs=5e-7)
    assert r2["upper_limit"].iloc[0] == pytest.approx(3.722497, abs=5e-7)
    assert r3["lower_limit"].iloc[0] == pytest.approx(-4.596625, abs=5e-7)
    assert r3["upper_limit"].iloc[0] == pytest.approx(5.935457, abs=5e-7)
    # The screen drops the two moving ranges either side of the 10 (not printed in the
    # snapshot; follows from the limits above).
    assert r2.attrs["screened_moving_ranges"] == 2


def test_xmr_limits_per_facet_reproduce_nhsrplotthedots_summary():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc.md (summary of s3, facet_field =
    # "facet", facet = rep(c(0, 1), each = 10)), printed to 3 significant figures:
    # facet 0: mean 0.0746, lpl -2.60, upl 2.75; facet 1: mean 0.209, lpl -3.28,
    # upl 3.70; common_cause 10 in each.
    for part, (mean, lpl, upl) in (
        (RNORM_SEED_123[:10], (0.0746, -2.60, 2.75)),
        (RNORM_SEED_123[10:], (0.209, -3.28, 3.70)),
    ):
        chart = xmr(monthly(part), convention="nhsrplotthedots")
        assert chart["mean"].iloc[0] == pytest.approx(mean, abs=printed3(mean))
        assert chart["lower_limit"].iloc[0] == pytest.approx(lpl, abs=printed3(lpl))
        assert chart["upper_limit"].iloc[0] == pytest.approx(upl, abs=printed3(upl))
        assert set(chart["variation"]) == {"common cause"}


# --- esda: Getis-Ord Gi* ------------------------------------------------------------------


def test_gi_star_reproduces_esda_test_value():
    # esda tests/test_getisord.py (TestGLocal.test_star_binary): y = 2, 3, 3.2, 5, 8, 7 at
    # the points (10,10), (20,10), (40,10), (15,20), (30,20), (30,30), DistanceBand
    # threshold 15, G_Local(transform="B", star=True): Zs[0] = -1.39727626.
    # getis_ord_gi_star builds queen contiguity from polygons, so the six areas are laid
    # out as rectangles whose queen neighbours are exactly that distance band's
    # (0: 1, 3; 1: 0, 3, 4; 2: 4; 3: 0, 1, 4; 4: 1, 2, 3, 5; 5: 4).
    rects = [(0, 1, 1, 2), (0, 0, 2, 1), (3, 0, 4, 1), (1, 1, 2, 2), (2, 0, 3, 2), (3, 2, 4, 3)]
    features = [
        {
            "type": "Feature",
            "properties": {"lsoa_code": f"A{i}"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
            },
        }
        for i, (x0, y0, x1, y1) in enumerate(rects)
    ]
    counts = pd.Series([2, 3, 3.2, 5, 8, 7], index=[f"A{i}" for i in range(6)])
    result = getis_ord_gi_star(counts, {"type": "FeatureCollection", "features": features})
    assert result["n_neighbours"].tolist() == [2, 3, 1, 3, 4, 1]
    assert result["z"].iloc[0] == pytest.approx(-1.39727626, abs=1e-7)


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
