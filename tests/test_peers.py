"""Peer-group comparison: limits, pooled rates and verdicts worked out by hand."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from csplib.errors import ParameterError
from csplib.indicators.peers import (
    ABOVE,
    BELOW,
    WITHIN,
    byar_limits,
    count_limits,
    county_table,
    exact_poisson_limits,
    funnel_curve,
    peer_comparison,
    poisson_prediction_limits,
    proportion_comparison,
    proportion_funnel_curve,
    wilson_interval,
)

# Normal quantiles from the standard library, not scipy.
Z95 = NormalDist().inv_cdf(0.975)  # 1.959964...
Z998 = NormalDist().inv_cdf(0.999)  # 3.090232...


def byar_by_hand(o: float, z: float) -> tuple[float, float]:
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def wilson_by_hand(x: float, n: float, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --- limits -----------------------------------------------------------------------------


def test_byar_limits_for_20_at_z_196():
    # O = 20, z = 1.96:
    # lower = 20 (1 - 1/180 - 1.96/(3 sqrt 20))^3 = 20 x 0.848355^3 = 12.211
    # upper = 21 (1 - 1/189 + 1.96/(3 sqrt 21))^3 = 21 x 1.137277^3 = 30.890
    o, z = 20, 1.96
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    lo, hi = byar_limits(20, 1.96)
    assert float(lo) == pytest.approx(lower, rel=1e-12)
    assert float(hi) == pytest.approx(upper, rel=1e-12)
    assert (round(lower, 2), round(upper, 2)) == (12.21, 30.89)


def test_count_limits_use_byar_from_10_with_the_exact_normal_quantile():
    lo, hi = count_limits([10, 20, 240], 0.95)
    for got_lo, got_hi, o in zip(lo, hi, [10, 20, 240], strict=True):
        want_lo, want_hi = byar_by_hand(o, Z95)
        assert got_lo == pytest.approx(want_lo, rel=1e-9)
        assert got_hi == pytest.approx(want_hi, rel=1e-9)


def test_exact_limits_for_3_match_published_table_and_poisson_tails():
    # Published exact Poisson 95% limits for 3 events: 0.619 to 8.767.
    lo, hi = count_limits(3, 0.95)
    assert round(float(lo), 3) == 0.619
    assert round(float(hi), 3) == 8.767
    # Definition: at the lower limit P(X >= 3) = 2.5%; at the upper limit P(X <= 3) = 2.5%.
    assert 1 - poisson.cdf(2, float(lo)) == pytest.approx(0.025, abs=1e-9)
    assert poisson.cdf(3, float(hi)) == pytest.approx(0.025, abs=1e-9)


def test_exact_limits_for_zero():
    # Lower limit 0; upper where P(X = 0) = e^-mu = 2.5%, i.e. mu = -ln 0.025 = 3.689.
    lo, hi = exact_poisson_limits(0, 0.95)
    assert float(lo) == 0.0
    assert float(hi) == pytest.approx(-math.log(0.025), rel=1e-9)


def test_below_10_the_exact_limits_are_used():
    lo, _ = count_limits(9, 0.95)
    exact_lo, _ = exact_poisson_limits(9, 0.95)
    byar_lo, _ = byar_limits(9, Z95)
    assert float(lo) == float(exact_lo)
    assert float(lo) != pytest.approx(float(byar_lo), rel=1e-6)


def test_negative_count_is_refused():
    with pytest.raises(ParameterError):
        count_limits([-1], 0.95)


def test_wilson_interval_against_the_formula():
    # 5 of 20 at 95%: p = 0.25, z^2 = 3.8415; centre = (0.25 + 0.09604)/1.19207 = 0.29029,
    # half = 1.64418 x sqrt(0.009375 + 0.0024009) = 0.17842 -> 0.1119 to 0.4687.
    lo, hi = wilson_interval(5, 20, 0.95)
    want = wilson_by_hand(5, 20, Z95)
    assert float(lo) == pytest.approx(want[0], rel=1e-9)
    assert float(hi) == pytest.approx(want[1], rel=1e-9)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.1119, 0.4687)
    lo0, hi0 = wilson_interval(0, 10, 0.95)
    assert float(lo0) == pytest.approx(0.0, abs=1e-12)
    assert float(hi0) == pytest.approx(wilson_by_hand(0, 10, Z95)[1], rel=1e-9)
    nan_lo, _ = wilson_interval(1, 0)
    assert np.isnan(nan_lo)


# --- a worked four-member group ----------------------------------------------------------

GROUP = pd.DataFrame(
    {
        "area": ["Ashford", "Bexley", "Crawley", "Dover"],
        "count": [300, 150, 90, 60],
        "population": [100_000, 75_000, 50_000, 25_000],
    }
)


def test_worked_group_rates_expected_and_ranks():
    # Pooled: 600 crimes / 250,000 people = 2.4 per 1,000.
    # Rates: 300/100k = 3.0, 150/75k = 2.0, 90/50k = 1.8, 60/25k = 2.4 per 1,000.
    # Expected at 2.4 per 1,000: 240, 180, 120, 60.
    out = peer_comparison(GROUP)
    assert out["group_rate"].tolist() == pytest.approx([2.4] * 4)
    assert out["rate"].tolist() == pytest.approx([3.0, 2.0, 1.8, 2.4])
    assert out["expected"].tolist() == pytest.approx([240, 180, 120, 60])
    assert out["ratio"].tolist() == pytest.approx([1.25, 150 / 180, 0.75, 1.0])
    assert out["rank"].tolist() == [1, 3, 4, 2]
    assert out["area"].tolist() == GROUP["area"].tolist()


def prediction_limit_by_hand(e: float, p: float) -> float:
    """Spiegelhalter's interpolated Poisson quantile, stepping through the cdf by hand."""
    r, below, cdf = 0, 0.0, math.exp(-e)
    term = cdf
    while cdf < p:
        r += 1
        term *= e / r
        below, cdf = cdf, cdf + term
    return max(r - (cdf - p) / (cdf - below), 0.0)


