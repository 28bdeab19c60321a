"""Small-number suppression (disclosure control) for tables shared outside the partnership.

Primary suppression: a count from 1 to ``threshold - 1`` is shown as ``"<threshold"``
("<5" by default). Zero stays "0"; a missing value (NaN) stays blank.

Secondary suppression: row and column totals are published (and are usually public
elsewhere anyway), so a hidden cell alone in its row could be recomputed as the total
minus the published cells. More cells are hidden, shown as ``secondary_marker``
("[c]", the GSS shorthand for "confidential"), until no hidden value can be worked
out by a reader who knows every published number, every total, and the rules:

* a cell shown as "<5" holds 1 to 4; a cell shown as "[c]" holds 5 or more (only
  cells of ``threshold`` or more are chosen for secondary suppression; zeros never
  are, so a "[c]" can never be a zero);
* a total is hidden only as a last resort (when a row or column has no other cell
  that could be hidden, or the bounds above would still pin a value down). A hidden
  total is always shown "[c]", whatever its size: showing a small total as "<5" would
  give its bounds away (a row of 1, 1, 0 with a total "<3" can only be 1, 1, 0).

How the cells are chosen:

1. every row and column (totals row and column included) holding exactly one hidden
   entry gets a second one: the cell that also completes a crossing line with a single
   hidden entry, else one that does not start a new such line, else the smallest;
2. then each hidden value is audited with linear programming (``scipy.optimize.linprog``):
   its minimum and maximum subject to every row and column adding up, published
   values fixed and the bounds above. Row/column-sum constraints are totally
   unimodular, so the LP bounds are the integer bounds: if min == max the value is
   recoverable and another cell in its row or column is hidden; repeat until none is.

What is not covered: attacks across several tables (differencing two overlapping
tables), and a reader who replays the choice of secondary cells (knowing the next
smallest cell was chosen bounds the published ones). Use the same suppressed table
for every report that shares it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from csplib.errors import CspError, ParameterError

__all__ = ["SuppressedSeries", "SuppressedTable", "suppress_series", "suppress_table"]


class SuppressedTable(NamedTuple):
    """``display``: strings with totals row and column; ``mask``: True where hidden;
    ``primary``: True where hidden because the count was small (mask minus secondary)."""

    display: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame


class SuppressedSeries(NamedTuple):
    """As :class:`SuppressedTable`, for one column of counts with its total last."""

    display: pd.Series
    mask: pd.Series
    primary: pd.Series


class _Problem:
    """Cells (flattened, totals included), the lines that add up, and what is known."""

    def __init__(
        self, values: np.ndarray, blank: np.ndarray, margin: np.ndarray, lines: list[list[int]]
    ) -> None:
        self.values = values
        self.blank = blank
        self.margin = margin
        self.lines = [np.asarray(line) for line in lines]  # members first, total last
        self.cell_lines: list[list[int]] = [[] for _ in range(len(values))]
        for li, line in enumerate(self.lines):
            for k in line:
                self.cell_lines[int(k)].append(li)


def _check_threshold(threshold: int) -> None:
    if not isinstance(threshold, (int, np.integer)) or threshold < 3:
        raise ParameterError(
            f"suppression threshold {threshold} is too small",
            fix="use a whole number of 3 or more (with 2, '<2' would reveal a 1)",
        )


def _check_counts(values: np.ndarray, labels: list[str]) -> None:
    for v, label in zip(values.ravel(), labels, strict=True):
        if np.isnan(v):
            continue
        if not np.isfinite(v) or v < 0 or v != np.floor(v):
            raise ParameterError(
                f"cell {label} holds {v}, not a count",
                fix="suppression applies to whole counts of 0 or more",
            )


# --- choosing cells ---------------------------------------------------------------------


def _line_counts(problem: _Problem, hidden: np.ndarray) -> np.ndarray:
    return np.array([int(hidden[line].sum()) for line in problem.lines])


def _best_partner(
    problem: _Problem, lines: list[int], hidden: np.ndarray, threshold: int
) -> int | None:
    """The best extra cell to hide among ``lines``: a body cell of ``threshold`` or more,
    else a non-zero total."""
    counts = _line_counts(problem, hidden)
    cells = sorted({int(k) for li in lines for k in problem.lines[li] if not hidden[k]})
    usable = ~problem.blank
    body = [
        k for k in cells if usable[k] and not problem.margin[k] and problem.values[k] >= threshold
    ]
    pool = body or [k for k in cells if usable[k] and problem.margin[k] and problem.values[k] >= 1]
    if not pool:
        return None

    def key(k: int) -> tuple[int, int, float, int]:
        crossing = [counts[li] for li in problem.cell_lines[k] if li not in lines]
        completes = sum(c == 1 for c in crossing)  # fixes another line at once
        opens = sum(c == 0 for c in crossing)  # would need a partner of its own
        return (-completes, opens, float(problem.values[k]), k)

    return min(pool, key=key)


def _bounds(value: float, is_margin: bool, threshold: int) -> tuple[float, float | None]:
    """What a reader knows about a hidden value from its marker."""
    if is_margin:
        return (0.0, None)
    return (1.0, float(threshold - 1)) if value < threshold else (float(threshold), None)


def _recoverable(problem: _Problem, hidden: np.ndarray, threshold: int) -> list[int]:
    """Hidden cells whose value the published cells, totals and markers pin down."""
    unknown = np.flatnonzero(hidden)
    if unknown.size == 0:
        return []
    column = {int(k): i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for line in problem.lines:
        if not hidden[line].any():
            continue
        coef = np.zeros(unknown.size)
        b = 0.0
        for pos, k in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0  # members - total = 0
            if hidden[k]:
                coef[column[int(k)]] += sign
            else:
                b -= sign * problem.values[k]
        rows.append(coef)
        rhs.append(b)
    a_eq, b_eq = np.array(rows), np.array(rhs)
    bounds = [_bounds(problem.values[k], problem.margin[k], threshold) for k in unknown]
    found = []
    for i, k in enumerate(unknown):
        c = np.zeros(unknown.size)
        c[i] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0 or high.status not in (0, 3):
            # The true values satisfy every constraint, so the LP cannot be infeasible.
            raise CspError(f"suppression audit failed: {low.message} / {high.message}")
        if high.status == 0 and (-high.fun) - low.fun < 0.5:
            found.append(int(k))
    return found


def _protect(problem: _Problem, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    v = problem.values
    primary = ~problem.blank & ~problem.margin & (v >= 1) & (v <= threshold - 1)
    hidden = primary.copy()
    while True:
        added = False
        for li, line in enumerate(problem.lines):
            if int(hidden[line].sum()) == 1:
                k = _best_partner(problem, [li], hidden, threshold)
                if k is not None:
                    hidden[k] = True
                    added = True
        if added:
            continue
        exposed = _recoverable(problem, hidden, threshold)
        if not exposed:
            return hidden, primary
        k = _best_partner(problem, problem.cell_lines[exposed[0]], hidden, threshold)
        if k is None:  # its own rows and columns are used up: widen to any line in play
            in_play = [li for li, line in enumerate(problem.lines) if hidden[line].any()]
            k = _best_partner(problem, in_play, hidden, threshold)
        if k is None:
            k = _best_partner(problem, list(range(len(problem.lines))), hidden, threshold)
        if k is None:
            # Cannot happen: with every total hidden, each small count can still move
            # within 1..threshold-1 (threshold >= 3), so nothing is pinned down.
            raise CspError(
                "cannot hide the small counts: every cell that could be hidden already is",
                fix="merge small rows or columns before publishing",
            )
        hidden[k] = True


def _markers(
    values: np.ndarray,
    blank: np.ndarray,
    hidden: np.ndarray,
    margin: np.ndarray,
    threshold: int,
    secondary: str,
) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        if blank[idx]:
            out[idx] = ""
        elif hidden[idx]:
            small = values[idx] < threshold and not margin[idx]
            out[idx] = f"<{threshold}" if small else secondary
        else:
            out[idx] = str(int(values[idx]))
    return out


# --- public -----------------------------------------------------------------------------


def suppress_table(
    table: pd.DataFrame,
    *,
    threshold: int = 5,
    total_label: str = "Total",
    secondary_marker: str = "[c]",
) -> SuppressedTable:
    """Suppress small counts in a rows x columns table and protect them from the totals.

    ``table``: the body only (counts, whole numbers >= 0; NaN for not available). A
    totals column and row (labelled ``total_label``) are added from the unrounded
    counts; drop them from ``display`` if not wanted (publishing less is always safe).

    Returns display (strings), mask (True where hidden) and primary (True where hidden
    because small), each with the totals row and column.

    >>> t = pd.DataFrame({"A": [3, 6], "B": [10, 7], "C": [8, 12]}, index=["x", "y"])
    >>> suppress_table(t).display
             A   B    C Total
    x       <5  10  [c]    21
    y      [c]   7  [c]    25
    Total    9  17   20    46
    """
    _check_threshold(threshold)
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ParameterError("suppression needs a table with at least one cell")
    labels = [str(x) for x in [*table.index, *table.columns]]
    if total_label.casefold() in (x.casefold() for x in labels):
        raise ParameterError(
            f"the table already has a row or column called '{total_label}'",
            fix="pass the body of the table only; totals are added from the cells",
        )
    try:
        body = table.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            "the table holds text, not counts", fix="pass numeric columns only"
        ) from err
    r, c = body.shape
    _check_counts(body, [f"({i!r}, {j!r})" for i in table.index for j in table.columns])

    blank = np.zeros((r + 1, c + 1), dtype=bool)
    blank[:r, :c] = np.isnan(body)
    blank[:r, c] = blank[:r, :c].all(axis=1)
    blank[r, :c] = blank[:r, :c].all(axis=0)
    blank[r, c] = blank[:r, :c].all()
    full = np.zeros((r + 1, c + 1))
    full[:r, :c] = np.nan_to_num(body)
    full[:r, c] = full[:r, :c].sum(axis=1)
    full[r, :] = full[:r, :].sum(axis=0)
    margin = np.zeros((r + 1, c + 1), dtype=bool)
    margin[r, :] = True
    margin[:, c] = True

    width = c + 1
    lines = [[i * width + j for j in range(c + 1)] for i in range(r + 1)]
    lines += [[i * width + j for i in range(r + 1)] for j in range(c + 1)]
    problem = _Problem(full.ravel(), blank.ravel(), margin.ravel(), lines)
    hidden, primary = _protect(problem, threshold)

    index = pd.Index([*table.index, total_label], name=table.index.name)
    columns = pd.Index([*table.columns, total_label], name=table.columns.name)
    hidden_2d = hidden.reshape(r + 1, c + 1)
    shown = _markers(full, blank, hidden_2d, margin, threshold, secondary_marker)
    display = pd.DataFrame(shown, index=index, columns=columns).astype("str")
    mask = pd.DataFrame(hidden_2d, index=index, columns=columns)
    prim = pd.DataFrame(primary.reshape(r + 1, c + 1), index=index, columns=columns)
    return SuppressedTable(display, mask, prim)


def suppress_series(
    series: pd.Series,
    *,
    threshold: int = 5,
    total_label: str = "Total",
    secondary_marker: str = "[c]",
) -> SuppressedSeries:
    """Suppress small counts in one list of counts published with its total.

    The total (labelled ``total_label``) is appended. With exactly one small count,
    the next smallest count of ``threshold`` or more is hidden too (and more if the
    bounds would still pin the small one down, e.g. 1 and 5 out of a known 6).

    >>> s = pd.Series([3, 12, 40], index=["a", "b", "c"])
    >>> suppress_series(s).display.tolist()
    ['<5', '[c]', '40', '55']
    """
    _check_threshold(threshold)
    if not isinstance(series, pd.Series) or series.empty:
        raise ParameterError("suppression needs a series with at least one count")
    if total_label.casefold() in (str(x).casefold() for x in series.index):
        raise ParameterError(
            f"the series already has an entry called '{total_label}'",
            fix="pass the counts only; the total is added",
        )
    try:
        values = series.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ParameterError("the series holds text, not counts") from err
    _check_counts(values, [repr(x) for x in series.index])
    n = len(values)
    blank = np.append(np.isnan(values), bool(np.isnan(values).all()))
    full = np.append(np.nan_to_num(values), np.nansum(values))
    margin = np.append(np.zeros(n, dtype=bool), True)
    problem = _Problem(full, blank, margin, [list(range(n + 1))])
    hidden, primary = _protect(problem, threshold)

    index = pd.Index([*series.index, total_label], name=series.index.name)
    shown = _markers(full, blank, hidden, margin, threshold, secondary_marker)
    return SuppressedSeries(
        pd.Series(shown, index=index, name=series.name).astype("str"),
        pd.Series(hidden, index=index, name=series.name),
        pd.Series(primary, index=index, name=series.name),
    )
