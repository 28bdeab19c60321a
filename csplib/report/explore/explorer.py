"""The explorer itself: :class:`Explorer` reads the store once, lists the areas and the
periods it can show, checks a selection and draws one view of it (the views are in
:mod:`.views`, the exports in :mod:`.exports`, the widgets in :mod:`.widgets`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from csplib import paths
from csplib.areas import Area, list_areas, resolve_area
from csplib.errors import CspError, ParameterError
from csplib.indicators.counts import asb_mask
from csplib.periods import Period, check_coverage, month_range
from csplib.report import html as h
from csplib.report.data import ReportData, area_population
from csplib.report.explore import analyses, exports, views
from csplib.report.explore.options import (
    ALL_CRIME,
    COLUMNS,
    COMPARISONS,
    PERIOD_KINDS,
    SAME_PERIOD,
    VIEWS,
    MonthSpan,
    Selection,
    ViewResult,
    group_display_name,
    match_option,
    measure_options,
    parse_selection_period,
    period_value,
    periods_between,
    select_measure,
)
from csplib.report.sections.context import Quarter
from csplib.store import Store

if TYPE_CHECKING:
    from csplib.report.explore.widgets import Controls

#: Look of the views inside JupyterLab: warnings as warnings, the synthetic banner, tables.
STYLE = """
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
        # The analyses views' inputs and built sections, by area and period.
        self._analyses_cache: dict[tuple[str, ...], Any] = {}
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
        groups = _read_peer_groups(peer_groups_file) if peer_groups_file else {}
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
        return [] if span is None else list(periods_between(*span, kind))

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
        county_name = area.county or "the county"
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
        return views.figures(self, sel)

    # ---- views -----------------------------------------------------------------------
    # Each view is a function of the views module, bound here so that :meth:`view` looks
    # it up on the explorer (a subclass, or a test, can replace one).
    _overview = views.view_overview
    _places = views.view_places
    _map = views.view_map
    _rate_map = views.view_rate_map
    _county = views.view_county
    _peers = views.view_peers
    _outcomes = analyses.view_outcomes
    _stop_search = analyses.view_stop_search

    def view(self, sel: Selection) -> ViewResult:
        """One view of ``sel`` (checked first) as HTML, with its table and chart."""
        sel = self.check(sel)
        build = {
            "Overview": self._overview, "Places": self._places, "Map": self._map,
            "Rate map": self._rate_map,
            "County": self._county, "Peers": self._peers, "Outcomes": self._outcomes,
            "Stop and search": self._stop_search,
        }[sel.view]  # fmt: skip
        result = build(sel)
        head = [h.element("style", STYLE)]
        if self.synthetic:
            head.append(h.synthetic_banner())
        foot = [h.paragraph(h.LICENCE, "licence")]
        result.html = h.element("div", h.join([*head, result.html, *foot]), class_="csp-explore")
        analyses.prefetch(self, sel.area)  # while this view is read
        return result

    def dashboard(self, area: str, period: str, measure: str = ALL_CRIME,
                  comparison: str = SAME_PERIOD, view: str = "Overview") -> h.Html:  # fmt: skip
        """One view as HTML (see :meth:`view`)."""
        return self.view(Selection(area, period, measure, comparison, view)).html

    # ---- exports ---------------------------------------------------------------------
    def briefing_command(self, sel: Selection) -> str:
        """The ``csp`` command that builds the report matching ``sel``."""
        return exports.briefing_command(self, sel)

    def export(self, sel: Selection, folder: str | Path | None = None) -> dict[str, Path]:
        """Write the current view's table (CSV through :mod:`csplib.safecsv` and Excel,
        suppressed as shown) and chart (PNG labelled with the licence, and the
        synthetic-data notice when it applies) to ``folder`` (default
        ``reports/explore/<area>-<period>-<view>``); also ``command.txt``. Returns the
        paths written."""
        return exports.export(self, sel, folder)

    def controls(
        self,
        area: str | None = None,
        period: str | None = None,
        measure: str = ALL_CRIME,
        comparison: str = SAME_PERIOD,
        view: str = "Overview",
    ) -> Controls:
        """The controls over a live view (see :func:`.widgets.controls`)."""
        from csplib.report.explore.widgets import controls

        return controls(self, area, period, measure, comparison, view)


def _read_peer_groups(path: str | Path) -> dict[str, dict]:
    """The ``groups`` of a peer groups file (relative to the project root), by id; none
    when the file does not exist."""
    gpath = Path(path) if Path(path).is_absolute() else paths.ROOT / path
    if not gpath.exists():
        return {}
    doc = yaml.safe_load(gpath.read_text(encoding="utf-8")) or {}
    return {str(k): dict(v or {}) for k, v in (doc.get("groups") or {}).items()}