def test_worked_group_verdicts_by_own_interval_and_prediction_funnel():
    # Chance only (no overdispersion allowance). The label is PHE's: the area's own
    # Byar interval against its expected count.
    # Ashford: O = 300, lower95 = 300 (1 - 1/2700 - 1.96/(3 x 17.32))^3 = 267.0 and
    #   lower99.8 = 300 (1 - 1/2700 - 3.09/51.96)^3 = 249.3, both above E = 240.
    # Bexley: O = 150, upper95 = 151 (1 - 1/1359 + 1.96/(3 x 12.29))^3 = 176.0 < 180,
    #   upper99.8 = 191.9 > 180 -> below at 95% only.
    # Crawley: O = 90, upper95 = 110.6 < 120, upper99.8 = 123.4 > 120 -> below at 95% only.
    # Dover: observed = expected = 60 -> within.
    out = peer_comparison(GROUP, overdispersion=None)
    assert out["verdict_95"].tolist() == [ABOVE, BELOW, BELOW, WITHIN]
    assert out["verdict_998"].tolist() == [ABOVE, WITHIN, WITHIN, WITHIN]
    assert byar_by_hand(300, Z95)[0] == pytest.approx(267.0, abs=0.05)
    assert byar_by_hand(150, Z95)[1] == pytest.approx(176.0, abs=0.05)
    assert byar_by_hand(90, Z998)[1] == pytest.approx(123.4, abs=0.05)
    assert not out["overdispersed"].any()
    assert out["limit_method"].tolist() == ["chance only"] * 4
    assert out["limit_factor"].tolist() == [1.0] * 4
    assert out.attrs["overdispersion"] is None

    # The funnel lines are Poisson prediction limits of the EXPECTED count, interpolated.
    for row in out.itertuples():
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            lo = prediction_limit_by_hand(row.expected, (1 - level) / 2)
            hi = prediction_limit_by_hand(row.expected, (1 + level) / 2)
            assert getattr(row, f"funnel_lower_{suffix}") * row.population / 1000 == (
                pytest.approx(lo, rel=1e-9)
            )
            assert getattr(row, f"funnel_upper_{suffix}") * row.population / 1000 == (
                pytest.approx(hi, rel=1e-9)
            )
    # The member's own interval is built around its observed count.
    lo, hi = byar_by_hand(300, Z95)
    assert out.iloc[0]["ci_lower_95"] == pytest.approx(lo / 100)
    assert out.iloc[0]["ci_upper_95"] == pytest.approx(hi / 100)


