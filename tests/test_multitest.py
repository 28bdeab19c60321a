"""The one multiple-testing policy: Benjamini-Hochberg at 5% over one report's family."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import csplib.indicators.multitest as multitest_module
from csplib.errors import ParameterError
from csplib.indicators.multitest import adjust_p_values, family_change_tests, multiple_testing_note


def test_doctests() -> None:
    result = doctest.testmod(multitest_module)
    assert result.attempted > 0 and result.failed == 0


def test_benjamini_hochberg_by_hand() -> None:
    # p sorted: 0.001, 0.008, 0.039, 0.041, 0.6 (m = 5). p x m / rank: 0.005, 0.02,
    # 0.065, 0.05125, 0.6; then the running minimum from the largest rank down:
    # 0.005, 0.02, 0.05125, 0.05125, 0.6. At 5%: the first two only, although three raw
    # p-values are under 0.05 (unadjusted, 0.039 would be called real).
    adjusted, significant = adjust_p_values([0.041, 0.001, 0.6, 0.039, 0.008])
    assert adjusted.tolist() == pytest.approx([0.05125, 0.005, 0.6, 0.05125, 0.02])
    assert significant.tolist() == [False, True, False, False, True]


def test_family_change_tests_adjusts_over_the_rows() -> None:
    # Robbery 19 -> 37 (the Northvale case): exact conditional test, binomial(56,
    # 1/2): p = 0.0227. Alone it is significant; with 9 other groups that did not move
    # (p = 1) it is the smallest of 10: adjusted 0.0227 x 10 = 0.227, not significant.
    alone = family_change_tests(pd.DataFrame({"current": [37], "previous": [19]}))
    assert alone["p_value"].iloc[0] == pytest.approx(0.0227, abs=5e-4)
    assert alone["significance"].iloc[0] == "significant rise"
    frame = pd.DataFrame({"current": [37] + [50] * 9, "previous": [19] + [50] * 9})
    many = family_change_tests(frame)
    assert many["p_adjusted"].iloc[0] == pytest.approx(10 * many["p_value"].iloc[0])
    assert many["significance"].iloc[0] == "no significant change"
    assert not many["significant"].any()


def test_note_and_bad_input() -> None:
    assert "Benjamini-Hochberg" in multiple_testing_note(9)
    assert multiple_testing_note(1).startswith("The change was tested by")
    with pytest.raises(ParameterError):
        multiple_testing_note(0)
    with pytest.raises(ParameterError):
        adjust_p_values([0.1, float("nan")])
