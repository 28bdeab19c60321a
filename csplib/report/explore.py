"""Interactive exploration for analysts in JupyterLab: controls over the same indicator
functions and report sections the briefings use.

``Explorer.load(store=...)`` reads the store once. ``Explorer.view(selection)`` returns one
view as HTML for an area, a period (a month, financial quarter, financial year, rolling 12
months or a custom run of months), a measure and a comparison (the same period last year
or the previous period):

* **Overview**: the headline, the trend over every month in the store (the period and its
  comparison shaded; a missing month is a gap) and the breakdown table;
* **Places**: the neighbourhoods (LSOAs) with the most crime, names, codes, counts and
  rates (:mod:`csplib.report.sections.places`);
* **Map**: the LSOA choropleth from the boundaries in the store, drawn offline;
* **County**: every partnership of the county side by side, the selected one marked
  (:mod:`csplib.report.sections.county`);
* **Peers**: the funnel plot and table of the area's peer group
  (:mod:`csplib.report.sections.peers`).

``Explorer.controls(...)`` wraps the views in dropdowns whose callbacks redraw them, an
export button (the current table as CSV and Excel, the chart as PNG, and the ``csp``
command that builds the matching report) and a note that shows itself when the kernel
restarts. :func:`start` is what the notebook calls: a parameter that is not exactly an
option is matched case-insensitively where that is unambiguous, else it is a one-line
error naming the parameter and the valid values.

A gap is never a change: a period with a missing or incomplete month, or whose
comparison has one or falls before the store begins, is labelled in the period list and
no change is stated for it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from csplib import paths
from csplib.areas import Area, list_areas, resolve_area
from csplib.errors import CspError, ParameterError
from csplib.indicators.change import compare_periods
from csplib.indicators.counts import asb_mask, in_period, monthly_counts
from csplib.indicators.narrative import headline_change
from csplib.indicators.peers import ABOVE, BELOW
from csplib.indicators.significance import add_significance, poisson_change_test
from csplib.periods import Period, check_coverage, month_range, parse_period, shift_month
from csplib.report import charts
from csplib.report import html as h
from csplib.report.data import REPORT_COLUMNS, ReportData, area_population, peer_table
from csplib.report.sections import cells, county, peers, places
from csplib.report.sections.context import Quarter
from csplib.safecsv import safe_frame, write_csv
from csplib.schema import ASB, CRIME_TYPES
from csplib.store import Store

SAME_PERIOD = "Same period last year"
PREVIOUS_PERIOD = "Previous period"
COMPARISONS = (SAME_PERIOD, PREVIOUS_PERIOD)

#: Period kinds offered, as the control shows them -> the Period kind ("custom": any run
#: of whole months).
PERIOD_KINDS = {
    "Financial quarter": "fquarter",
    "Month": "month",
    "Financial year": "fyear",
    "Rolling 12 months": "rolling12",
    "Custom months": "custom",
}

VIEWS = ("Overview", "Places", "Map", "County", "Peers")

ALL_CRIME = "All crime"
ASB_LABEL = "Anti-social behaviour (not crime)"
GROUP_PREFIX = "Offence group: "
TYPE_PREFIX = "Crime type: "

#: Columns the explorer reads: what the report sections read, plus the force area.
COLUMNS = [*REPORT_COLUMNS, "pfa_name"]

#: Shown inside the controls only once the kernel has gone (ipywidgets marks a view whose
#: kernel connection closed with the class ``jupyter-widgets-disconnected``).
RESTART_NOTE = (
    "The kernel restarted: these controls are no longer connected. Run all cells "
    "(Run > Run All Cells) to rebuild them."
)
_RESTART_HTML = (
    "<style>.csp-restart-note{display:none}"
    ".jupyter-widgets-disconnected .csp-restart-note{display:block;background:#fff4ce;"
    "color:#4a3b00;border-left:6px solid #8a6d00;padding:0.5rem 1rem;margin:0.5rem 0}"
    "</style><div class='csp-restart-note' role='alert'><strong>{}</strong></div>"
)
#: Look of the views inside JupyterLab: warnings as warnings, the synthetic banner, tables.
_STYLE = """
.csp-explore .callout{border-left:6px solid #00405f;background:#eef4f8;padding:0.4rem 1rem;
  margin:0.6rem 0;color:#1b1b1b}
.csp-explore .callout.warning{border-left-color:#8a6d00;background:#fff4ce;color:#4a3b00}
.csp-explore .callout p{margin:0.2rem 0}
.csp-explore .banner.synthetic{background:#7a0019;color:#fff;padding:0.5rem 1rem;
  border-radius:4px;margin:0 0 0.6rem}
.csp-explore .headline{font-size:1.1rem;font-weight:600}
.csp-explore .num{text-align:right;font-variant-numeric:tabular-nums}
.csp-explore caption{text-align:left;font-weight:600}
.csp-explore .table-note,.csp-explore .licence,.csp-explore figcaption{font-size:0.85rem;
  color:#4a4a4a}
.csp-explore figure img{max-width:100%;height:auto}
"""


# ---- parameters ------------------------------------------------------------------------


def match_option(name: str, value: object, options: Sequence[str | tuple[str, str]]) -> str:
    """The option ``value`` names: exactly, else the one option equal to it ignoring case
    and spacing (an option's label, its value, or its value without a prefix such as
    'Crime type: '). Anything else is a :class:`ParameterError` naming the parameter and
    the valid values, on one line.

    >>> match_option("area", "synthchester", ["Northvale", "Synthchester"])
    'Synthchester'
    >>> match_option("measure", "burglary", ["All crime", "Crime type: Burglary"])
    'Crime type: Burglary'
    >>> match_option("area", "Nowhere", ["Northvale", "Synthchester"])
    Traceback (most recent call last):
    ...
    csplib.errors.ParameterError: area 'Nowhere' is not one of the options: Northvale, Synthchester.
    """
    pairs = [(o, o) if isinstance(o, str) else (str(o[0]), str(o[1])) for o in options]
    values = [v for _, v in pairs]
    text = str(value)
    if text in values:
        return text

    def norm(s: str) -> str:
        return " ".join(s.replace("&", "and").casefold().split())

    def keys(label: str, v: str) -> set[str]:
        out = {norm(label), norm(v)}
        for prefix in (GROUP_PREFIX, TYPE_PREFIX):
            if v.startswith(prefix):
                out.add(norm(v.removeprefix(prefix)))
        return out

    want = norm(text)
    hits = list(dict.fromkeys(v for label, v in pairs if want in keys(label, v)))
    if len(hits) == 1:
        return hits[0]
    shown = ", ".join(values)
    if len(hits) > 1:
        raise ParameterError(f"{name} '{text}' matches more than one option: {', '.join(hits)}")
    raise ParameterError(f"{name} '{text}' is not one of the options: {shown}")


# ---- measures --------------------------------------------------------------------------


def measure_options() -> list[str]:
    """Every measure the explorer offers, without duplicates: all crime, ASB, each offence
    group holding more than one crime type, and each crime type (a group holding one type
    is that type, offered once)."""
    types = [t for t in CRIME_TYPES if t != ASB]
    by_group: dict[str, list[str]] = {}
    for t in types:
        by_group.setdefault(CRIME_TYPES[t][0], []).append(t)
    groups = sorted(g for g, members in by_group.items() if len(members) > 1)
    return (
        [ALL_CRIME, ASB_LABEL]
        + [GROUP_PREFIX + g for g in groups]
        + [TYPE_PREFIX + t for t in sorted(types)]
    )


def measure_name(measure: str) -> str:
    """The measure as a sentence names it: 'Theft offences', 'Shoplifting'."""
    if measure == ASB_LABEL:
        return "Anti-social behaviour"
    return measure.removeprefix(GROUP_PREFIX).removeprefix(TYPE_PREFIX)


def _plural(name: str) -> bool:
    return name.casefold().endswith("offences") or name.casefold() == "drugs"


def agree(sentence: str, subject: str) -> str:
    """``sentence`` with its verb agreeing with a plural subject.

    >>> agree("Theft offences was 12 against 10 in ...", "Theft offences")
    'Theft offences were 12 against 10 in ...'
    """
    if _plural(subject) and sentence.startswith(subject + " was "):
        return subject + " were " + sentence[len(subject) + 5 :]
    return sentence


def select_measure(crimes: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, str, str | None]:
    """(rows, count measure 'crime' or 'asb', the column to break the rows down by).

    All crime breaks down by offence group, an offence group by crime type, a crime type
    and ASB by neighbourhood (LSOA).
    """
    if measure == ALL_CRIME:
        return crimes, "crime", "offence_group"
    if measure == ASB_LABEL:
        return crimes, "asb", "lsoa_name"
    if measure.startswith(GROUP_PREFIX):
        group = measure.removeprefix(GROUP_PREFIX)
        return crimes[crimes["offence_group"] == group], "crime", "crime_type"
    if measure.startswith(TYPE_PREFIX):
        kind = measure.removeprefix(TYPE_PREFIX)
        return crimes[crimes["crime_type"] == kind], "crime", "lsoa_name"
    raise ParameterError(f"measure '{measure}' is not one of the options", fix="pick from the list")


# ---- periods ---------------------------------------------------------------------------


def _month_name(month: str) -> str:
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


@dataclass(frozen=True, eq=False)
class MonthSpan:
    """A custom run of whole months ('2024-01 to 2024-06'), shaped like a Period for the
    indicator functions. Not equal to any Period, so sentences name it by its label."""

    start: str
    end: str
    kind: str = "custom"

    @property
    def months(self) -> list[str]:
        return month_range(self.start, self.end)

    @property
    def label(self) -> str:
        if self.start == self.end:
            return _month_name(self.start)
        return f"{_month_name(self.start)} to {_month_name(self.end)}"

    @property
    def days(self) -> int:
        return sum(calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in self.months)

    def same_period_last_year(self) -> MonthSpan:
        return MonthSpan(shift_month(self.start, -12), shift_month(self.end, -12))

    def previous(self) -> MonthSpan:
        n = len(self.months)
        return MonthSpan(shift_month(self.start, -n), shift_month(self.end, -n))

    def __str__(self) -> str:
        return self.label


_CUSTOM = re.compile(r"\s*(\d{4}-\d{2})\s*(?:to|-|–)\s*(\d{4}-\d{2})\s*")


def parse_selection_period(text: str) -> Period | MonthSpan:
    """A period value of the controls: any form :func:`parse_period` reads, or a custom
    run of months 'YYYY-MM to YYYY-MM'."""
    m = _CUSTOM.fullmatch(str(text))
    if m:
        month_range(m.group(1), m.group(2))  # checks the order
        return MonthSpan(m.group(1), m.group(2))
    return parse_period(text)


def period_value(p: Period | MonthSpan) -> str:
    """The value the controls hold for a period (a custom span: 'YYYY-MM to YYYY-MM')."""
    if isinstance(p, MonthSpan):
        return f"{p.start} to {p.end}"
    if p.kind == "rolling12":
        return f"12 months to {p.end}"
    if p.kind == "month":
        return p.start
    return p.label


@dataclass(frozen=True)
class Selection:
    """What the controls show: an area, a period value, a measure, a comparison, a view."""

    area: str
    period: str
    measure: str = ALL_CRIME
    comparison: str = SAME_PERIOD
    view: str = "Overview"

    def parsed(self) -> Period | MonthSpan:
        return parse_selection_period(self.period)

    def other(self) -> Period | MonthSpan:
        p = self.parsed()
        return p.same_period_last_year() if self.comparison == SAME_PERIOD else p.previous()


@dataclass
class ViewResult:
    """One rendered view, with the table and chart behind it (for export)."""

    html: h.Html
    table: pd.DataFrame | None = None  # as shown: formatted and suppressed
    table_title: str = ""
    chart: Any = None  # a function returning (fig, alt), or None
    warnings: list[str] = field(default_factory=list)


# ---- the explorer ----------------------------------------------------------------------


class Explorer:
    """Interactive views of one store: pick an area, period, measure, comparison and view."""

    def __init__(
        self,
        crimes: pd.DataFrame,
        coverage: pd.DataFrame,
        lad: pd.DataFrame,
        population: pd.DataFrame,
        forces: list[str] | dict,
        peer_groups: dict[str, dict] | None = None,
        threshold: int = 5,
        *,
        store: Store | None = None,
        lsoa_population: pd.DataFrame | None = None,
        boundaries: list[dict] | None = None,
        synthetic: bool = False,
    ) -> None:
        self.crimes = crimes
        self.coverage = coverage
        self.lad = lad
        self.population = population
        self.forces = forces
        self.peer_groups = peer_groups or {}
        self.threshold = threshold
        self.store = store
        self.lsoa_population = (
            lsoa_population if lsoa_population is not None else population.iloc[0:0]
        )
        self.boundaries = boundaries
        self.synthetic = synthetic
        self._area_cache: dict[str, tuple[Area, pd.DataFrame]] = {}
        self._measure_cache: dict[str, pd.DataFrame] = {}
        self._areas: list[str] | None = None

    @classmethod
    def load(
        cls,
        store: str | Path = "data/processed",
        peer_groups_file: str | Path | None = "parameters/peer_groups.yaml",
        threshold: int = 5,
    ) -> Explorer:
        """Read the store once (paths relative to the project root)."""
        import json

        root = Path(store) if Path(store).is_absolute() else paths.ROOT / store
        s = Store(root)
        forces = s.forces()
        if not forces:
            s.crimes()  # raises the "no crimes data; run csp ingest" error
        lad = s.read("geography_lad") if s.has("geography_lad") else pd.DataFrame(
            columns=["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
        )  # fmt: skip
        pop = s.read("population") if s.has("population") else pd.DataFrame(
            columns=["area_code", "area_name", "level", "year", "population"]
        )  # fmt: skip
        groups: dict[str, dict] = {}
        if peer_groups_file:
            gpath = Path(peer_groups_file)
            gpath = gpath if gpath.is_absolute() else paths.ROOT / gpath
            if gpath.exists():
                doc = yaml.safe_load(gpath.read_text(encoding="utf-8")) or {}
                groups = {str(k): dict(v or {}) for k, v in (doc.get("groups") or {}).items()}
        boundaries = None
        bpath = s.root / "boundaries" / "lsoa.geojson"
        if bpath.exists():
            boundaries = json.loads(bpath.read_text(encoding="utf-8")).get("features")
        crimes = s.crimes(COLUMNS)
        names = crimes["falls_within"].dropna().unique()
        synthetic = any("synthetic" in str(n).casefold() for n in names)
        return cls(
            crimes, s.coverage(), lad, pop[pop["level"] == "lad"], forces, groups, threshold,
            store=s, lsoa_population=pop[pop["level"] == "lsoa"], boundaries=boundaries,
            synthetic=synthetic,
        )  # fmt: skip

    # ---- options --------------------------------------------------------------------
    @property
    def areas(self) -> list[str]:
        """Partnerships (CSPs) and forces the store can show, partnerships first."""
        if self._areas is None:
            self._areas = self._list_areas()
        return self._areas

    def _list_areas(self) -> list[str]:
        table = list_areas(self.lad, self.forces)
        if table.empty:
            return []
        # A partnership belongs in the list when its force area is one whose force's rows
        # the store holds; a neighbouring district that a few rows stray into does not.
        placed = self.crimes.dropna(subset=["pfa_name"])
        home = set(placed.groupby("force")["pfa_name"].agg(lambda v: v.mode().iloc[0]))
        csps = table[(table["kind"] == "CSP") & table["force_area"].isin(home)]
        forces = table[table["kind"] == "force"]
        return sorted(csps["area"].unique()) + sorted(forces["area"].unique())

    def _area(self, name: str) -> Area:
        return resolve_area(name, self.lad, list(self.forces))

    def _area_rows(self, name: str) -> tuple[Area, pd.DataFrame]:
        if name not in self._area_cache:
            a = self._area(name)
            self._area_cache[name] = (a, a.select(self.crimes))
        return self._area_cache[name]

    def data_months(self, area: str) -> tuple[str, str] | None:
        """(first, last) month the store covers for ``area``'s force(s)."""
        cov = self.coverage[self.coverage["force"].isin(list(self._area(area).forces))]
        if cov.empty:
            return None
        return str(cov["month"].min()), str(cov["month"].max())

    def period_status(
        self, area: str, p: Period | MonthSpan, comparison: str = SAME_PERIOD
    ) -> str | None:
        """Why no change can be stated for ``p`` (None: it can): the period has a missing
        or incomplete month, its comparison has one, or the comparison falls before the
        store begins."""
        span = self.data_months(area)
        if span is None:
            return "no data"
        forces = list(self._area(area).forces)
        if not check_coverage(p.months, self.coverage, forces).empty:
            return "incomplete data"
        other = p.same_period_last_year() if comparison == SAME_PERIOD else p.previous()
        if other.start < span[0]:
            return "no earlier data to compare"
        if not check_coverage(other.months, self.coverage, forces).empty:
            return "comparison incomplete"
        return None

    def periods(self, area: str, kind: str) -> list[Period | MonthSpan]:
        """Every period of ``kind`` (a Period kind) within the store's months, latest first."""
        span = self.data_months(area)
        if span is None:
            return []
        first, last = span
        out: list[Period | MonthSpan] = []
        for month in month_range(first, last):
            p: Period | None = None
            if kind == "month":
                p = Period.month(month)
            elif kind == "rolling12" and shift_month(month, -11) >= first:
                p = Period.rolling12(month)
            elif kind == "fyear" and month[5:] == "03" and shift_month(month, -11) >= first:
                p = Period.fyear(int(month[:4]) - 1)
            elif kind == "fquarter" and month[5:] in ("06", "09", "12", "03"):
                start = shift_month(month, -2)
                p = Period("fquarter", start, month) if start >= first else None
            if p is not None:
                out.append(p)
        return out[::-1]

    def period_options(
        self, area: str, kind: str = "fquarter", comparison: str = SAME_PERIOD
    ) -> list[tuple[str, str]]:
        """(label, value) of every period of ``kind`` for ``area``, latest first; a period
        whose own or comparison months are missing, incomplete or before the data is
        labelled so (no change is stated for it)."""
        out = []
        for p in self.periods(area, kind):
            status = self.period_status(area, p, comparison)
            out.append((p.label + (f" ({status})" if status else ""), period_value(p)))
        return out

    def default_period(
        self, area: str, kind: str = "fquarter", comparison: str = SAME_PERIOD
    ) -> str | None:
        """The latest period of ``kind`` whose change can be stated, else the latest."""
        options = self.period_options(area, kind, comparison)
        complete = [v for label, v in options if "(" not in label]
        return complete[0] if complete else (options[0][1] if options else None)

    def month_options(self, area: str) -> list[tuple[str, str]]:
        """(label, value) of every month in the store for ``area``, earliest first."""
        span = self.data_months(area)
        if span is None:
            return []
        return [(h.fmt_month(m), m) for m in month_range(*span)]

    def check(self, sel: Selection) -> Selection:
        """``sel`` with each value matched to an option (see :func:`match_option`)."""
        area = match_option("area", sel.area, self.areas)
        measure = match_option("measure", sel.measure, measure_options())
        comparison = match_option("comparison", sel.comparison, COMPARISONS)
        view = match_option("view", sel.view, VIEWS)
        span = self.data_months(area)
        try:
            p = parse_selection_period(sel.period)
        except CspError:
            p = None
        if p is None or span is None or p.start < span[0] or p.end > span[1]:
            kind = p.kind if p is not None else "fquarter"
            kind = kind if kind in PERIOD_KINDS.values() and kind != "custom" else "fquarter"
            if p is not None and p.kind == "custom" and span is not None:
                valid = f"months from {span[0]} to {span[1]}"
            else:
                valid = ", ".join(v for _, v in self.period_options(area, kind, comparison))
            raise ParameterError(
                f"period '{sel.period}' is not in the data for {area}: choose one of {valid}"
            )
        return Selection(area, period_value(p), measure, comparison, view)

    def peer_group(self, area: Area) -> tuple[str | None, str, list[str]]:
        """(group id, display name, members) for ``area``: the first peer group holding it,
        else the partnerships of its county."""
        for gid, spec in self.peer_groups.items():
            members = [str(m) for m in spec.get("members") or []]
            if area.name in members:
                return gid, group_display_name(gid, spec), members
        county_name = area.pfa_name or "the county"
        return None, f"the partnerships of {county_name}", list(area.csp_names)

    # ---- computing -------------------------------------------------------------------
    def _context(self, sel: Selection, rows: pd.DataFrame | None = None) -> Quarter:
        """The report sections' context for ``sel``: the measure's rows of every force, the
        period and its comparison, and the coverage flags (months before the store begins
        included, as 'missing', so no section compares with them)."""
        a = self._area(sel.area)
        p, other = sel.parsed(), sel.other()
        rows = rows if rows is not None else self._measure_rows(sel.measure)
        data = ReportData(
            store=self.store, area=a, period=p, crimes=rows, coverage=self.coverage,
            lad=self.lad, population=self.population, lsoa_population=self.lsoa_population,
            boundaries=self.boundaries, synthetic=self.synthetic,
            forces=self.forces if isinstance(self.forces, dict) else {},
        )  # fmt: skip
        year = int(p.start[:4])
        return Quarter(
            data=data, threshold=self.threshold, period=p, previous=other,
            flags=self._flags(a, p, other),
            population=area_population(self.population, a.lad_codes, year),
            previous_population=area_population(self.population, a.lad_codes, year - 1),
        )  # fmt: skip

    def _measure_rows(self, measure: str) -> pd.DataFrame:
        """The measure's rows of every force, as the sections count them (ASB rows are
        marked as counted rows for the ASB measure)."""
        if measure not in self._measure_cache:
            rows, count_measure, _ = select_measure(self.crimes, measure)
            asb = asb_mask(rows)
            chosen = rows[asb].assign(is_asb=False) if count_measure == "asb" else rows[~asb]
            self._measure_cache[measure] = chosen
        return self._measure_cache[measure]

    def _flags(self, a: Area, *periods: Period | MonthSpan) -> pd.DataFrame:
        months = [m for p in periods for m in p.months]
        return check_coverage(months, self.coverage, list(a.forces))

    def figures(self, sel: Selection) -> dict:
        """The overview's figures, from the indicator functions."""
        a, area_rows = self._area_rows(sel.area)
        p, other = sel.parsed(), sel.other()
        rows, count_measure, by = select_measure(area_rows, sel.measure)
        name = measure_name(sel.measure)
        unit = "incident" if count_measure == "asb" else "crime"
        span = self.data_months(sel.area)
        out: dict[str, Any] = {
            "area": a.name, "period": p.label, "other_period": other.label,
            "measure": sel.measure, "name": name, "unit": unit, "by": by,
        }  # fmt: skip
        out["monthly"] = monthly_counts(
            rows, month_range(*span), measure=count_measure, coverage=self.coverage,
            force=list(a.forces),
        )  # fmt: skip
        before = [m for m in other.months if m < span[0]]
        cur_flags = self._flags(a, p)
        other_flags = self._flags(a, other)
        other_flags = other_flags[~other_flags["month"].isin(before)]
        out["flags"] = pd.concat([cur_flags, other_flags], ignore_index=True)
        out["before"] = before
        cur, prev = in_period(rows, p), in_period(rows, other)
        mask_c, mask_p = asb_mask(cur), asb_mask(prev)
        n_cur = int(mask_c.sum() if count_measure == "asb" else (~mask_c).sum())
        n_prev = int(mask_p.sum() if count_measure == "asb" else (~mask_p).sum())
        out["current"] = n_cur
        out["previous"] = None if before or not other_flags.empty else n_prev
        out["comparable"] = not before and out["flags"].empty
        if out["comparable"]:
            test = poisson_change_test(n_cur, n_prev, p.days, other.days)
            out["headline"] = agree(
                headline_change(name, n_cur, n_prev, p, test, previous_period=other, unit=unit),
                name,
            )
        else:
            units = "ASB incidents" if unit == "incident" else "crimes"
            shown = cells.count(n_cur, self.threshold) if cur_flags.empty else "not known"
            why = (
                f"the store begins in {_month_name(span[0])}, so there is no {other.label} to "
                "compare with"
                if before
                else "a month of one of these periods is missing or incomplete"
            )
            out["headline"] = (
                f"{name} in {a.name}, {p.label}: {shown} {units}. No change is stated: {why}."
            )
        table = compare_periods(rows, p, by=by, measure=count_measure, previous_period=other)
        table = add_significance(table, current_exposure=p.days, previous_exposure=other.days)
        out["table"] = table.head(10) if by == "lsoa_name" else table
        return out

    # ---- views -----------------------------------------------------------------------
    def view(self, sel: Selection) -> ViewResult:
        """One view of ``sel`` (checked first) as HTML, with its table and chart."""
        sel = self.check(sel)
        build = {
            "Overview": self._overview, "Places": self._places, "Map": self._map,
            "County": self._county, "Peers": self._peers,
        }[sel.view]  # fmt: skip
        result = build(sel)
        head = [h.element("style", _STYLE)]
        if self.synthetic:
            head.append(h.synthetic_banner())
        foot = [h.paragraph(h.LICENCE, "licence")]
        result.html = h.element("div", h.join([*head, result.html, *foot]), class_="csp-explore")
        return result

    def dashboard(self, area: str, period: str, measure: str = ALL_CRIME,
                  comparison: str = SAME_PERIOD, view: str = "Overview") -> h.Html:  # fmt: skip
        """One view as HTML (see :meth:`view`)."""
        return self.view(Selection(area, period, measure, comparison, view)).html

    def _title(self, sel: Selection, what: str | None = None) -> h.Html:
        return h.heading(
            f"{what or measure_name(sel.measure)}: {sel.area}, {sel.parsed().label}", 2
        )

    def _overview(self, sel: Selection) -> ViewResult:
        f = self.figures(sel)
        parts = [self._title(sel), h.paragraph(f["headline"], "headline")]
        warnings = []
        if not f["flags"].empty:
            months = ", ".join(h.fmt_month(m) for m in sorted(set(f["flags"]["month"])))
            warnings.append(f"Data gap: {months} missing or incomplete. No change is stated.")
        if sel.comparison == PREVIOUS_PERIOD and sel.parsed().kind not in ("fyear", "rolling12"):
            parts.append(h.callout(
                "The previous period is a different season: prefer the same period last year "
                "for judging change.", "note",
            ))  # fmt: skip
        parts[2:2] = [h.callout(w, "warning") for w in warnings]
        chart = self._trend_chart(sel, f)
        fig, alt = chart()
        other = "" if f["before"] else f", {f['other_period']} lightly hatched"
        parts.append(h.figure(fig, alt, f"Every month in the store; {f['period']} shaded{other}. "
                              "A missing month is a gap, never a zero."))  # fmt: skip
        table, title = self._breakdown(f)
        if table is not None:
            parts.append(h.table(
                table, title, numeric=[c for c in table.columns[1:] if c != "Is it real?"],
                row_header=table.columns[0],
                note=f"Counts of 1-{self.threshold - 1} are shown as <{self.threshold}; [c] "
                "hides a change that would reveal one.",
            ))  # fmt: skip
        return ViewResult(h.join(parts), table, title, chart, warnings)

    def _breakdown(self, f: dict) -> tuple[pd.DataFrame, str]:
        table, by = f["table"], f["by"]
        label = {"offence_group": "Offence group", "crime_type": "Crime type",
                 "lsoa_name": "Neighbourhood (LSOA)"}[by]  # fmt: skip
        frame = pd.DataFrame({label: table[by].fillna("no location").to_numpy()})
        if by == "lsoa_name":
            codes = self.crimes.drop_duplicates("lsoa_name").set_index("lsoa_name")["lsoa_code"]
            frame["LSOA code"] = table[by].map(codes).fillna("").to_numpy()
        cur_gap = any(m in f["flags"]["month"].to_numpy() for m in _months_of(f["period"]))
        frame[f["period"]] = "gap" if cur_gap else table["current"].map(self._count).to_numpy()
        if f["previous"] is None:
            frame[f["other_period"]] = "gap"
        else:
            frame[f["other_period"]] = table["previous"].map(self._count).to_numpy()
        if f["comparable"]:
            frame["Change %"] = table["pct_change"].map(h.fmt_pct).to_numpy()
            frame["Is it real?"] = table["significance"].to_numpy()
            small = (table["current"].between(1, self.threshold - 1)
                     | table["previous"].between(1, self.threshold - 1))  # fmt: skip
            frame.loc[small.to_numpy(), ["Change %", "Is it real?"]] = "[c]"
        top = " (top 10)" if by == "lsoa_name" else ""
        title = f"{f['name']} by {label.lower().replace('(lsoa)', '(LSOA)')}{top}, {f['period']}"
        title += f" against {f['other_period']}"
        return frame, title

    def _trend_chart(self, sel: Selection, f: dict):
        def draw():
            unit = "ASB incidents" if f["unit"] == "incident" else "crimes"
            monthly = f["monthly"][["month", "count"]]
            p, other = sel.parsed(), sel.other()
            fig, alt = charts.series_chart(
                monthly, f"{f['name']}, {f['area']}", highlight=p.months, measure=unit
            )
            months = list(monthly["month"].astype(str))
            idx = [i for i, m in enumerate(months) if m in set(other.months)]
            if idx:
                ax = fig.axes[0]
                ax.axvspan(min(idx) - 0.5, max(idx) + 0.5, facecolor="none", hatch="///",
                           edgecolor="#b8b8b8", linewidth=0, zorder=0,
                           label=f"compared with: {other.label}")  # fmt: skip
                ax.legend(fontsize=8, frameon=False, loc="lower right")
                alt += f" {p.label} is shaded and {other.label} hatched."
            else:
                alt += f" {p.label} is shaded."
            return fig, alt

        return draw

    def _count(self, n: object) -> str:
        return cells.count(n, self.threshold)

    def _places(self, sel: Selection) -> ViewResult:
        ctx = self._context(sel)
        r = places.build(ctx)
        top = r.top
        pop = _nearest_year(self.lsoa_population, int(ctx.period.start[:4]))
        rates = top["lsoa_code"].map(pop) if pop is not None else None
        frame = pd.DataFrame({
            "Rank": top["rank"].map(h.fmt_int), "LSOA": top["lsoa_name"].fillna(""),
            "LSOA code": top["lsoa_code"].fillna(""), "Count": r.top_shown,
        })  # fmt: skip
        if rates is not None:
            rate = top["count"] / rates * 1000
            frame["Residents"] = rates.map(h.fmt_int)
            frame["Per 1,000 residents"] = [
                "[c]" if hide else h.fmt_float(x, 1)
                for x, hide in zip(rate, r.top_hidden, strict=True)
            ]
        title = (
            f"Neighbourhoods (LSOAs) with the most {_units(sel)}, {sel.area}, {ctx.period.label}"
        )
        parts = [self._title(sel, "Places")]
        if ctx.flags["month"].isin(ctx.period.months).any():
            parts.append(h.callout("Data gap: a month of this period is missing or "
                                   "incomplete, so these counts are short.", "warning"))  # fmt: skip
        parts.append(h.table(frame, title, numeric=["Rank", "Count", "Residents",
                                                    "Per 1,000 residents"],
                             note="Rates use residents, so town centres with few residents and "
                             "many visitors rank high."))  # fmt: skip
        return ViewResult(h.join(parts), frame, title, None)

    def _map(self, sel: Selection) -> ViewResult:
        ctx = self._context(sel)
        m = places.build_map(ctx, places.build(ctx))
        chart = None
        if m.boundaries:

            def chart():
                return charts.choropleth(
                    m.boundaries, m.counts, m.key, f"{measure_name(sel.measure)} by LSOA, "
                    f"{sel.area}, {ctx.period.label}",
                    label=lambda code, n: m.shown.get(code, cells.count(n, self.threshold, "gap")),
                )  # fmt: skip

        frame = None
        if m.counts is not None:
            frame = pd.DataFrame({"LSOA code": m.counts.index,
                                  "Count": [cells.count(n, self.threshold) for n in m.counts]})  # fmt: skip
        parts = [self._title(sel, "Map"), places.render_map(m)]
        return ViewResult(h.join(parts), frame, f"{_units(sel)} by LSOA", chart)

    def _county(self, sel: Selection) -> ViewResult:
        ctx = self._context(sel)
        r = county.build_quarter(ctx)
        parts = [self._title(sel, f"Across {ctx.data.area.pfa_name or 'the county'}")]
        if r.table is None:
            parts.append(h.callout(r.problem, "warning") if r.warning else h.paragraph(r.problem))
            return ViewResult(h.join(parts))
        t = r.table
        last_year = ctx.period.same_period_last_year().label

        def count(n: object) -> str:
            return cells.count(n, self.threshold, "gap")

        frame = pd.DataFrame({
            "Partnership": [f"{a} (selected)" if a == sel.area else a for a in t["area"]],
            ctx.period.label: t["count"].map(count),
            last_year: t["count_previous"].map(count),
            "Change %": t["change_pct"].map(h.fmt_pct),
            "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
            "Rank": t["rank"].map(h.fmt_int),
        })  # fmt: skip
        title = (f"{measure_name(sel.measure)}: every partnership in {ctx.data.area.pfa_name}, "
                 f"{ctx.period.label} against {last_year}")  # fmt: skip

        def chart():
            return charts.rate_bars(t, sel.area, f"{measure_name(sel.measure)} per 1,000 "
                                    f"residents, {ctx.period.label}")  # fmt: skip

        fig, alt = chart()
        parts.append(h.figure(fig, alt, f"{sel.area} is highlighted."))
        parts.append(h.table(frame, title, numeric=list(frame.columns[1:]),
                             row_header="Partnership",
                             note="Rank 1 = highest rate. The county compares with the same "
                             "period last year whatever the comparison chosen. Crimes with no "
                             "location cannot be placed in a partnership."))  # fmt: skip
        return ViewResult(h.join(parts), frame, title, chart)

    def _peers(self, sel: Selection) -> ViewResult:
        a = self._area(sel.area)
        parts = [self._title(sel, "Peers")]
        if sel.measure == ASB_LABEL:
            parts.append(h.paragraph("The peer comparison counts crimes: pick a crime measure."))
            return ViewResult(h.join(parts))
        if a.kind == "force":
            parts.append(h.paragraph(f"{a.name} is a force area: peer groups compare "
                                     "partnerships. Pick a partnership."))  # fmt: skip
            return ViewResult(h.join(parts))
        _gid, name, members = self.peer_group(a)
        ctx = self._context(sel)
        try:
            table = peer_table(ctx.data, members, ctx.period)
        except CspError as err:
            parts.append(h.callout(f"Peer comparison not available: {err.message}.", "warning"))
            return ViewResult(h.join(parts))
        r = peers.of_table(ctx, a.name, name, table)
        me = table[table["area"] == a.name].iloc[0]
        position = {
            ABOVE: "higher than",
            BELOW: "lower than",
        }.get(str(me["verdict_95"]), "not clearly different from")
        if ctx.flags["month"].isin(ctx.period.months).any():
            # A short period would read as a low rate: no position is stated on it.
            parts.append(h.callout(
                f"Data gap: a month of {ctx.period.label} is missing or incomplete, so no "
                "position against the group is stated.", "warning",
            ))  # fmt: skip
        else:
            parts.append(h.paragraph(
                f"{a.name} had {h.fmt_float(me['rate'], 1)} {_units(sel)} per 1,000 residents "
                f"in {ctx.period.label}, {position} {name} as a whole "
                f"({h.fmt_float(me['group_rate'], 1)} per 1,000); ranked {int(me['rank'])} of "
                f"{len(table)}, where 1 is the highest.", "headline",
            ))  # fmt: skip
        parts.append(peers.render(r))
        frame = pd.DataFrame({
            "Partnership": table["area"], "Count": table["count"].map(self._count),
            "Rate per 1,000": table["rate"].map(lambda x: h.fmt_float(x, 1)),
            "Rank": table["rank"].map(h.fmt_int),
        })  # fmt: skip
        return ViewResult(h.join(parts), frame, f"Peers: {name}",
                          lambda: charts.funnel_plot(table, a.name))  # fmt: skip

    # ---- exports ---------------------------------------------------------------------
    def briefing_command(self, sel: Selection) -> str:
        """The ``csp`` command that builds the report matching ``sel``."""
        sel = self.check(sel)
        p = sel.parsed()
        a = self._area(sel.area)
        gid = self.peer_group(a)[0]
        peer = f" --peer-group {gid}" if gid else ""
        if p.kind == "fyear":
            return f'csp assessment --area "{sel.area}" --year "{p.label}"'
        if p.kind == "fquarter":
            return f'csp briefing --area "{sel.area}" --quarter "{p.label}"{peer}'
        # Briefings are quarterly: the financial quarter holding the period's last month.
        q = parse_period(_fquarter_of(p.end))
        return f'csp briefing --area "{sel.area}" --quarter "{q.label}"{peer}'

    def export(self, sel: Selection, folder: str | Path | None = None) -> dict[str, Path]:
        """Write the current view's table (CSV through :mod:`csplib.safecsv` and Excel,
        suppressed as shown) and chart (PNG labelled with the licence, and the
        synthetic-data notice when it applies) to ``folder`` (default
        ``reports/explore/<area>-<period>-<view>``); also ``command.txt``. Returns the
        paths written."""
        sel = self.check(sel)
        result = self.view(sel)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{sel.area}-{sel.period}-{sel.view}").strip("-")
        out = Path(folder) if folder else paths.ROOT / "reports" / "explore" / slug.lower()
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        if result.table is not None:
            write_csv(out / "table.csv", result.table)
            written["csv"] = out / "table.csv"
            about = pd.DataFrame({"About this table": [
                result.table_title, f"Counts of 1-{self.threshold - 1} are shown as "
                f"<{self.threshold}.", h.LICENCE,
                *([h.SYNTHETIC_NOTICE] if self.synthetic else []),
            ]})  # fmt: skip
            with pd.ExcelWriter(out / "table.xlsx", engine="openpyxl") as xl:
                safe_frame(result.table).to_excel(xl, sheet_name="Table", index=False)
                safe_frame(about).to_excel(xl, sheet_name="About", index=False)
            written["xlsx"] = out / "table.xlsx"
        if result.chart is not None:
            import matplotlib.pyplot as plt

            fig, _ = result.chart()
            labels = [h.LICENCE] + ([h.SYNTHETIC_NOTICE] if self.synthetic else [])
            fig.text(0.01, 0.005, "\n".join(labels), fontsize=7, va="bottom", ha="left",
                     color="#7a0019" if self.synthetic else "#4a4a4a", wrap=True)  # fmt: skip
            engine = fig.get_layout_engine()
            if engine is not None and hasattr(engine, "set"):  # the house theme's layout
                engine.set(rect=(0, 0.12, 1, 0.88))  # leave the labels their strip
            else:
                fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.22))
            fig.savefig(out / "chart.png", dpi=110)
            plt.close(fig)
            written["png"] = out / "chart.png"
        (out / "command.txt").write_text(self.briefing_command(sel) + "\n", encoding="utf-8")
        written["command"] = out / "command.txt"
        return written

    def controls(
        self,
        area: str | None = None,
        period: str | None = None,
        measure: str = ALL_CRIME,
        comparison: str = SAME_PERIOD,
        view: str = "Overview",
    ) -> Controls:
        """The controls over a live view (see :func:`controls`)."""
        return controls(self, area, period, measure, comparison, view)


def group_display_name(gid: str, spec: dict) -> str:
    """How a peer group is named in text: its ``title`` or ``name`` when the file gives
    one, else its id read as words ('synthchester-msg' -> 'the most similar group of
    Synthchester')."""
    for key in ("title", "name", "display_name"):
        if spec.get(key):
            return str(spec[key])
    if gid.casefold().endswith("-msg"):
        return f"the most similar group of {gid[:-4].replace('-', ' ').title()}"
    return "the peer group " + gid.replace("-", " ").replace("_", " ")


def _nearest_year(pop: pd.DataFrame, year: int) -> pd.Series | None:
    if pop is None or pop.empty:
        return None
    years = sorted(pop["year"].unique(), key=lambda y: (abs(int(y) - year), y))
    chosen = pop[pop["year"] == years[0]]
    return chosen.drop_duplicates("area_code").set_index("area_code")["population"]


def _units(sel: Selection) -> str:
    return "ASB incidents" if sel.measure == ASB_LABEL else "crimes"


def _months_of(label: str) -> list[str]:
    try:
        return parse_selection_period(label).months
    except CspError:
        # A custom span's label ('January 2024 to June 2024') is not a period value.
        m = re.fullmatch(r"(\w+) (\d{4}) to (\w+) (\d{4})", label)
        if not m:
            return []
        a = list(calendar.month_name).index(m.group(1))
        b = list(calendar.month_name).index(m.group(3))
        return month_range(f"{m.group(2)}-{a:02d}", f"{m.group(4)}-{b:02d}")


def _fquarter_of(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    fy = year if mon >= 4 else year - 1
    q = (mon - 4) // 3 + 1 if mon >= 4 else 4
    return f"{fy}/{(fy + 1) % 100:02d} Q{q}"


# ---- widgets ---------------------------------------------------------------------------


@dataclass
class Controls:
    """The controls, the output they redraw, and the box that shows them."""

    area: Any
    kind: Any
    period: Any
    start: Any
    end: Any
    measure: Any
    comparison: Any
    view: Any
    export: Any
    output: Any
    messages: Any
    box: Any
    render: Any
    explorer: Explorer

    def selection(self) -> Selection:
        if self.kind.value == "custom":
            period = f"{self.start.value} to {self.end.value}"
        else:
            period = self.period.value
        return Selection(self.area.value, period, self.measure.value, self.comparison.value,
                         self.view.value)  # fmt: skip

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)


def controls(
    explorer: Explorer,
    area: str | None = None,
    period: str | None = None,
    measure: str = ALL_CRIME,
    comparison: str = SAME_PERIOD,
    view: str = "Overview",
) -> Controls:
    """Dropdowns for area, period kind, period (or a custom month range), measure,
    comparison and view over a live view, and an export button. Values are matched to
    the options first (:func:`match_option`): a mistyped one raises a ParameterError."""
    import ipywidgets as w

    areas = explorer.areas
    if not areas:
        raise CspError("the store holds no areas", fix="ingest the ONS lookup and crimes")
    area = match_option("area", area or areas[0], areas)
    measure = match_option("measure", measure, measure_options())
    comparison = match_option("comparison", comparison, COMPARISONS)
    view = match_option("view", view, VIEWS)
    if period is None:
        kind = "fquarter"
        period = explorer.default_period(area, kind, comparison)
    else:
        period = explorer.check(Selection(area, period, measure, comparison, view)).period
        kind = parse_selection_period(period).kind
        kind = kind if kind in PERIOD_KINDS.values() else "fquarter"
    style = {"description_width": "initial"}

    def layout(width: str = "21rem") -> Any:
        return w.Layout(width=width, max_width="100%")

    months = explorer.month_options(area)
    span = parse_selection_period(period) if period else None
    custom = kind == "custom"
    area_w = w.Dropdown(options=areas, value=area, description="Area", style=style,
                        layout=layout())  # fmt: skip
    kind_w = w.Dropdown(options=list(PERIOD_KINDS.items()), value=kind, description="Period",
                        style=style, layout=layout("15rem"))  # fmt: skip
    period_options = explorer.period_options(area, "fquarter" if custom else kind, comparison)
    period_w = w.Dropdown(
        options=period_options, value=None if custom else period, description="",
        layout=layout("19rem"),
    )  # fmt: skip
    start_w = w.Dropdown(options=months, value=span.start if span else months[0][1],
                         description="From", style=style, layout=layout("12rem"))  # fmt: skip
    end_w = w.Dropdown(options=months, value=span.end if span else months[-1][1],
                       description="to", style=style, layout=layout("11rem"))  # fmt: skip
    measure_w = w.Dropdown(options=measure_options(), value=measure, description="Measure",
                           style=style, layout=layout())  # fmt: skip
    comparison_w = w.Dropdown(options=COMPARISONS, value=comparison, description="Compare with",
                              style=style, layout=layout("19rem"))  # fmt: skip
    view_w = w.ToggleButtons(options=VIEWS, value=view, description="View", style=style)
    export_w = w.Button(description="Export table, chart and command",
                        layout=layout("17rem"), icon="download")  # fmt: skip
    output = w.Output()
    messages = w.Output()
    restart = w.HTML(_RESTART_HTML.replace("{}", str(h.esc(RESTART_NOTE))))
    busy = [False]  # set while a callback resets an option list

    def show_custom(on: bool) -> None:
        period_w.layout.display = "none" if on else None
        start_w.layout.display = None if on else "none"
        end_w.layout.display = None if on else "none"

    show_custom(custom)
    c: Controls

    def render(_change: object = None) -> None:
        if busy[0]:
            return
        # Set the Output widget's outputs directly rather than "with output:", so the
        # view renders the same in JupyterLab, headless (papermill) and in tests.
        try:
            html = explorer.view(c.selection()).html
        except CspError as err:
            html = h.callout(str(err), "warning")
        output.outputs = ()
        output.append_display_data(html)

    def refresh_periods(_change: object = None) -> None:
        a, k, comp = area_w.value, kind_w.value, comparison_w.value
        busy[0] = True
        try:
            month_opts = explorer.month_options(a)
            if start_w.options != tuple(month_opts):
                start_w.options, end_w.options = month_opts, month_opts
                start_w.value, end_w.value = month_opts[0][1], month_opts[-1][1]
            if k != "custom":
                options = explorer.period_options(a, k, comp)
                values = [v for _, v in options]
                keep = period_w.value if period_w.value in values else None
                period_w.options = options
                period_w.value = keep or explorer.default_period(a, k, comp)
            show_custom(k == "custom")
        finally:
            busy[0] = False
        render()

    def fix_range(change: dict) -> None:
        if busy[0]:
            return
        if start_w.value and end_w.value and start_w.value > end_w.value:
            busy[0] = True
            try:
                if change["owner"] is start_w:
                    end_w.value = start_w.value
                else:
                    start_w.value = end_w.value
            finally:
                busy[0] = False
        render()

    def do_export(_button: object) -> None:
        messages.outputs = ()
        try:
            written = explorer.export(c.selection())
            lines = [f"{k.upper()}: {p}" for k, p in written.items() if k != "command"]
            lines.append("Build the matching report: " + explorer.briefing_command(c.selection()))
            html = h.callout(" | ".join(lines), "note")
        except CspError as err:
            html = h.callout(str(err), "warning")
        messages.append_display_data(html)

    area_w.observe(refresh_periods, names="value")
    kind_w.observe(refresh_periods, names="value")
    comparison_w.observe(refresh_periods, names="value")
    start_w.observe(fix_range, names="value")
    end_w.observe(fix_range, names="value")
    for widget in (period_w, measure_w, view_w):
        widget.observe(render, names="value")
    export_w.on_click(do_export)
    wrap = w.Layout(flex_flow="row wrap", align_items="center")
    box = w.VBox([
        restart,
        w.HBox([area_w, measure_w, comparison_w], layout=wrap),
        w.HBox([kind_w, period_w, start_w, end_w], layout=wrap),
        w.HBox([view_w, export_w], layout=wrap),
        messages, output,
    ])  # fmt: skip
    box.add_class("csp-explorer-controls")
    c = Controls(area_w, kind_w, period_w, start_w, end_w, measure_w, comparison_w, view_w,
                 export_w, output, messages, box, render, explorer)  # fmt: skip
    render()
    return c


def start(
    store: str | Path = "data/processed",
    area: str | None = None,
    period: str | None = None,
    measure: str = ALL_CRIME,
    comparison: str = SAME_PERIOD,
    view: str = "Overview",
    threshold: int = 5,
) -> Controls | h.Html:
    """What the notebook calls: load the store and show the controls; a problem the user
    can fix (no store, a mistyped parameter) is shown as a one-line message instead of a
    traceback."""
    try:
        explorer = Explorer.load(store=store, threshold=threshold)
        return explorer.controls(area, period, measure, comparison, view)
    except CspError as err:
        return h.element("div", h.element("style", _STYLE), h.callout(str(err), "warning"),
                         class_="csp-explore")  # fmt: skip


__all__ = [
    "ALL_CRIME", "ASB_LABEL", "COMPARISONS", "GROUP_PREFIX", "PERIOD_KINDS", "PREVIOUS_PERIOD",
    "SAME_PERIOD", "TYPE_PREFIX", "VIEWS", "Controls", "Explorer", "MonthSpan", "Selection",
    "controls", "match_option", "measure_options", "start",
]  # fmt: skip