def test_prediction_limits_interpolate_between_whole_counts():
    # Poisson(2): P(X <= 4) = 0.9473, P(X <= 5) = 0.9834, so the 97.5% point is
    # 5 - (0.9834 - 0.975) / (0.9834 - 0.9473) = 4.767; P(X = 0) = 0.1353 > 0.025, so
    # the lower limit is cut at 0.
    lo, hi = poisson_prediction_limits([2.0], 0.95)
    assert hi[0] == pytest.approx(4.767, abs=0.001)
    assert lo[0] == 0.0
    # Continuous in the expected count (no jumps at whole-count steps).
    grid = np.linspace(5, 50, 2000)
    lo, hi = poisson_prediction_limits(grid, 0.95)
    assert np.max(np.abs(np.diff(hi))) < 0.05 and np.max(np.abs(np.diff(lo))) < 0.05
    assert (np.diff(hi) >= -1e-12).all() and (np.diff(lo) >= -1e-12).all()


def test_small_counts_are_labelled_by_their_exact_interval():
    # Group rate 10 / 10,000 = 1 per 1,000; the small area expects 2 events and has 5.
    # Exact 95% lower limit of 5 = chi2(0.025, 10) / 2 = 1.62 < 2: within.
    group = pd.DataFrame({"area": ["Big", "Small"], "count": [5, 5], "population": [8_000, 2_000]})
    out = peer_comparison(group)
    small = out.iloc[1]
    assert small["expected"] == pytest.approx(2.0)
    lower_of_5 = small["ci_lower_95"] * 2
    assert 1 - poisson.cdf(4, lower_of_5) == pytest.approx(0.025, abs=1e-9)
    assert small["verdict_95"] == WITHIN
    # Two areas cannot show overdispersion.
    assert out.attrs["overdispersion"].assessed is False


def test_overdispersed_group_widens_the_limits_and_flags_only_the_outlier():
    # Twelve areas of 100,000 people expecting 2,000 crimes each, with real spread
    # (+/- 10%) and one area 40% above.
    counts = [1850, 1850, 1900, 1950, 2000, 2000, 2050, 2100, 2150, 2200, 2000, 2800]
    group = pd.DataFrame(
        {"area": [f"A{i}" for i in range(12)], "count": counts, "population": [100_000] * 12}
    )
    # By hand: pooled E = 24,800 / 12 = 2066.67 each; z = (O - E) / sqrt(E).
    e = sum(counts) / 12
    z = sorted((c - e) / math.sqrt(e) for c in counts)
    # Winsorise 10% each tail: floor(1.2) = 1 value each end set to its neighbour.
    zw = [z[1], *z[1:11], z[10]]
    phi = sum(v * v for v in zw) / 12
    # Additive: tau^2 = (12 phi - 11) / (sum w - sum w^2 / sum w), w = E.
    tau2 = (12 * phi - 11) / (12 * e - 12 * e * e / (12 * e))
    factor = math.sqrt(1 + tau2 * e)
    out = peer_comparison(group)
    od = out.attrs["overdispersion"]
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.overdispersed and od.method == "additive"
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    assert out["limit_factor"].tolist() == pytest.approx([factor] * 12)
    assert out["overdispersed"].all() and (out["limit_method"] == "additive").all()
    upper95 = e + Z95 * factor * math.sqrt(e)
    assert out["funnel_upper_95"].iloc[0] * 100 == pytest.approx(upper95, rel=1e-12)
    # Only the area 40% above is flagged; with chance-only limits half the group is.
    flagged = out[out["verdict_95"] != WITHIN]["area"].tolist()
    assert flagged == ["A11"]
    chance_only = peer_comparison(group, overdispersion=None)
    assert (chance_only["verdict_95"] != WITHIN).sum() == 6
    assert "widened by a factor of" in od.sentence(out["limit_factor"])

    mult = peer_comparison(group, overdispersion="multiplicative")
    assert mult["limit_factor"].tolist() == pytest.approx([math.sqrt(phi)] * 12)
    with pytest.raises(ParameterError, match="overdispersion"):
        peer_comparison(group, overdispersion="both")


