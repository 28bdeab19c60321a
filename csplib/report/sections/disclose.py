"""Disclosure and wording shared by the analyses sections (outcomes, stop and search,
long trend, peers by offence, places by name, harm, road safety).

These sections apply the report's threshold to every count they publish, whatever its
geography: a count of 1 to ``threshold - 1`` is shown as "<threshold" in tables, text,
alt text and figures.json alike, and when counts are published with their total, one
more count is hidden ("[c]") so the small one cannot be worked back
(:func:`csplib.indicators.suppression.suppress_series`). A figure derived from a hidden
count (a share, a rate, a ratio) is hidden with it. Dates read "July 2024".
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from csplib.indicators.suppression import DisclosurePolicy, suppress_series
from csplib.report.sections.context import month_long as month_text  # the one date style


def policy(threshold: int) -> DisclosurePolicy:
    """The report's disclosure policy at its threshold."""
    return DisclosurePolicy(threshold=threshold)


def year_label(start: str, end: str) -> str:
    """A 12-month block: '2023/24' for April to March, else '12 months to July 2024'.

    >>> year_label("2023-04", "2024-03"), year_label("2023-08", "2024-07")
    ('2023/24', '12 months to July 2024')
    """
    if start.endswith("-04") and end.endswith("-03"):
        y = int(start[:4])
        return f"{y}/{(y + 1) % 100:02d}"
    return f"12 months to {month_text(end)}"


def lone(n: object, threshold: int) -> int | str | None:
    """One count published on its own: an int, '<threshold' when small, None for a gap.

    >>> lone(3, 5), lone(12, 5), lone(0, 5)
    ('<5', 12, 0)
    """
    if n is None or n is pd.NA or (isinstance(n, float) and n != n):
        return None
    n = int(n)  # type: ignore[arg-type]
    return f"<{threshold}" if 0 < n < threshold else n


def with_total(counts: Mapping[str, object], threshold: int) -> dict[str, int | str]:
    """Counts published with their total: small ones '<threshold', and one more hidden
    ('[c]') where needed so none can be worked back, a major group only when no other
    count can be (ints kept where shown).

    >>> with_total({"a": 3, "b": 12, "c": 40}, 5)
    {'a': '<5', 'b': '[c]', 'c': 40}
    >>> with_total({"a": 0, "b": 12}, 5)
    {'a': 0, 'b': 12}
    """
    values = {k: int(v) for k, v in counts.items()}  # type: ignore[call-overload]
    if not any(0 < v < threshold for v in values.values()):
        return dict(values)
    series = pd.Series(values, dtype="int64")
    # A major group (a tenth of the total or more) is hidden only when nothing else can be.
    s = suppress_series(series, threshold=threshold, protected=policy(threshold).major(series))
    return {k: (str(s.display[k]) if bool(s.mask[k]) else v) for k, v in values.items()}


def hidden(shown: object) -> bool:
    """True for a count shown as '<5' or '[c]'."""
    return isinstance(shown, str)


def text(shown: object, missing: str = "gap") -> str:
    """A published count for a table cell or a sentence ('1,234', '<5', '[c]', 'gap')."""
    if shown is None:
        return missing
    return shown if isinstance(shown, str) else f"{int(shown):,}"  # type: ignore[call-overload]


def pct(x: object, digits: int = 1) -> str:
    """A share for a table cell: '12.3%' (no sign), '' when missing."""
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return ""
    return f"{float(x):.{digits}f}%"  # type: ignore[arg-type]


def num(x: object, digits: int = 4) -> float | None:
    """A float for figures.json (None when missing)."""
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return None
    return round(float(x), digits)  # type: ignore[arg-type]
