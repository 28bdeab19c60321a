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


def test_worked_group_funnel_limits_and_verdicts():
    # Funnel limits are Byar limits of the EXPECTED count (all >= 10 here), e.g. Bexley:
    # E = 180, lower95 = 180 (1 - 1/1620 - 1.96/(3 x 13.416))^3 = 180 x 0.9507^3 = 154.7,
    # observed 150 < 154.7 -> significantly below; at 99.8% the lower limit is
    # 180 (1 - 1/1620 - 3.09/40.25)^3 = 141.4, so 150 is within.
    # Ashford: upper95 = 241 (1 - 1/2169 + 1.96/(3 x 15.52))^3 = 272.4 and
    #          upper99.8 = 291.9, observed 300 is above both.
    # Crawley: lower95 = 99.5 and lower99.8 = 89.0; observed 90 -> below, then within.
    # Dover: observed = expected = 60 -> within.
    out = peer_comparison(GROUP)
    assert out["verdict_95"].tolist() == [ABOVE, BELOW, BELOW, WITHIN]
    assert out["verdict_998"].tolist() == [ABOVE, WITHIN, WITHIN, WITHIN]

    for row in out.itertuples():
        for z, suffix in ((Z95, "95"), (Z998, "998")):
            lo, hi = byar_by_hand(row.expected, z)
            assert getattr(row, f"funnel_lower_{suffix}") == pytest.approx(
                lo / row.population * 1000, rel=1e-9
            )
            assert getattr(row, f"funnel_upper_{suffix}") == pytest.approx(
                hi / row.population * 1000, rel=1e-9
            )
    bexley = out.iloc[1]
    assert bexley["funnel_lower_95"] * 75 == pytest.approx(154.66, abs=0.01)
    assert bexley["funnel_lower_998"] * 75 == pytest.approx(141.36, abs=0.01)
    ashford, crawley = out.iloc[0], out.iloc[2]
    assert ashford["funnel_upper_95"] * 100 == pytest.approx(272.36, abs=0.01)
    assert ashford["funnel_upper_998"] * 100 == pytest.approx(291.85, abs=0.01)
    assert crawley["funnel_lower_95"] * 50 == pytest.approx(99.49, abs=0.01)
    assert crawley["funnel_lower_998"] * 50 == pytest.approx(88.96, abs=0.01)
    # The member's own interval is built around its observed count.
    lo, hi = byar_by_hand(300, Z95)
    assert out.iloc[0]["ci_lower_95"] == pytest.approx(lo / 100)
    assert out.iloc[0]["ci_upper_95"] == pytest.approx(hi / 100)


def test_small_expected_counts_use_exact_limits():
    # Group rate 10 / 10,000 = 1 per 1,000; the small area expects 2 events.
    group = pd.DataFrame({"area": ["Big", "Small"], "count": [5, 5], "population": [8_000, 2_000]})
    out = peer_comparison(group)
    small = out.iloc[1]
    assert small["expected"] == pytest.approx(2.0)
    # Exact limits for an expected 2: P(X >= 2 | lower) = 2.5%, P(X <= 2 | upper) = 2.5%.
    lower = small["funnel_lower_95"] * 2
    upper = small["funnel_upper_95"] * 2
    assert 1 - poisson.cdf(1, lower) == pytest.approx(0.025, abs=1e-9)
    assert poisson.cdf(2, upper) == pytest.approx(0.025, abs=1e-9)
    # 5 observed against an upper limit of 7.22: within.
    assert small["verdict_95"] == WITHIN


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
    out = peer_comparison(GROUP)
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
    # Funnel at n = 100 (Wilson of 20 out of 100): 95% 0.1334 to 0.2888,
    # 99.8% 0.1052 to 0.3471. 0.30 is above at 95% only; 0.10 is below at both.
    members = pd.DataFrame(
        {
            "area": ["A", "B", "C", "D"],
            "numerator": [30, 10, 20, 40],
            "denominator": [100, 100, 100, 200],
        }
    )
    out = proportion_comparison(members)
    assert out["group_proportion"].tolist() == pytest.approx([0.2] * 4)
    assert out["proportion"].tolist() == pytest.approx([0.3, 0.1, 0.2, 0.2])
    assert out["expected"].tolist() == pytest.approx([20, 20, 20, 40])
    assert out["rank"].tolist() == [1, 4, 2, 2]
    lo95, hi95 = wilson_by_hand(20, 100, Z95)
    lo998, hi998 = wilson_by_hand(20, 100, Z998)
    assert (round(lo95, 4), round(hi95, 4)) == (0.1334, 0.2888)
    assert (round(lo998, 4), round(hi998, 4)) == (0.1052, 0.3471)
    a = out.iloc[0]
    assert a["funnel_lower_95"] == pytest.approx(lo95)
    assert a["funnel_upper_998"] == pytest.approx(hi998)
    assert out["verdict_95"].tolist() == [ABOVE, BELOW, WITHIN, WITHIN]
    assert out["verdict_998"].tolist() == [WITHIN, BELOW, WITHIN, WITHIN]
    own_lo, own_hi = wilson_by_hand(30, 100, Z95)
    assert a["ci_lower_95"] == pytest.approx(own_lo)
    assert a["ci_upper_95"] == pytest.approx(own_hi)

    curve = proportion_funnel_curve(0.2, [100, 200])
    assert curve.loc[0, "lower_95"] == pytest.approx(lo95)
    assert curve.loc[1, "upper_95"] == pytest.approx(wilson_by_hand(40, 200, Z95)[1])


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


def test_county_table_without_previous_counts():
    out = county_table(GROUP)
    assert "change" not in out.columns
    assert out["area"].tolist() == ["Ashford", "Dover", "Bexley", "Crawley", "Total"]
    with pytest.raises(ParameterError, match="total"):
        county_table(GROUP.assign(area=["Total", "B", "C", "D"]))