def test_other_columns_are_kept_and_ties_share_a_rank():
    group = GROUP.assign(count=[100, 75, 90, 60], count_previous=[1, 2, 3, 4])
    out = peer_comparison(group)
    # Rates 1.0, 1.0, 1.8, 2.4 -> ranks 3, 3, 2, 1.
    assert out["rank"].tolist() == [3, 3, 2, 1]
    assert out["count_previous"].tolist() == [1, 2, 3, 4]


def test_rate_per_other_base():
    out = peer_comparison(GROUP, per=100_000)
    assert out["rate"].tolist() == pytest.approx([300, 200, 180, 240])


def test_funnel_curve_matches_member_limits_and_narrows():
    out = peer_comparison(GROUP, overdispersion=None)
    curve = funnel_curve(2.4, [25_000, 100_000, 400_000])
    assert curve["expected"].tolist() == pytest.approx([60, 240, 960])
    dover, ashford = out.iloc[3], out.iloc[0]
    assert curve.loc[0, "upper_95"] == pytest.approx(dover["funnel_upper_95"])
    assert curve.loc[1, "lower_998"] == pytest.approx(ashford["funnel_lower_998"])
    assert curve["upper_95"].is_monotonic_decreasing
    assert curve["lower_95"].is_monotonic_increasing
    assert (curve["upper_998"] > curve["upper_95"]).all()
    assert (curve["lower_998"] < curve["lower_95"]).all()


def test_input_problems_are_reported():
    with pytest.raises(ParameterError, match="population"):
        peer_comparison(GROUP.drop(columns="population"))
    with pytest.raises(ParameterError, match="Dover"):
        peer_comparison(GROUP.assign(population=[1, 1, 1, 0]))
    with pytest.raises(ParameterError, match="more than once"):
        peer_comparison(pd.concat([GROUP, GROUP.iloc[[0]]]))
    with pytest.raises(ParameterError, match="Bexley"):
        peer_comparison(GROUP.assign(count=[1, -1, 1, 1]))


# --- proportions ------------------------------------------------------------------------


def test_worked_proportion_group():
    # Repeat victims: 30/100, 10/100, 20/100, 40/200 -> pooled 100/500 = 0.2.
    # PHE's funnel (inverted Wilson) at n = 100: 0.2 +/- z sqrt(0.2 x 0.8 / 100)
    # = 0.2 +/- 0.04 z: 95% 0.1216 to 0.2784, 99.8% 0.0764 to 0.3236.
    # 0.30 is above at 95% only; 0.10 is below at 95% only.
    members = pd.DataFrame(
        {
            "area": ["A", "B", "C", "D"],
            "numerator": [30, 10, 20, 40],
            "denominator": [100, 100, 100, 200],
        }
    )
    out = proportion_comparison(members, overdispersion=None)
    assert out["group_proportion"].tolist() == pytest.approx([0.2] * 4)
    assert out["proportion"].tolist() == pytest.approx([0.3, 0.1, 0.2, 0.2])
    assert out["expected"].tolist() == pytest.approx([20, 20, 20, 40])
    assert out["rank"].tolist() == [1, 4, 2, 2]
    a = out.iloc[0]
    assert a["funnel_lower_95"] == pytest.approx(0.2 - 0.04 * Z95)
    assert round(a["funnel_lower_95"], 4) == 0.1216
    assert round(a["funnel_upper_998"], 4) == 0.3236
    assert out["verdict_95"].tolist() == [ABOVE, BELOW, WITHIN, WITHIN]
    assert out["verdict_998"].tolist() == [WITHIN, WITHIN, WITHIN, WITHIN]
    # The line at n is where the Wilson interval of the observed proportion reaches 0.2.
    line = a["funnel_upper_95"]
    assert wilson_by_hand(line * 100, 100, Z95)[0] == pytest.approx(0.2, abs=1e-12)
    own_lo, own_hi = wilson_by_hand(30, 100, Z95)
    assert a["ci_lower_95"] == pytest.approx(own_lo)
    assert a["ci_upper_95"] == pytest.approx(own_hi)

    curve = proportion_funnel_curve(0.2, [100, 200])
    assert curve.loc[0, "lower_95"] == pytest.approx(0.2 - 0.04 * Z95)
    assert curve.loc[1, "upper_95"] == pytest.approx(0.2 + Z95 * math.sqrt(0.16 / 200))

    # With the default allowance: z = 2.5, -2.5, 0, 0 -> phi = 12.5 / 4 = 3.125 and
    # 4 x 3.125 = 12.5 > 7.81 (chi-squared, 3 df, 95%): overdispersed, nobody flagged.
    default = proportion_comparison(members)
    assert default.attrs["overdispersion"].phi == pytest.approx(3.125)
    assert (default["verdict_95"] == WITHIN).all()


