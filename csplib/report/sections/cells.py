"""How counts, changes and values appear in a shared report's cells: small numbers
suppressed (1 to threshold - 1 become "<threshold"), and figures that would give one
back hidden as "[c]". Every section formats its cells through these."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csplib.indicators.suppression import suppress_series
from csplib.report import html as h


def _missing(n: object) -> bool:
    return n is None or n is pd.NA or (isinstance(n, float) and np.isnan(n))


def count(n: object, threshold: int, missing: str = "n/a") -> str:
    """A count as shown in shared tables: 1..threshold-1 become '<threshold'; an absent
    count shows ``missing`` (a briefing's months that were not loaded are 'gap', never 0).

    >>> count(3, 5), count(1234, 5), count(None, 5, "gap")
    ('<5', '1,234', 'gap')
    """
    if _missing(n):
        return missing
    n = int(n)  # type: ignore[arg-type]
    return f"<{threshold}" if 0 < n < threshold else f"{n:,}"


def hide(shown: pd.Series, *counts: pd.Series, threshold: int) -> pd.Series:
    """``shown`` with '[c]' wherever one of ``counts`` is small (1 to threshold - 1):
    a share or change next to a published total or count would reveal it."""
    small = pd.Series(False, index=shown.index)
    for c in counts:
        values = pd.to_numeric(c, errors="coerce").reindex(shown.index)
        small |= (values > 0) & (values < threshold)
    return shown.where(~small.fillna(False).astype(bool), "[c]")


def top_counts(counts: pd.Series, total: int, threshold: int) -> tuple[list[str], list[bool]]:
    """Display strings and hidden flags for the counts of a top-N list (places) whose
    area total the report publishes: the rows not listed form one unshown entry, so a
    small count is also protected when the list holds every place (a lone hidden cell
    would be the total minus the others)."""
    values = [int(v) for v in counts]
    full = pd.Series([*values, total - sum(values)], dtype="int64")
    s = suppress_series(full, threshold=threshold)
    n = len(values)
    return [h.fmt_display(v) for v in s.display.iloc[:n]], [bool(m) for m in s.mask.iloc[:n]]


def value(unit: str, v: object, threshold: int) -> str:
    """A plan or partner indicator's value in its unit (a count is suppressed)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    x = float(v)  # type: ignore[arg-type]
    if unit == "count":
        return count(x, threshold) if x.is_integer() else f"{x:,.1f}"
    if unit == "percent":
        return f"{x:.1f}%"
    return f"{x:,.2f}"


def months_text(months: list[str]) -> str:
    """'Jul 2024, Aug 2024' from ISO months."""
    return ", ".join(h.fmt_month(m) for m in months)


def lfl_note(lfl, flagged: list[str]) -> str:
    """Which months a year-on-year comparison leaves out of both years, and why."""
    if not lfl.excluded:
        return "Every month of both years is complete: the whole years are compared."
    pairs = "; ".join(f"{h.fmt_month(c)} and {h.fmt_month(p)}" for c, p in lfl.excluded)
    return (
        f"{months_text(flagged)} is missing or incomplete in the data, so the same calendar "
        f"month is left out of both years ({pairs}): {len(lfl.current)} months are compared "
        f"with {len(lfl.previous)}, never a short month with a full one."
    )
