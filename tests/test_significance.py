"""Is a change real? The field's Z, and p-values checked against independent arithmetic."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest
from scipy.stats import binomtest, norm

import csplib.indicators.significance as significance_module
from csplib.errors import ParameterError
from csplib.indicators.significance import (
    SMALL_COUNT_THRESHOLD,
    add_significance,
    adjust_p_values,
    poisson_change_test,
)


def test_doctests() -> None:
    result = doctest.testmod(significance_module)
    assert result.attempted > 0 and result.failed == 0


def test_maidstone_rise_is_a_strong_significant_signal() -> None:
    t = poisson_change_test(2357, 2172)
    # The field's Z by hand: sqrt(2357) = 48.5489..., sqrt(2172) = 46.6047...
    z = 2 * (math.sqrt(2357) - math.sqrt(2172))
    assert 3.88 < z < 3.89
    assert t.z == pytest.approx(z)
    assert t.strength == "strong"  # |Z| > 3
    assert t.method == "sqrt"  # 4,529 crimes: the normal approximation
    # Two-sample square-root test written out: 2(sqrt(a + 3/8) - sqrt(b + 3/8)) / sqrt(2)
    z2 = 2 * (math.sqrt(2357 + 3 / 8) - math.sqrt(2172 + 3 / 8)) / math.sqrt(2)
    assert t.p_value == pytest.approx(2 * norm.sf(abs(z2)))  # about 0.006
    assert t.label == "significant rise" and t.significant and t.direction == "rise"
    # the exact cross-check agrees: given 4,529 crimes, 2,357 in this quarter ~ Bin(4529, 1/2)
    assert t.p_value_exact == pytest.approx(binomtest(2357, 4529, 0.5).pvalue)
    assert t.p_value_exact < 0.05


def test_small_counts_use_the_exact_conditional_test() -> None:
    t = poisson_change_test(12, 4)
    assert t.method == "exact-cond"
    # Given 16 crimes in the two periods, under no change the current count is Bin(16, 1/2).
    # Two-sided p = 2 * P(X >= 12) = 2 * (C(16,12) + ... + C(16,16)) / 2**16
    tail = sum(math.comb(16, k) for k in range(12, 17))  # 1820 + 560 + 120 + 16 + 1
    assert tail == 2517
    assert t.p_value == pytest.approx(2 * tail / 2**16)  # 0.0768
    assert t.p_value == pytest.approx(binomtest(12, 16, 0.5).pvalue)
    assert t.label == "no significant change"
    # ...yet the field's rule of thumb calls it a weak signal: Z = 2(sqrt(12) - 2) = 2.93
    assert t.z == pytest.approx(2 * (math.sqrt(12) - 2))
    assert t.strength == "weak"
    assert math.isnan(t.statistic)


def test_small_count_significant_rise() -> None:
    t = poisson_change_test(20, 5)
    tail = sum(math.comb(25, k) for k in range(20, 26))  # 53130 + 12650 + 2300 + 300 + 25 + 1
    assert t.p_value == pytest.approx(2 * tail / 2**25)  # 0.0041
    assert t.p_value == pytest.approx(binomtest(20, 25, 0.5).pvalue)
    assert t.label == "significant rise"


def test_no_change() -> None:
    t = poisson_change_test(1000, 1000)
    assert t.z == 0.0
    assert t.strength == "none"
    assert t.p_value == pytest.approx(1.0)
    assert t.label == "no significant change" and not t.significant and t.direction == "none"


def test_significant_fall() -> None:
    t = poisson_change_test(9600, 10000)
    assert t.z == pytest.approx(2 * (math.sqrt(9600) - 100))  # -4.04
    assert t.strength == "strong"
    assert t.label == "significant fall" and t.direction == "fall"


def test_weak_signal_that_is_not_significant() -> None:
    # 30 against 20: Z = 2(5.477 - 4.472) = 2.01 (weak) but p = 0.16 (two-sample)
    t = poisson_change_test(30, 20, method="sqrt")
    assert t.strength == "weak"
    z2 = 2 * (math.sqrt(30.375) - math.sqrt(20.375)) / math.sqrt(2)
    assert t.p_value == pytest.approx(2 * norm.sf(z2))
    assert t.label == "no significant change"


def test_exposures_compare_rates_over_unequal_periods() -> None:
    # Jan-Mar 2020 (91 days, a leap year) against Jan-Mar 2019 (90 days)
    a, b = 70, 40
    t = poisson_change_test(a, b, 91, 90, method="exact-cond")
    assert t.z == pytest.approx(2 * (math.sqrt(a) - math.sqrt(b * 91 / 90)))
    # Given a + b, a ~ Bin(a + b, 91 / (91 + 90)) under equal daily rates
    assert t.p_value == pytest.approx(binomtest(a, a + b, 91 / 181).pvalue)
    # equal rates over unequal periods are not a change
    same_rate = poisson_change_test(910, 900, 91, 90)
    assert same_rate.z == pytest.approx(0.0, abs=1e-12)
    assert same_rate.label == "no significant change"


def test_auto_switches_at_the_documented_threshold() -> None:
    below = poisson_change_test(SMALL_COUNT_THRESHOLD - 40, 39)
    at = poisson_change_test(SMALL_COUNT_THRESHOLD - 40, 40)
    assert below.method == "exact-cond"
    assert at.method == "sqrt"


def test_etest_is_available_and_close_to_the_approximation_for_large_counts() -> None:
    t = poisson_change_test(2357, 2172, method="etest")
    assert t.method == "etest"
    assert t.p_value == pytest.approx(poisson_change_test(2357, 2172).p_value, abs=0.001)
    assert t.label == "significant rise"


def test_zero_counts() -> None:
    both = poisson_change_test(0, 0)
    assert (both.z, both.p_value, both.method, both.label) == (
        0.0,
        1.0,
        "none",
        "no significant change",
    )
    # 12 against none: given 12 crimes, all 12 in this period has probability 2**-12
    t = poisson_change_test(12, 0)
    assert t.p_value == pytest.approx(2 * 0.5**12)
    assert t.label == "significant rise"
    one = poisson_change_test(1, 0)
    assert one.p_value == pytest.approx(1.0)
    assert one.label == "no significant change"


def test_alpha() -> None:
    # 60 against 40: exact p = 0.057; significant at 10%, not at 5%
    assert poisson_change_test(60, 40, method="exact-cond").label == "no significant change"
    assert poisson_change_test(60, 40, method="exact-cond", alpha=0.1).label == "significant rise"


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((-1, 5), {}),
        ((2.5, 5), {}),
        ((None, 5), {}),
        ((5, 5, 0, 1), {}),
        ((5, 5, 1, -90), {}),
        ((5, 5), {"method": "chi-squared"}),
        ((5, 5), {"alpha": 1.5}),
    ],
)
def test_bad_inputs_are_refused(args: tuple, kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        poisson_change_test(*args, **kwargs)


def test_add_significance_to_a_table() -> None:
    frame = pd.DataFrame(
        {"group": ["Total", "Robbery"], "current": [2357, 12], "previous": [2172, 4]}
    )
    got = add_significance(frame)
    assert list(got.columns) == [
        "group",
        "current",
        "previous",
        "z",
        "strength",
        "p_value",
        "method",
        "significance",
    ]
    assert list(got["significance"]) == ["significant rise", "no significant change"]
    assert list(got["method"]) == ["sqrt", "exact-cond"]
    assert got["z"].iloc[0] == pytest.approx(2 * (math.sqrt(2357) - math.sqrt(2172)))
    with_days = add_significance(
        frame.assign(days_now=[91, 91], days_before=[90, 90]),
        current_exposure="days_now",
        previous_exposure="days_before",
    )
    assert with_days["z"].iloc[1] == pytest.approx(2 * (math.sqrt(12) - math.sqrt(4 * 91 / 90)))


def test_add_significance_with_benjamini_hochberg() -> None:
    # Three rows, exact conditional tests (a + b < 100):
    # 16 vs 4: p = 2 x 6196 / 2^20 = 0.011818; 12 vs 4: p = 0.0768 (the doctest above);
    # 5 vs 5: p = 1. BH: 0.011818 x 3/1 = 0.035453 (< 5%: still a rise);
    # 0.0768 x 3/2 = 0.1152; 1.
    frame = pd.DataFrame({"current": [16, 12, 5], "previous": [4, 4, 5]})
    out = add_significance(frame, correction="fdr_bh")
    p_a = 2 * 6196 / 2**20
    assert out["p_value"].iloc[0] == pytest.approx(p_a)
    assert out["p_adjusted"].tolist() == pytest.approx(
        [3 * p_a, out["p_value"].iloc[1] * 3 / 2, 1.0]
    )
    assert out["significance"].tolist() == [
        "significant rise",
        "no significant change",
        "no significant change",
    ]
    assert "p_adjusted" not in add_significance(frame).columns
    with pytest.raises(ParameterError, match="correction"):
        adjust_p_values([0.1], "sidak-ish")
