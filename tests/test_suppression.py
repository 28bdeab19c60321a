"""Small-number suppression: hand-made tables and a reader who tries to undo it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from csplib.errors import ParameterError
from csplib.indicators.suppression import (
    DisclosurePolicy,
    combine_small,
    disclosure_note,
    protect_series,
    respondents_text,
    suppress_series,
    suppress_table,
)

# --- an independent reader ----------------------------------------------------------------


def reader_bounds(display: pd.DataFrame, threshold: int, secondary: str = "[c]") -> dict:
    """What a reader can work out from the published strings alone.

    The reader knows the rules: "<t" in the body is 1..t-1, "[c]" in the body is t or
    more, a hidden total is at least 0, every row and column (totals included) adds up.
    Returns {(row, col): (min, max)} for every hidden entry (max None when unbounded).
    """
    cells = display.to_numpy()
    n_rows, n_cols = cells.shape  # totals are the last row and column
    hidden = [(i, j) for i in range(n_rows) for j in range(n_cols) if cells[i, j] in
              (f"<{threshold}", secondary)]  # fmt: skip
    if not hidden:
        return {}
    var = {cell: k for k, cell in enumerate(hidden)}

    def known(i: int, j: int) -> float:
        return 0.0 if cells[i, j] == "" else float(cells[i, j])

    a_eq, b_eq = [], []
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    for line in lines:
        row, rhs = np.zeros(len(hidden)), 0.0
        for pos, cell in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0
            if cell in var:
                row[var[cell]] += sign
            else:
                rhs -= sign * known(*cell)
        a_eq.append(row)
        b_eq.append(rhs)
    bounds = []
    for i, j in hidden:
        if i == n_rows - 1 or j == n_cols - 1:
            bounds.append((0, None))
        elif cells[i, j] == f"<{threshold}":
            bounds.append((1, threshold - 1))
        else:
            bounds.append((threshold, None))
    out = {}
    for (i, j), k in var.items():
        c = np.zeros(len(hidden))
        c[k] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, "the published table is inconsistent"
        out[(i, j)] = (low.fun, None if high.status == 3 else -high.fun)
    return out


def assert_protected(values: np.ndarray, result, threshold: int) -> None:
    display = result.display.to_numpy()
    mask = result.mask.to_numpy()
    r, c = values.shape
    full = np.zeros((r + 1, c + 1))
    full[:r, :c] = values
    full[:r, c] = values.sum(axis=1)
    full[r, :] = full[:r, :].sum(axis=0)

    # Every published entry is the true value; every marker tells the truth.
    for i in range(r + 1):
        for j in range(c + 1):
            v, shown, is_total = full[i, j], display[i, j], i == r or j == c
            if not mask[i, j]:
                assert shown == str(int(v))
            elif is_total:
                assert shown == "[c]"
            elif shown == f"<{threshold}":
                assert 1 <= v <= threshold - 1
            else:
                assert shown == "[c]" and v >= threshold
    # Primary suppression: exactly the body cells from 1 to threshold - 1.
    small = (values >= 1) & (values <= threshold - 1)
    assert (result.primary.to_numpy()[:r, :c] == small).all()
    assert (mask[:r, :c] >= small).all()
    assert not mask[:r, :c][values == 0].any()

    # No row or column (with its total) holds exactly one hidden entry.
    for i in range(r + 1):
        assert mask[i, :].sum() != 1, f"row {i} has one hidden entry"
    for j in range(c + 1):
        assert mask[:, j].sum() != 1, f"column {j} has one hidden entry"

    # And no hidden value can be pinned down from what is published.
    for cell, (low, high) in reader_bounds(result.display, threshold).items():
        assert high is None or high - low > 0.5, f"{cell} is recoverable: {low} .. {high}"


# --- hand-made tables ---------------------------------------------------------------------


def test_worked_table():
    #        A   B   C | Total
    #   x    3  10   8 |  21
    #   y    6   7  12 |  25
    #   Total 9 17  20 |  46
    # 3 is small. Row x then has one hidden cell: hide its smallest other cell, 8.
    # Column A has one hidden cell: hide 6. Column C now has one (8): hide 12, which
    # also pairs with 6 in row y. A reader then knows x_A + x_C = 11, x_A + y_A = 9,
    # y_A + y_C = 18, x_C + y_C = 20 with x_A in 1..4 and the rest >= 5: x_A can be
    # anything from 1 to 4.
    table = pd.DataFrame({"A": [3, 6], "B": [10, 7], "C": [8, 12]}, index=["x", "y"])
    result = suppress_table(table)
    expected = pd.DataFrame(
        {
            "A": ["<5", "[c]", "9"],
            "B": ["10", "7", "17"],
            "C": ["[c]", "[c]", "20"],
            "Total": ["21", "25", "46"],
        },
        index=["x", "y", "Total"],
    )
    pd.testing.assert_frame_equal(result.display, expected, check_dtype=False)
    assert result.mask.to_numpy().sum() == 4
    assert result.primary.to_numpy().sum() == 1
    assert result.primary.loc["x", "A"]
    assert_protected(table.to_numpy(dtype=float), result, 5)


def test_no_small_cells_means_nothing_hidden():
    table = pd.DataFrame({"A": [0, 6], "B": [10, 0]}, index=["x", "y"])
    result = suppress_table(table)
    assert not result.mask.to_numpy().any()
    assert result.display.loc["x"].tolist() == ["0", "10", "10"]
    assert result.display.loc["Total"].tolist() == ["6", "10", "16"]


def test_small_total_row_hides_the_total():
    # Row x is 1, 1, 0 with total 2: both 1s are forced whatever else is hidden
    # (two cells of at least 1 adding to 2), so the row total itself must go.
    table = pd.DataFrame([[1, 1, 0], [2, 5, 3]], index=["x", "y"], columns=["a", "b", "c"])
    result = suppress_table(table, threshold=3)
    assert result.mask.loc["x", "Total"]
    assert result.display.loc["x", "Total"] == "[c]"
    assert_protected(table.to_numpy(dtype=float), result, 3)


def test_nan_stays_blank_and_zero_stays_zero():
    table = pd.DataFrame({"A": [np.nan, 0.0], "B": [20.0, 30.0]}, index=["x", "y"])
    result = suppress_table(table)
    assert result.display.loc["x", "A"] == ""
    assert result.display.loc["y", "A"] == "0"
    assert result.display.loc["Total", "A"] == "0"
    assert result.display.loc["x", "Total"] == "20"


def test_series_with_one_small_count():
    # 3 hidden; the total 55 would give it back, so the next smallest (12) goes too:
    # the reader knows a + b = 15 with a in 1..4, b >= 5: a could be 1..4.
    result = suppress_series(pd.Series([3, 12, 40], index=["a", "b", "c"]))
    assert result.display.tolist() == ["<5", "[c]", "40", "55"]
    assert result.display.index.tolist() == ["a", "b", "c", "Total"]
    assert result.mask.tolist() == [True, True, False, False]
    assert result.primary.tolist() == [True, False, False, False]


def test_series_where_the_bounds_give_a_cell_away():
    # 1 and 5 out of 26 with 20 published: a + b = 6, a in 1..4, b >= 5 forces
    # a = 1, b = 5. So 20 is hidden as well: a + b + c = 26, b, c >= 5 leaves a in 1..4.
    result = suppress_series(pd.Series([1, 5, 20]))
    assert result.display.tolist() == ["<5", "[c]", "[c]", "26"]


def test_series_with_only_zeros_besides_the_small_count():
    # 3, 0, 0: the total would be the 3, and zeros are never hidden, so the total goes.
    result = suppress_series(pd.Series([3, 0, 0]))
    assert result.display.tolist() == ["<5", "0", "0", "[c]"]


def test_series_two_small_counts_protect_each_other():
    # 2 + 3 = 5 is known from 45 - 40, and a, b in 1..4: a could be 1..4.
    result = suppress_series(pd.Series([2, 3, 40]))
    assert result.display.tolist() == ["<5", "<5", "40", "45"]


def test_threshold_is_configurable():
    # Threshold 10: 7 shown "<10"; 12 hidden so that a + b = 19 with a in 1..9, b >= 10.
    result = suppress_series(pd.Series([7, 12, 30]), threshold=10)
    assert result.display.tolist() == ["<10", "[c]", "30", "49"]
    marked = suppress_series(pd.Series([3, 12, 40]), secondary_marker="*")
    assert marked.display.tolist() == ["<5", "*", "40", "55"]


def test_bad_inputs():
    with pytest.raises(ParameterError, match="threshold"):
        suppress_series(pd.Series([1, 2]), threshold=2)
    with pytest.raises(ParameterError, match="not a count"):
        suppress_table(pd.DataFrame({"A": [1.5, 2]}))
    with pytest.raises(ParameterError, match="not a count"):
        suppress_series(pd.Series([-1, 2]))
    with pytest.raises(ParameterError, match="Total"):
        suppress_table(pd.DataFrame({"A": [1, 2], "Total": [1, 2]}))


# --- property: nothing can be recovered -----------------------------------------------------

tables = st.integers(1, 4).flatmap(
    lambda r: st.integers(1, 4).flatmap(
        lambda c: st.lists(
            st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=r, max_size=r
        )
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tables, threshold=st.sampled_from([3, 5]))
def test_no_hidden_cell_can_be_recovered(rows, threshold):
    values = np.array(rows, dtype=float)
    result = suppress_table(pd.DataFrame(values), threshold=threshold)
    assert_protected(values, result, threshold)


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 12), min_size=1, max_size=6))
def test_no_hidden_count_in_a_series_can_be_recovered(counts):
    result = suppress_series(pd.Series(counts))
    n = len(counts)
    values = [*counts, sum(counts)]
    shown = result.display.tolist()
    for k, (v, text) in enumerate(zip(values, shown, strict=True)):
        if not result.mask.iloc[k]:
            assert text == str(v)
        elif text == "<5":
            assert 1 <= v <= 4 and k < n
        else:
            assert text == "[c]" and (v >= 5 or k == n)
    hidden = [k for k in range(n + 1) if result.mask.iloc[k]]
    if not hidden:
        assert not any(1 <= v <= 4 for v in counts)
        return
    assert len(hidden) >= 2
    # Reader: sum of the counts - total = 0, published values moved to the right.
    a_eq = [[1.0 if k < n else -1.0 for k in hidden]]
    b_eq = [
        -sum(values[k] for k in range(n) if k not in hidden) + (0 if n in hidden else values[n])
    ]
    bounds = [(0, None) if k == n else (1, 4) if shown[k] == "<5" else (5, None) for k in hidden]
    for pos in range(len(hidden)):
        c = np.zeros(len(hidden))
        c[pos] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0
        assert high.status == 3 or (-high.fun) - low.fun > 0.5


# --- the disclosure policy ----------------------------------------------------------------


def test_secondary_suppression_never_hides_a_major_group() -> None:
    # The case: homicide 4 (small) protected by hiding violence with injury 1,671
    # (a real rise from 1,500), the smallest complementary cell.
    s = pd.Series({"Homicide": 4, "Violence with injury": 1671, "Violence without injury": 2200})
    assert suppress_series(s).display["Violence with injury"] == "[c]"  # what happened
    r = protect_series(s)
    # Both other groups are major (43% and 57% of 3,875), so homicide is combined with
    # its smallest neighbour instead: 4 + 1,671 = 1,675, and nothing is hidden.
    assert r.display.to_dict() == {
        "Homicide and Violence with injury": "1675",
        "Violence without injury": "2200",
        "Total": "3875",
    }
    assert not r.mask.any()


def test_protected_groups_are_passed_over_for_secondary_suppression() -> None:
    s = pd.Series({"a": 3, "b": 10, "c": 12})
    assert suppress_series(s).display.tolist() == ["<5", "[c]", "12", "25"]
    r = suppress_series(s, protected=["b"])
    assert r.display.tolist() == ["<5", "10", "[c]", "25"]
    # Audit by hand: a + c = 25 - 10 = 15 with a in 1..4 and c >= 5: a could be 1 to 4.
    assert r.mask.tolist() == [True, False, True, False]
    # With every other entry protected, the smallest is still hidden (last resort).
    assert suppress_series(s, protected=["b", "c"]).display.tolist() == ["<5", "[c]", "12", "25"]


def test_protect_series_keeps_the_plain_rule_when_no_major_group_is_at_stake() -> None:
    s = pd.Series({"a": 3, "b": 10, "c": 12, "d": 200})  # b is 4% of 225: not major
    r = protect_series(s)
    assert r.display.tolist() == ["<5", "[c]", "12", "200", "225"]


def test_combine_small_adds_a_neighbour_only_when_needed() -> None:
    s = pd.Series({"x": 1, "y": 2, "z": 30, "w": 300})
    # 1 + 2 = 3 is still small: the smallest unprotected other entry (z, 30) joins.
    assert combine_small(s).to_dict() == {"x and y and z": 33, "w": 300}
    assert combine_small(s, protected=["z"]).to_dict() == {"x and y and w": 303, "z": 30}
    assert combine_small(pd.Series({"x": 2, "y": 3, "z": 30})).to_dict() == {"x and y": 5, "z": 30}


def test_policy_says_what_is_suppressed_and_where() -> None:
    p = DisclosurePolicy()
    # Published by ONS / the Home Office at partnership and force level: not suppressed.
    assert not p.applies("csp", "offence_group") and not p.applies("force", "total")
    # Small areas always; partner figures about people (not published) too.
    assert p.applies("lsoa", "offence_group") and p.applies("snap_point", "total")
    assert p.applies("csp", "marac_referrals")
    assert DisclosurePolicy(sensitive=frozenset({"offence_group"})).applies("csp", "offence_group")
    note = disclosure_note(DisclosurePolicy(threshold=10))
    assert "Counts of 1 to 9" in note and "<10" in note and "fewer than 50 responses" in note


def test_survey_responses_are_a_reliability_question_not_a_disclosure_cell() -> None:
    assert respondents_text(12) == "fewer than 50 responses, not reported"
    assert respondents_text(3) == "fewer than 50 responses, not reported"  # never "<5"
    assert respondents_text(50) is None
    assert respondents_text(30, DisclosurePolicy(min_responses=30)) is None
