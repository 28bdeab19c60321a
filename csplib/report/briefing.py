"""The quarterly crime briefing: one method per section, each returning HTML.

``QuarterlyBriefing.load(...)`` reads what the report needs from the store once; the
sections then call indicator functions and format their results (escaped, captioned,
small numbers suppressed). The notebook is one call per section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from csplib.areas import Area, resolve_area
from csplib.errors import ParameterError
from csplib.indicators.counts import asb_mask, in_period, monthly_counts
from csplib.indicators.keyfigures import class_total_reveals, key_figures, shared_figures
from csplib.indicators.peers import county_table, peer_comparison
from csplib.indicators.places import repeat_locations, top_lsoas
from csplib.indicators.spc import spc_signals, xmr
from csplib.indicators.suppression import suppress_series
from csplib.periods import Period, check_coverage, month_range, require_complete, shift_month
from csplib.report import charts
from csplib.report import html as h
from csplib.report.params import ReportParams, load_peer_group
from csplib.sources.population import population_for
from csplib.store import Store

TREND_MONTHS = 36
#: The crimes columns reports use (reading only these keeps a report quick).
REPORT_COLUMNS = [
    "month", "force", "falls_within", "longitude", "latitude", "location", "lsoa_code",
    "lsoa_name", "crime_type", "offence_group", "crime_class", "is_asb", "csp_code",
    "csp_name", "geo_status",
]  # fmt: skip


def _pop(pop: pd.DataFrame, codes, year: int) -> tuple[int, int] | None:
    if pop.empty or not codes:
        return None
    try:
        return population_for(pop, list(codes), year)
    except ParameterError:
        return None


@dataclass
class ReportData:
    """What a report reads from the store, once."""

    store: Store
    area: Area
    period: Period
    crimes: pd.DataFrame  # every force the report touches (area, county, peers)
    coverage: pd.DataFrame
    lad: pd.DataFrame
    population: pd.DataFrame  # level 'lad'
    lsoa_population: pd.DataFrame
    boundaries: list[dict] | None
    synthetic: bool
    peers: pd.DataFrame | None = None
    peer_group: str | None = None
    forces: dict[str, str | None] = field(default_factory=dict)  # Store.forces()

    @property
    def area_crimes(self) -> pd.DataFrame:
        return self.area.select(self.crimes)


def load_data(params: ReportParams) -> ReportData:
    """Read the store for one report and check its period is covered."""
    store = Store(params.store_path())
    period = params.parsed_period()
    lad = store.read("geography_lad") if store.has("geography_lad") else pd.DataFrame(
        columns=["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
    )  # fmt: skip
    forces = store.forces()
    if not forces:
        store.crimes()  # raises the "no crimes data; run csp ingest" error
    area = resolve_area(params.area, lad, forces)
    coverage = store.coverage()
    prev = period.same_period_last_year()
    trend_start = shift_month(period.end, -(TREND_MONTHS - 1))
    months = month_range(min(trend_start, prev.start), period.end)
    crimes = store.crimes(REPORT_COLUMNS, months=months)
    flags = check_coverage(prev.months + period.months, coverage, list(area.forces))
    if not flags.empty and not params.allow_incomplete:
        for p in (prev, period):
            require_complete(p, coverage, list(area.forces))
    pop = store.read("population") if store.has("population") else pd.DataFrame(
        columns=["area_code", "area_name", "level", "year", "population"]
    )  # fmt: skip
    boundaries = None
    bpath = store.root / "boundaries" / "lsoa.geojson"
    if bpath.exists():
        boundaries = json.loads(bpath.read_text(encoding="utf-8")).get("features")
    names = crimes["falls_within"].dropna().unique() if "falls_within" in crimes else []
    synthetic = any("synthetic" in str(n).casefold() for n in names) or str(
        area.code or ""
    ).startswith("X")
    data = ReportData(
        store=store, area=area, period=period, crimes=crimes, coverage=coverage, lad=lad,
        population=pop[pop["level"] == "lad"], lsoa_population=pop[pop["level"] == "lsoa"],
        boundaries=boundaries, synthetic=synthetic, forces=forces,
    )  # fmt: skip
    if params.peer_group:
        group = load_peer_group(params.project_path(params.peer_groups_file), params.peer_group)
        data.peers = _peer_table(data, group.members, period)
        data.peer_group = params.peer_group
    return data


def _members_counts(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    """Crimes (excluding ASB) and population for each member area in ``period``."""
    forces = data.forces or sorted(data.crimes["force"].dropna().unique())
    cur = in_period(data.crimes, period)
    cur = cur[~asb_mask(cur)]
    prev = in_period(data.crimes, period.same_period_last_year())
    prev = prev[~asb_mask(prev)]
    year = int(period.start[:4])
    rows = []
    for name in members:
        area = resolve_area(name, data.lad, forces)
        pop = _pop(data.population, area.lad_codes, year)
        if pop is None:
            raise ParameterError(
                f"no population for peer '{name}'",
                fix="ingest ONS mid-year population estimates covering every peer",
            )
        rows.append({"area": area.name, "count": len(area.select(cur)),
                     "count_previous": len(area.select(prev)), "population": pop[0]})  # fmt: skip
    return pd.DataFrame(rows)


def _peer_table(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    if data.area.name not in members:
        members = [data.area.name, *members]
    return peer_comparison(_members_counts(data, members, period))


class QuarterlyBriefing:
    """Sections of the quarterly crime briefing for one area and quarter."""

    def __init__(self, data: ReportData, threshold: int = 5) -> None:
        self.data = data
        self.threshold = threshold
        self.period = data.period
        self.previous = data.period.same_period_last_year()
        area = data.area
        self.flags = check_coverage(
            self.previous.months + self.period.months, data.coverage, list(area.forces)
        )
        year = int(self.period.start[:4])
        self.population = _pop(data.population, area.lad_codes, year)
        self.figures = key_figures(
            area, data.area_crimes, self.period, self.flags,
            population=self.population,
            previous_population=_pop(data.population, area.lad_codes, year - 1),
            peers=data.peers, peer_group=data.peer_group,
        )  # fmt: skip
        self.figures["synthetic"] = data.synthetic
        self.figures["population_note"] = (
            f"mid-{self.population[1]} estimate" if self.population else None
        )

    @classmethod
    def load(cls, **params) -> QuarterlyBriefing:
        """Build from notebook parameters (the same keys as a parameter file)."""
        p = ReportParams(report="quarterly_briefing", **params)
        return cls(load_data(p), threshold=p.threshold)

    # ---- helpers ---------------------------------------------------------------
    def _count(self, n: int | None) -> str:
        """A count as shown in shared tables: 1..threshold-1 become '<threshold'; a count
        for months that were not loaded is 'gap', never 0."""
        if n is None or n is pd.NA or (isinstance(n, float) and n != n):
            return "gap"
        return f"<{self.threshold}" if 0 < n < self.threshold else f"{n:,}"

    def _top_counts(self, counts: pd.Series, total: int) -> tuple[list[str], list[bool]]:
        """Display strings and hidden flags for the counts of a top-N list (places) whose
        area total the report publishes: the rows not listed form one unshown entry, so
        a small count is also protected when the list holds every place (a lone hidden
        cell would be the total minus the others)."""
        values = [int(v) for v in counts]
        full = pd.Series([*values, total - sum(values)], dtype="int64")
        s = suppress_series(full, threshold=self.threshold)
        n = len(values)
        return [h.fmt_display(v) for v in s.display.iloc[:n]], [bool(m) for m in s.mask.iloc[:n]]

    def save_figures(self, path: str | Path | None) -> Path | None:
        """Write the key figures as JSON (the report's ``figures.json``), small numbers
        suppressed as in the HTML (:func:`~csplib.indicators.keyfigures.shared_figures`)."""
        if not path:
            return None
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        shared = shared_figures(self.figures, self.threshold)
        out.write_text(json.dumps(shared, indent=2), encoding="utf-8")
        return out

    # ---- sections ----------------------------------------------------------------
    def title(self) -> h.Html:
        f = self.figures
        kind = "partnership" if self.data.area.kind == "csp" else "force area"
        sub = (
            f"{self.period.label} ({h.esc(_months_text(self.period))}) compared with "
            f"{self.previous.label}. Police recorded crime from data.police.uk, {kind} "
            f"{f['area']}."
        )
        parts = [
            Html_raw(
                f"<h1>Quarterly crime briefing: {h.esc(f['area'])}, {h.esc(self.period.label)}</h1>"
            ),
            Html_raw(f'<p class="subtitle">{sub}</p>'),
        ]
        if self.data.synthetic:
            parts.insert(0, h.synthetic_banner())
        return h.join(parts)

    def headline(self) -> h.Html:
        f = self.figures
        parts = [h.paragraph(f["headline"], "headline")]
        a = f["asb"]
        small = 0 < a["current"] < self.threshold or (
            a["previous"] is not None and 0 < a["previous"] < self.threshold
        )
        if a["previous"] is None or small:
            text = (
                f"Anti-social behaviour (not counted as crime): {self._count(a['current'])} "
                f"incidents this quarter ({a['significance'] if not small else 'small numbers'})."
            )
        else:
            text = (
                f"Anti-social behaviour (not counted as crime): {a['current']:,} incidents "
                f"against {a['previous']:,} ({h.fmt_pct(a['pct_change'])}; {a['significance']})."
            )
        parts.append(h.paragraph(text))
        if f["rate_per_1000"]:
            r = f["rate_per_1000"]
            parts.append(
                h.paragraph(
                    f"That is {r['current']:.1f} crimes per 1,000 residents in the quarter "
                    f"(mid-{r['population_year']} population {r['population']:,})."
                )
            )
        if f["peer_position"]:
            p = f["peer_position"]
            parts.append(
                h.paragraph(
                    f"Against its most similar group of {p['of']} partnerships "
                    f"('{p['group']}'), {f['area']}'s rate is {p['verdict_95']} the group "
                    f"average ({p['rate']:.1f} against {p['group_rate']:.1f} per 1,000; ranked "
                    f"{p['rank']} of {p['of']}, 1 = highest)."
                )
            )
        if not f["coverage"]["complete"]:
            months = ", ".join(f"{x['month']} ({x['status']})" for x in f["coverage"]["flags"])
            parts.append(
                h.callout(
                    f"Data gap: {months}. Counts for these months are too low or absent, so "
                    "changes involving them are not real changes.",
                    "warning",
                )
            )
        return h.join(parts)

    def summary_table(self) -> h.Html:
        f = self.figures
        # Victim-based and non-victim-based crime add up to total crime, which is shown:
        # suppress them as a pair against it (a lone hidden one would be the difference).
        shown: dict[tuple[str, str], tuple[str, bool]] = {}
        for when in ("current", "previous"):
            classes = ["victim_based", "non_victim_based"]
            if f["total_crime"][when] is None:  # months not loaded: a gap, not a zero
                for k in (*classes, "total_crime", "asb"):
                    shown[k, when] = ("gap", False)
                continue
            pair = suppress_series(pd.Series([f[k][when] for k in classes], index=classes),
                                   threshold=self.threshold)  # fmt: skip
            # A class total with one hidden offence group inside it would give that group
            # back (class total minus its shown groups): hide the pair then too.
            lone = class_total_reveals(self._group_mask(when))
            for k in classes:
                hide = bool(pair.mask[k]) or lone
                text = h.fmt_display(pair.display[k]) if pair.mask[k] or not lone else "[c]"
                shown[k, when] = (text, hide)
            for k in ("total_crime", "asb"):
                shown[k, when] = (self._count(f[k][when]), 0 < f[k][when] < self.threshold)
        rows = []
        for key, label in (("total_crime", "Total recorded crime (excluding ASB)"),
                           ("victim_based", "Victim-based crime"),
                           ("non_victim_based", "Non-victim-based crime (other crimes against society)"),
                           ("asb", "Anti-social behaviour incidents")):  # fmt: skip
            x = f[key]
            hidden = shown[key, "current"][1] or shown[key, "previous"][1]
            rows.append({
                "Measure": label, self.period.label: shown[key, "current"][0],
                self.previous.label: shown[key, "previous"][0],
                "Change": "[c]" if hidden else h.fmt_signed(x["change"]),
                "Change %": "[c]" if hidden else h.fmt_pct(x["pct_change"]),
                "Per day": "[c]" if hidden else h.fmt_float(x["per_day_current"], 1),
                "Is it real?": "[c]" if hidden else x["significance"],
            })  # fmt: skip
        frame = pd.DataFrame(rows)
        return h.table(
            frame,
            f"Crime and ASB in {f['area']}, {self.period.label} against {self.previous.label}",
            numeric=[self.period.label, self.previous.label, "Change", "Change %", "Per day"],
            row_header="Measure",
            note="'Is it real?': Poisson test of the two counts (exact conditional test for "
            "small counts); a change that could be chance is 'no significant change'.",
        )

    def _group_mask(self, when: str) -> dict[str, bool]:
        """Which offence groups the groups table hides, for ``current`` or ``previous``."""
        groups = pd.DataFrame(self.figures["by_group"])
        if groups.empty or groups[when].isna().any():
            return {}
        s = suppress_series(groups.set_index("group")[when], threshold=self.threshold)
        return dict(s.mask.iloc[:-1])

    def groups(self) -> h.Html:
        """Offence groups with their contribution to the change (and a bar chart)."""
        groups = pd.DataFrame(self.figures["by_group"])
        if groups.empty:
            return h.paragraph("No crimes recorded in either period.")
        cur = suppress_series(groups.set_index("group")["current"], threshold=self.threshold)
        if groups["previous"].isna().any():  # last year's months were not loaded
            gap = pd.Series("gap", index=[*groups["group"], "Total"])
            prev = type(cur)(gap, gap.map(lambda _: False), gap.map(lambda _: False))
        else:
            prev = suppress_series(groups.set_index("group")["previous"], threshold=self.threshold)
        rows = []
        for r in groups.itertuples(index=False):
            hidden = bool(cur.mask[r.group] or prev.mask[r.group])
            rows.append({
                "Offence group": r.group, self.period.label: h.fmt_display(cur.display[r.group]),
                self.previous.label: h.fmt_display(prev.display[r.group]),
                "Change": "[c]" if hidden else h.fmt_signed(r.change),
                "Share of total change": "[c]" if hidden else h.fmt_float(r.pct_of_total_change, 0) + "%"
                if r.pct_of_total_change is not None else "n/a",
                "Is it real?": "[c]" if hidden else r.significance,
            })  # fmt: skip
        rows.append({"Offence group": "Total", self.period.label: h.fmt_display(cur.display.iloc[-1]),
                     self.previous.label: h.fmt_display(prev.display.iloc[-1]),
                     "Change": h.fmt_signed(self.figures["total_crime"]["change"]),
                     "Share of total change": "100%"
                     if self.figures["total_crime"]["change"] else "n/a",
                     "Is it real?": self.figures["total_crime"]["significance"]})  # fmt: skip
        tbl = h.table(
            pd.DataFrame(rows),
            f"Offence groups: contribution to the change in {self.figures['area']}",
            numeric=[self.period.label, self.previous.label, "Change", "Share of total change"],
            row_header="Offence group",
            note=f"Counts of 1-{self.threshold - 1} are shown as <{self.threshold}; [c] hides a "
            "figure that would reveal one. Shares of the change sum to 100%. Violence against "
            "the person and sexual offences are one group in police.uk data.",
        )
        shown = groups[~groups["group"].map(lambda g: bool(cur.mask[g] or prev.mask[g]))]
        if not self.figures["coverage"]["complete"]:
            return tbl + h.callout(
                "No chart of the change: a month of one of the periods is missing or "
                "incomplete, so the differences above are not real changes.",
                "warning",
            )
        if shown.empty:
            return tbl
        fig, alt = charts.contribution_bars(shown, "Change on the same period last year")
        return tbl + h.figure(
            fig, alt, "Change in crimes by offence group (groups with small counts left out)."
        )

    def trend(self) -> h.Html:
        """Monthly crimes with an XmR control chart, over complete months only."""
        end = self.period.end
        start = shift_month(end, -(TREND_MONTHS - 1))
        months = month_range(start, end)
        flags = check_coverage(months, self.data.coverage, list(self.data.area.forces))
        bad = sorted(set(flags["month"]))
        if bad and bad[-1] >= start:
            start = shift_month(bad[-1], 1)
        if start > shift_month(end, -11):
            return h.callout(
                "Fewer than 12 complete months before this quarter: no control chart.", "warning"
            )
        mc = monthly_counts(self.data.area_crimes, month_range(start, end))
        series = mc.set_index("month")["count"].astype(float)
        chart = xmr(series)
        fig, alt = charts.control_chart(chart, f"Monthly crimes, {self.figures['area']}")
        signals = spc_signals(chart)
        caption = (
            f"Monthly recorded crime (excluding ASB), {h.fmt_month(start)} to "
            f"{h.fmt_month(end)}, with mean and process limits (mean ± 2.66 × mean moving range)."
        )
        if bad:
            caption += f" Months up to {h.fmt_month(bad[-1])} are left out: {bad[-1]} is {flags.iloc[-1]['status']}."
        parts = [h.figure(fig, alt, caption)]
        if signals.empty:
            parts.append(
                h.paragraph(
                    "No special-cause variation: the monthly counts vary within their usual range."
                )
            )
        else:
            parts.append(h.bullet_list(list(signals["description"])))
        return h.join(parts)

    def peers(self) -> h.Html:
        peers = self.data.peers
        if peers is None or peers.empty:
            return h.paragraph("No peer group is set for this report (parameter 'peer_group').")
        fig, alt = charts.funnel_plot(peers, self.data.area.name)
        frame = pd.DataFrame({
            "Partnership": peers["area"], "Crimes": peers["count"].map(self._count),
            "Population": peers["population"].map(h.fmt_int),
            "Rate per 1,000": peers["rate"].map(lambda x: h.fmt_float(x, 1)),
            "Rank": peers["rank"].map(h.fmt_int),
            "Against the group (95%)": peers["verdict_95"],
        }).sort_values("Rank", key=lambda s: s.astype(int))  # fmt: skip
        return h.figure(fig, alt, f"Funnel plot: crime rates in peer group '{self.data.peer_group}', {self.period.label}.") + h.table(
            frame, f"Peer group '{self.data.peer_group}': crimes per 1,000 residents, {self.period.label}",
            numeric=["Crimes", "Population", "Rate per 1,000", "Rank"], row_header="Partnership",
            note="Limits by Byar's method (exact Poisson limits below 10), around the group's "
            "pooled rate. The Home Office 'most similar group' lists are restricted; this group "
            "is set in the parameters.",
        )  # fmt: skip

    def county(self) -> h.Html:
        area = self.data.area
        if not area.csp_names:
            return h.paragraph("No ONS lookup in the store: the county comparison needs one.")
        try:
            members = _members_counts(self.data, list(area.csp_names), self.period)
        except ParameterError as err:
            return h.callout(f"County comparison not available: {err.message}.", "warning")
        t = county_table(members)
        if set(self.flags["month"]) & set(self.previous.months):
            t["count_previous"] = None  # last year's months were not loaded: a gap, not 0
            t["change_pct"] = None
        frame = pd.DataFrame({
            "Partnership": t["area"], "Crimes": t["count"].map(self._count),
            "Same quarter last year": t["count_previous"].map(self._count),
            "Change %": t["change_pct"].map(h.fmt_pct),
            "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
            "Rank": t["rank"].map(h.fmt_int),
        })  # fmt: skip
        return h.table(
            frame, f"Every partnership in {area.pfa_name}: crimes and rate, {self.period.label}",
            numeric=["Crimes", "Same quarter last year", "Change %", "Rate per 1,000", "Rank"],
            row_header="Partnership",
            note="Rank 1 = highest rate. Crimes with no location cannot be placed in a partnership "
            "and are not in these rows.",
        )  # fmt: skip

    def places(self) -> h.Html:
        cur = in_period(self.data.area_crimes, self.period)
        year = int(self.period.start[:4])
        pop = self.data.lsoa_population
        if not pop.empty:
            years = sorted(pop["year"].unique(), key=lambda y: (abs(int(y) - year), y))
            pop = pop[pop["year"] == years[0]][["area_code", "population"]]
        top = top_lsoas(cur, n=10)
        shown, hidden = self._top_counts(top["count"], top.attrs["n_total"])
        hidden_lsoas = set(top["lsoa_code"][hidden])
        frame = pd.DataFrame({
            "Rank": top["rank"].map(h.fmt_int), "LSOA": top["lsoa_name"].fillna(top["lsoa_code"]),
            "Crimes": shown,
            "Share of the area's crime": ["[c]" if hide else h.fmt_float(x, 1) + "%"
                                          for x, hide in zip(top["share_pct"], hidden, strict=True)],
        })  # fmt: skip
        parts = [h.table(frame, f"Neighbourhoods (LSOAs) with the most crime, {self.period.label}",
                         numeric=["Rank", "Crimes", "Share of the area's crime"])]  # fmt: skip
        if not pop.empty:
            by_rate = top_lsoas(cur, n=10, population=pop, by="rate_per_1000")
            # A rate gives its count back: leave out every LSOA hidden above.
            by_rate = by_rate[(by_rate["count"] >= self.threshold)
                              & ~by_rate["lsoa_code"].isin(hidden_lsoas)]  # fmt: skip
            frame = pd.DataFrame({
                "Rank": by_rate["rank"].map(h.fmt_int), "LSOA": by_rate["lsoa_name"],
                "Crimes": by_rate["count"].map(self._count),
                "Residents": by_rate["population"].map(h.fmt_int),
                "Crimes per 1,000 residents": by_rate["rate_per_1000"].map(lambda x: h.fmt_float(x, 1)),
            })  # fmt: skip
            parts.append(h.table(frame, f"Neighbourhoods with the highest crime rate, {self.period.label}",
                                 numeric=["Rank", "Crimes", "Residents", "Crimes per 1,000 residents"],
                                 note="Rates use residents, so town centres with few residents "
                                 "and many visitors rank high."))  # fmt: skip
        snaps = repeat_locations(cur, n=10)
        frame = pd.DataFrame({
            "Rank": snaps["rank"].map(h.fmt_int), "Snap point": snaps["snap_point_location"],
            "LSOA": snaps["lsoa_name"],
            "Crimes": self._top_counts(snaps["count"], snaps.attrs["n_total"])[0],
        })  # fmt: skip
        parts.append(h.table(frame, f"Repeat locations (map snap points), {self.period.label}",
                             numeric=["Rank", "Crimes"],
                             note="data.police.uk moves each crime to the nearest anonymous "
                             "snap point: a snap point stands for many addresses and is never "
                             "an address."))  # fmt: skip
        return h.join(parts)

    def map(self) -> h.Html:
        if not self.data.boundaries:
            return h.paragraph(
                "No LSOA boundaries in the store: ingest a GeoJSON of LSOA boundaries to add a map."
            )
        cur = in_period(self.data.area_crimes, self.period)
        cur = cur[~asb_mask(cur)]
        counts = cur.groupby("lsoa_code").size()
        props = self.data.boundaries[0].get("properties") or {}
        key = next(
            (k for k in props if k.upper().startswith("LSOA") and k.upper().endswith("CD")), None
        )
        # Shade every LSOA of the area, including those with no crime this quarter.
        area_lsoas = set(self.data.area_crimes["lsoa_code"].dropna()) | set(counts.index)
        counts = counts.reindex(sorted(area_lsoas), fill_value=0)
        top = top_lsoas(in_period(self.data.area_crimes, self.period), n=10)
        shown = dict(zip(top["lsoa_code"], self._top_counts(top["count"], top.attrs["n_total"])[0],
                         strict=True))  # fmt: skip
        fig, alt = charts.choropleth(
            self.data.boundaries, counts, key, f"Crimes by LSOA, {self.period.label}",
            label=lambda code, n: shown.get(code, self._count(n)),
        )  # fmt: skip
        return h.figure(
            fig,
            alt,
            f"Crimes by neighbourhood (LSOA), {self.figures['area']}, {self.period.label}.",
        )

    def data_quality(self) -> h.Html:
        d = self.data
        area_rows = in_period(d.area_crimes, self.period)
        force_rows = in_period(d.crimes[d.crimes["force"].isin(d.area.forces)], self.period)
        no_loc = int((force_rows["geo_status"] == "no_location").sum())
        outside = int((force_rows["geo_status"] == "outside_force_area").sum())
        items = [
            f"Months used: {', '.join(self.period.months)} against {', '.join(self.previous.months)}.",
            f"{len(area_rows):,} rows for {d.area.name} in the quarter ({int(asb_mask(area_rows).sum()):,} of them ASB).",
            f"{no_loc:,} of the force's rows in the quarter have no location or LSOA and cannot be "
            "placed in a partnership" + (" (they are counted in this force-area report)." if d.area.kind == "force" else "."),
            f"{outside:,} of the force's rows fall in LSOAs outside its area.",
        ]  # fmt: skip
        flags = self.flags
        if flags.empty:
            items.append("Every month of both periods is present and complete.")
        else:
            for r in flags.itertuples():
                items.append(f"{r.force} {r.month}: {r.status}. {r.note or ''}")
        return h.bullet_list(items)

    def sources(self) -> h.Html:
        items = [
            "Crimes: data.police.uk street-level crime (police recorded crime, locations "
            "snapped to anonymous map points; about two months' publication lag; fraud and "
            "computer misuse absent).",
            "Anti-social behaviour is reported separately and never counted as crime.",
            "Change: the same period last year (not the previous quarter, because of seasonality).",
            "Is it real? Poisson test of two counts: Z = 2(√current − √previous) for the "
            "strength of the signal, with the p-value from the two-sample Poisson test "
            "(exact conditional test for small counts).",
            "Peer comparison: rates per 1,000 residents against the pooled group rate, funnel "
            "limits at 95% and 99.8% (Byar's method; exact Poisson limits below 10).",
            "Control chart: XmR ('Making Data Count'): mean ± 2.66 × mean moving range; "
            "signals for a point outside the limits, 7 in a row on one side of the mean, 6 "
            "rising or falling, 2 of 3 beyond two sigma.",
            f"Population: ONS mid-year estimates ({self.figures['population_note'] or 'not loaded'}).",
            f"Small numbers: counts of 1-{self.threshold - 1} are shown as <{self.threshold}.",
            h.LICENCE,
            f"Produced {date.today():%d %B %Y} with CSP Workbook.",
        ]
        return h.bullet_list(items)


def Html_raw(markup: str) -> h.Html:
    """Markup built here from escaped pieces (never from raw data)."""
    return h.Html(markup)


def _months_text(period: Period) -> str:
    return f"{h.fmt_month(period.start)} to {h.fmt_month(period.end)}"
