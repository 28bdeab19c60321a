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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from csplib.errors import CspError, ParameterError

__all__ = [
    "DisclosurePolicy",
    "SuppressedSeries",
    "SuppressedTable",
    "combine_small",
    "disclosure_note",
    "protect_series",
    "respondents_text",
    "suppress_series",
    "suppress_table",
]


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
        self,
        values: np.ndarray,
        blank: np.ndarray,
        margin: np.ndarray,
        lines: list[list[int]],
        protected: np.ndarray | None = None,
    ) -> None:
        self.values = values
        self.blank = blank
        self.margin = margin
        # Cells secondary suppression avoids (major groups): used only when nothing else is.
        self.protected = np.zeros(len(values), dtype=bool) if protected is None else protected
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
    minor = [k for k in body if not problem.protected[k]]
    pool = (
        minor
        or body
        or [k for k in cells if usable[k] and problem.margin[k] and problem.values[k] >= 1]
    )
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
    protected: Iterable[object] = (),
) -> SuppressedSeries:
    """Suppress small counts in one list of counts published with its total.

    The total (labelled ``total_label``) is appended. With exactly one small count,
    the next smallest count of ``threshold`` or more is hidden too (and more if the
    bounds would still pin the small one down, e.g. 1 and 5 out of a known 6).
    Entries named in ``protected`` (major groups) are hidden for that only when no
    other entry can be; :func:`protect_series` combines small entries instead, so a
    major group is never hidden.

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
    keep = set(protected)
    guard = np.append(np.array([x in keep for x in series.index], dtype=bool), False)
    problem = _Problem(full, blank, margin, [list(range(n + 1))], guard)
    hidden, primary = _protect(problem, threshold)

    index = pd.Index([*series.index, total_label], name=series.index.name)
    shown = _markers(full, blank, hidden, margin, threshold, secondary_marker)
    return SuppressedSeries(
        pd.Series(shown, index=index, name=series.name).astype("str"),
        pd.Series(hidden, index=index, name=series.name),
        pd.Series(primary, index=index, name=series.name),
    )


# --- the disclosure policy ----------------------------------------------------------------

#: Geographies below a partnership: every count there is a small-area cell.
SMALL_AREAS = frozenset({"lsoa", "msoa", "ward", "snap_point", "street"})
#: Counts ONS and the Home Office already publish at a geography ("police recorded crime
#: by CSP area" carries every offence group and subgroup per partnership and force):
#: hiding them protects nobody and hides the story.
PUBLISHED = {
    "csp": frozenset({"total", "crime_class", "offence_group", "offence_subgroup"}),
    "lad": frozenset({"total", "crime_class", "offence_group", "offence_subgroup"}),
    "force": frozenset({"total", "crime_class", "offence_group", "offence_subgroup"}),
}
#: Below this many survey (consultation) responses a share is not reported.
MIN_RESPONSES = 50
#: An entry holding at least this share of its list's total is a major group: secondary
#: suppression never hides it (small entries are combined instead).
MAJOR_SHARE = 0.10


@dataclass(frozen=True)
class DisclosurePolicy:
    """What a shared report suppresses, and why (docs/disclosure.md).

    * ``threshold``: counts of 1 to ``threshold - 1`` are small ("<5" for 5);
    * small-area cells (``small_areas``: LSOAs, wards, snap points) are always subject
      to suppression;
    * a count at a whole-area geography is suppressed only when it is not already
      published there (``published``: geography -> measures ONS or the Home Office
      publish; a partnership's offence-group counts are) or it is ``sensitive``
      (partner cells about people: victims, referrals, young people);
    * secondary suppression never hides a major group (``major_share`` of its list or
      more): small entries are combined with a neighbour instead (:func:`protect_series`);
    * survey responses are not disclosure cells: a share from fewer than
      ``min_responses`` responses is not reported (:func:`respondents_text`).
    """

    threshold: int = 5
    small_areas: frozenset[str] = SMALL_AREAS
    published: Mapping[str, frozenset[str]] = field(default_factory=lambda: dict(PUBLISHED))
    sensitive: frozenset[str] = frozenset()
    major_share: float = MAJOR_SHARE
    min_responses: int = MIN_RESPONSES

    def applies(self, geography: str, measure: str) -> bool:
        """True when counts of ``measure`` at ``geography`` are subject to suppression.

        >>> p = DisclosurePolicy()
        >>> p.applies("csp", "offence_group"), p.applies("lsoa", "offence_group")
        (False, True)
        >>> p.applies("csp", "repeat_victims"), DisclosurePolicy(sensitive=frozenset({"offence_group"})).applies("csp", "offence_group")
        (True, True)
        """
        if geography in self.small_areas or measure in self.sensitive:
            return True
        return measure not in self.published.get(geography, frozenset())

    def major(self, series: pd.Series) -> list[object]:
        """The entries of ``series`` holding at least ``major_share`` of its total."""
        total = float(series.fillna(0).sum())
        if total <= 0:
            return []
        return [
            k for k, v in series.items() if pd.notna(v) and float(v) / total >= self.major_share
        ]


def disclosure_note(policy: DisclosurePolicy | None = None) -> str:
    """The report-notes sentence stating the disclosure policy.

    >>> disclosure_note().split(". ")[0]
    'Counts of 1 to 4 for neighbourhoods and other small areas, and for sensitive partner figures, are shown as <5'
    """
    p = policy or DisclosurePolicy()
    t = p.threshold
    return (
        f"Counts of 1 to {t - 1} for neighbourhoods and other small areas, and for sensitive "
        f"partner figures, are shown as <{t}. Where a hidden count could be worked out from "
        "a total, another cell is hidden too ([c]), or small groups are combined with a "
        "neighbour so that no major group is hidden. Whole-partnership counts by offence "
        "group are not hidden: ONS and the Home Office already publish them. Survey results "
        f"from fewer than {p.min_responses} responses are not reported."
    )


def respondents_text(n: int, policy: DisclosurePolicy | None = None) -> str | None:
    """None when ``n`` responses are enough to report a share; otherwise the words that
    replace it ("fewer than 50 responses, not reported"). Respondent counts are a
    reliability question, not a disclosure one: they are never shown as "<5".

    >>> respondents_text(49), respondents_text(50) is None
    ('fewer than 50 responses, not reported', True)
    """
    p = policy or DisclosurePolicy()
    if int(n) < p.min_responses:
        return f"fewer than {p.min_responses} responses, not reported"
    return None


def combine_small(
    series: pd.Series,
    *,
    threshold: int = 5,
    protected: Iterable[object] = (),
    joiner: str = " and ",
) -> pd.Series:
    """``series`` with its small counts (1 to ``threshold - 1``) combined into one entry
    named after its members ("Homicide and Death or serious injury by unlawful
    driving"), so nothing needs hiding. When the small counts together are still small,
    the smallest other entry that is not ``protected`` joins them (the smallest entry
    of all when every other is protected). Order is kept; the combined entry stands
    where its first member stood.

    >>> s = pd.Series({"Homicide": 4, "Violence with injury": 1671,
    ...                "Violence without injury": 2200, "Stalking": 3, "Other": 40})
    >>> combine_small(s).to_dict()
    {'Homicide and Stalking': 7, 'Violence with injury': 1671, 'Violence without injury': 2200, 'Other': 40}
    """
    _check_threshold(threshold)
    values = series.fillna(0)
    small = [k for k, v in values.items() if 0 < v < threshold]
    if not small:
        return series.copy()
    members = list(small)
    if sum(values[k] for k in members) < threshold:
        keep = set(protected)
        others = [k for k, v in values.items() if k not in members and v > 0]
        pool = [k for k in others if k not in keep] or others
        if pool:
            members.append(min(pool, key=lambda k: (values[k], str(k))))
    name = joiner.join(str(k) for k in series.index if k in members)
    out: dict[object, float] = {}
    for k, v in series.items():
        if k in members:
            out[name] = out.get(name, 0) + (0 if pd.isna(v) else v)
        else:
            out[k] = v
    return pd.Series(out, name=series.name, dtype=series.dtype)


def protect_series(
    series: pd.Series,
    *,
    policy: DisclosurePolicy | None = None,
    protected: Iterable[object] | None = None,
    total_label: str = "Total",
    secondary_marker: str = "[c]",
) -> SuppressedSeries:
    """Suppress a list of counts by the policy without ever hiding a major group.

    Small counts are suppressed as by :func:`suppress_series`, with major groups
    (``protected``; default the policy's :meth:`DisclosurePolicy.major`) kept out of
    secondary suppression. If a major group would still have to be hidden, the small
    counts are combined with a neighbour instead (:func:`combine_small`) and the result
    is published in full: its index then names the combined entry. The audit
    (:func:`suppress_series`) holds in both cases: no hidden count can be worked back.

    >>> s = pd.Series({"Homicide": 4, "Violence with injury": 1671, "Violence without injury": 2200})
    >>> r = protect_series(s)
    >>> r.display.to_dict()
    {'Homicide and Violence with injury': '1675', 'Violence without injury': '2200', 'Total': '3875'}
    """
    p = policy or DisclosurePolicy()
    major = list(p.major(series) if protected is None else protected)
    first = suppress_series(
        series, threshold=p.threshold, total_label=total_label,
        secondary_marker=secondary_marker, protected=major,
    )  # fmt: skip
    secondary = first.mask & ~first.primary
    if not any(bool(secondary.get(k, False)) for k in major):
        return first
    combined = combine_small(series, threshold=p.threshold, protected=major)
    return suppress_series(
        combined, threshold=p.threshold, total_label=total_label,
        secondary_marker=secondary_marker,
    )  # fmt: skip