def test_proportion_numerator_above_denominator_is_refused():
    members = pd.DataFrame({"area": ["A"], "numerator": [5], "denominator": [4]})
    with pytest.raises(ParameterError, match="numerator"):
        proportion_comparison(members)


# --- county table -----------------------------------------------------------------------


def test_county_table():
    # Rates per 1,000: A 150/100k = 1.5, B 90/80k = 1.125, C 60/50k = 1.2, D 5/20k = 0.25.
    # County: 305 / 250,000 = 1.22. Changes: A +10 (10/140 = 7.14%), B -10 (-10%),
    # C 0 (0%), D +5 (previous 0: no percentage); county +5 (5/300 = 1.67%).
    members = pd.DataFrame(
        {
            "area": ["A", "B", "C", "D"],
            "count": [150, 90, 60, 5],
            "population": [100_000, 80_000, 50_000, 20_000],
            "count_previous": [140, 100, 60, 0],
        }
    )
    out = county_table(members, total_label="Kent")
    assert out["area"].tolist() == ["A", "C", "B", "D", "Kent"]
    assert out["rate"].tolist() == pytest.approx([1.5, 1.2, 1.125, 0.25, 1.22])
    assert out["rank"].tolist()[:4] == [1, 2, 3, 4]
    assert pd.isna(out["rank"].iloc[4])
    assert out["count"].tolist() == [150, 60, 90, 5, 305]
    assert out["change"].tolist() == [10, 0, -10, 5, 5]
    pct = out["change_pct"].tolist()
    assert pct[:3] == pytest.approx([10 / 140 * 100, 0.0, -10.0])
    assert math.isnan(pct[3])
    assert pct[4] == pytest.approx(5 / 300 * 100)
    # Position against the county rate (peer_comparison with the default allowance):
    # z = (O - E) / sqrt(E) = 2.53 (A), -0.13 (C), -0.77 (B), -3.93 (D); phi = 5.6, and
    # 4 x 5.6 = 22.4 > 7.81: overdispersed. tau^2 = (22.4 - 3) / (305 - 94.2) = 0.092, so
    # D's limits widen by sqrt(1 + 0.092 x 24.4) = 1.8 and -3.93 / 1.8 = -2.2 is still
    # below at 95% (not at 99.8%); A's by 3.5: 2.53 / 3.5 = 0.72, within.
    assert out["verdict_95"].tolist()[:4] == [WITHIN, WITHIN, WITHIN, BELOW]
    assert out["verdict_998"].tolist()[:4] == [WITHIN] * 4
    assert out["limit_factor"].iloc[3] == pytest.approx(1.8, abs=0.05)
    assert pd.isna(out["verdict_95"].iloc[4]) and pd.isna(out["limit_factor"].iloc[4])
    assert out.attrs["overdispersion"].overdispersed


def test_county_table_without_previous_counts():
    out = county_table(GROUP)
    assert "change" not in out.columns
    assert out["area"].tolist() == ["Ashford", "Dover", "Bexley", "Crawley", "Total"]
    with pytest.raises(ParameterError, match="total"):
        county_table(GROUP.assign(area=["Total", "B", "C", "D"]))
