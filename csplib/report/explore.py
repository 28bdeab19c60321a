"""Interactive exploration for analysts in JupyterLab: ipywidgets controls over the same
indicator functions the reports use.

``Explorer.load(store=...)`` reads the store once. ``Explorer.dashboard(...)`` returns a
small dashboard as HTML (a headline, a table and a monthly chart) for one area, financial
quarter, measure and comparison; ``Explorer.controls(...)`` wraps it in dropdowns whose
callback re-renders the dashboard. The dashboard is the same with or without widgets, so
the notebook also runs headless (papermill) and renders its initial state.

Comparisons: the same quarter last year, the previous quarter (seasonality makes this one
weaker: say so when quoting it), or the area's peer group (a group in
``parameters/peer_groups.yaml`` that holds the area, else the partnerships of its county).
A quarter with a missing or incomplete month is labelled in the period list, and a
comparison involving one is shown without a change: a gap is never a fall.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from csplib.indicators.peers import peer_comparison
from csplib.indicators.significance import add_significance, poisson_change_test
from csplib.periods import Period, check_coverage, month_range, parse_period, shift_month
from csplib.report import html as h
from csplib.report.charts import series_chart
from csplib.report.sections import cells
from csplib.schema import ASB, CRIME_TYPES
from csplib.sources.population import population_for
from csplib.store import Store

SAME_PERIOD = "Same period last year"
PREVIOUS_PERIOD = "Previous period"
PEER_GROUP = "Peer group"
COMPARISONS = (SAME_PERIOD, PREVIOUS_PERIOD, PEER_GROUP)

ALL_CRIME = "All crime"
ASB_LABEL = "Anti-social behaviour (not crime)"
GROUP_PREFIX = "Offence group: "
TYPE_PREFIX = "Crime type: "

#: Months of history in the dashboard's chart.
CHART_MONTHS = 24

COLUMNS = [
    "month", "force", "crime_type", "offence_group", "is_asb", "lsoa_code", "lsoa_name",
    "csp_code", "csp_name", "pfa_name",
]  # fmt: skip


def measure_options() -> list[str]:
    """Every measure the dashboard offers: all crime, ASB, each offence group and type."""
    types = [t for t in CRIME_TYPES if t != ASB]
    groups = sorted({CRIME_TYPES[t][0] for t in types})
    return (
        [ALL_CRIME, ASB_LABEL]
        + [GROUP_PREFIX + g for g in groups]
        + [TYPE_PREFIX + t for t in sorted(types)]
    )


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


@dataclass
class Controls:
    """The dropdowns, the output they re-render, and the box that shows them."""

    area: Any
    period: Any
    measure: Any
    comparison: Any
    output: Any
    box: Any
    render: Any

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)


class Explorer:
    """Interactive views of one store: pick an area, quarter, measure and comparison."""

    def __init__(
        self,
        crimes: pd.DataFrame,
        coverage: pd.DataFrame,
        lad: pd.DataFrame,
        population: pd.DataFrame,
        forces: list[str],
        peer_groups: dict[str, list[str]] | None = None,
        threshold: int = 5,
    ) -> None:
        self.crimes = crimes
        self.coverage = coverage
        self.lad = lad
        self.population = population
        self.forces = forces
        self.peer_groups = peer_groups or {}
        self.threshold = threshold

    @classmethod
    def load(
        cls,
        store: str | Path = "data/processed",
        peer_groups_file: str | Path | None = "parameters/peer_groups.yaml",
        threshold: int = 5,
    ) -> Explorer:
        """Read the store once (paths relative to the project root)."""
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
        groups: dict[str, list[str]] = {}
        if peer_groups_file:
            gpath = Path(peer_groups_file)
            gpath = gpath if gpath.is_absolute() else paths.ROOT / gpath
            if gpath.exists():
                doc = yaml.safe_load(gpath.read_text(encoding="utf-8")) or {}
                groups = {
                    str(k): [str(m) for m in (v or {}).get("members", [])]
                    for k, v in (doc.get("groups") or {}).items()
                }
        return cls(
            s.crimes(COLUMNS), s.coverage(), lad, pop[pop["level"] == "lad"], forces, groups,
            threshold,
        )  # fmt: skip

    # ---- options --------------------------------------------------------------------
    @property
    def areas(self) -> list[str]:
        """Partnerships (CSPs) and forces the store can show, partnerships first."""
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

    def period_options(self, area: str) -> list[tuple[str, str]]:
        """(label, value) of every financial quarter the data reach for ``area``, latest
        first; a quarter with a missing or incomplete month is labelled so."""
        forces = list(self._area(area).forces)
        cov = self.coverage[self.coverage["force"].isin(forces)]
        if cov.empty:
            return []
        first, last = str(cov["month"].min()), str(cov["month"].max())
        out = []
        for month in month_range(first, last):
            if month[5:] not in ("06", "09", "12", "03"):
                continue
            start = shift_month(month, -2)
            if start < first:
                continue
            period = Period("fquarter", start, month)
            flags = check_coverage(period, self.coverage, forces)
            label = period.label + (" (incomplete data)" if not flags.empty else "")
            out.append((label, period.label))
        return out[::-1]

    def default_period(self, area: str) -> str | None:
        """The latest quarter with complete data for ``area``."""
        options = self.period_options(area)
        complete = [v for label, v in options if "incomplete" not in label]
        return complete[0] if complete else (options[0][1] if options else None)

    # ---- computing --------------------------------------------------------------------
    def _area(self, name: str) -> Area:
        return resolve_area(name, self.lad, self.forces)

    def _flags(self, area: Area, *periods: Period) -> pd.DataFrame:
        months = [m for p in periods for m in p.months]
        return check_coverage(months, self.coverage, list(area.forces))

    def _population(self, area: Area, year: int) -> tuple[int, int] | None:
        if self.population.empty or not area.lad_codes:
            return None
        try:
            return population_for(self.population, list(area.lad_codes), year)
        except ParameterError:
            return None

    def peer_members(self, area: Area) -> tuple[str, list[str]]:
        """(group name, members) for ``area``: the first peer group holding it, else the
        partnerships of its county."""
        for name, members in self.peer_groups.items():
            if area.name in members:
                return name, members
        return f"partnerships in {area.pfa_name or 'the county'}", list(area.csp_names)

    def figures(self, area: str, period: str, measure: str, comparison: str) -> dict:
        """Everything the dashboard shows, computed with the indicator functions."""
        a = self._area(area)
        p = _quarter(period)
        rows, count_measure, by = select_measure(a.select(self.crimes), measure)
        out: dict[str, Any] = {
            "area": a.name, "period": p.label, "measure": measure, "comparison": comparison,
            "unit": "incident" if count_measure == "asb" else "crime",
        }  # fmt: skip
        chart_months = month_range(shift_month(p.end, -(CHART_MONTHS - 1)), p.end)
        out["monthly"] = monthly_counts(
            rows, chart_months, measure=count_measure, coverage=self.coverage, force=list(a.forces)
        )
        if comparison == PEER_GROUP:
            out.update(self._peer_figures(a, p, measure))
            out["flags"] = self._flags(a, p)
            return out
        other = p.same_period_last_year() if comparison == SAME_PERIOD else p.previous()
        out["other_period"] = other.label
        out["flags"] = self._flags(a, p, other)
        cur = in_period(rows, p)
        prev = in_period(rows, other)
        mask_c, mask_p = asb_mask(cur), asb_mask(prev)
        n_cur = int(mask_c.sum() if count_measure == "asb" else (~mask_c).sum())
        n_prev = int(mask_p.sum() if count_measure == "asb" else (~mask_p).sum())
        out["current"], out["previous"] = n_cur, n_prev
        if out["flags"].empty:
            test = poisson_change_test(n_cur, n_prev, p.days, other.days)
            out["headline"] = headline_change(
                measure.removeprefix(GROUP_PREFIX).removeprefix(TYPE_PREFIX), n_cur, n_prev, p,
                test, previous_period=other, unit=out["unit"],
            )  # fmt: skip
        else:
            out["headline"] = (
                f"{measure}: {n_cur:,} in {p.label} against {n_prev:,} in {other.label}. A month "
                "of one of these periods is missing or incomplete, so no change is stated."
            )
        table = compare_periods(rows, p, by=by, measure=count_measure, previous_period=other)
        table = add_significance(table, current_exposure=p.days, previous_exposure=other.days)
        out["table"] = table.head(10) if by == "lsoa_name" else table
        out["by"] = by
        return out

    def _peer_figures(self, a: Area, p: Period, measure: str) -> dict:
        group, members = self.peer_members(a)
        if a.kind == "force" and a.name not in members:
            return {"group": group, "table": None, "by": None,
                    "headline": f"{a.name} is a force area: peer groups compare partnerships. "
                    "Pick a partnership, or compare with the same period last year."}  # fmt: skip
        if a.name not in members:
            members = [a.name, *members]
        rows_all, count_measure, _ = select_measure(in_period(self.crimes, p), measure)
        asb = asb_mask(rows_all)
        rows_all = rows_all[asb] if count_measure == "asb" else rows_all[~asb]
        data = []
        for name in members:
            member = self._area(name)
            pop = self._population(member, int(p.start[:4]))
            if pop is None:
                return {"group": group, "table": None,
                        "headline": f"No population for {name}: the peer comparison needs one."}  # fmt: skip
            data.append({"area": member.name, "count": len(member.select(rows_all)),
                         "population": pop[0]})  # fmt: skip
        table = peer_comparison(pd.DataFrame(data))
        me = table[table["area"] == a.name].iloc[0]
        headline = (
            f"{measure} in {a.name}, {p.label}: {int(me['count']):,}, {me['rate']:.2f} per 1,000 "
            f"residents, {me['verdict_95']} the average of its peer group '{group}' "
            f"({me['group_rate']:.2f} per 1,000; ranked {int(me['rank'])} of {len(table)}, "
            "1 = highest)."
        )
        return {"group": group, "table": table, "headline": headline, "by": None}

    # ---- formatting -------------------------------------------------------------------
    def _count(self, n: object) -> str:
        return cells.count(n, self.threshold)

    def dashboard(self, area: str, period: str, measure: str, comparison: str) -> h.Html:
        """Headline, table and monthly chart for one selection (HTML)."""
        f = self.figures(area, period, measure, comparison)
        parts = [h.heading(f"{f['measure']}: {f['area']}, {f['period']}", 2),
                 h.paragraph(f["headline"], "headline")]  # fmt: skip
        if not f["flags"].empty:
            months = ", ".join(sorted(set(f["flags"]["month"])))
            parts.append(h.callout(f"Data gap: {months} missing or incomplete.", "warning"))
        if comparison == PREVIOUS_PERIOD:
            parts.append(h.callout(
                "The previous quarter is a different season: prefer the same period last year "
                "for judging change.", "note",
            ))  # fmt: skip
        table = f["table"]
        if comparison == PEER_GROUP and table is not None:
            frame = pd.DataFrame({
                "Partnership": table["area"], "Count": table["count"].map(self._count),
                "Rate per 1,000": table["rate"].map(lambda x: h.fmt_float(x, 2)),
                "Rank": table["rank"].map(h.fmt_int), "Against the group (95%)": table["verdict_95"],
            }).sort_values("Rank", key=lambda s: s.astype(int))  # fmt: skip
            parts.append(h.table(
                frame, f"Peer group '{f['group']}': {f['measure']} per 1,000 residents, {f['period']}",
                numeric=["Count", "Rate per 1,000", "Rank"], row_header="Partnership",
                note="Funnel limits around the group's pooled rate (Byar's method; exact Poisson "
                "below 10).",
            ))  # fmt: skip
        elif table is not None:
            label = {"offence_group": "Offence group", "crime_type": "Crime type",
                     "lsoa_name": "Neighbourhood (LSOA)"}[f["by"]]  # fmt: skip
            flagged = not f["flags"].empty
            frame = pd.DataFrame({
                label: table[f["by"]].fillna("no location"),
                f["period"]: table["current"].map(self._count),
                f["other_period"]: table["previous"].map(self._count),
                "Change %": table["pct_change"].map(h.fmt_pct),
                "Is it real?": "not tested: data gap" if flagged else table["significance"],
            })  # fmt: skip
            small = (table["current"].between(1, self.threshold - 1)
                     | table["previous"].between(1, self.threshold - 1))  # fmt: skip
            frame.loc[small.to_numpy(), ["Change %", "Is it real?"]] = "[c]"
            top = " (top 10)" if f["by"] == "lsoa_name" else ""
            parts.append(h.table(
                frame, f"{f['measure']} by {label.lower()}{top}, {f['period']} against {f['other_period']}",
                numeric=[f["period"], f["other_period"], "Change %"], row_header=label,
                note=f"Counts of 1-{self.threshold - 1} are shown as <{self.threshold}; [c] hides "
                "a change that would reveal one.",
            ))  # fmt: skip
        monthly = f["monthly"][["month", "count"]]
        unit = "ASB incidents" if f["unit"] == "incident" else "crimes"
        fig, alt = series_chart(
            monthly, f"{f['measure']}, {f['area']}", highlight=_quarter(period).months,
            measure=unit,
        )  # fmt: skip
        parts.append(h.figure(fig, alt, f"Monthly {unit}, the selected quarter shaded."))
        return h.join(parts)

    def controls(
        self,
        area: str | None = None,
        period: str | None = None,
        measure: str = ALL_CRIME,
        comparison: str = SAME_PERIOD,
    ) -> Controls:
        """Dropdowns for area, quarter, measure and comparison over a live dashboard."""
        return controls(self, area, period, measure, comparison)


def controls(
    explorer: Explorer,
    area: str | None = None,
    period: str | None = None,
    measure: str = ALL_CRIME,
    comparison: str = SAME_PERIOD,
) -> Controls:
    """Dropdowns for area, quarter, measure and comparison over a live dashboard."""
    import ipywidgets as w

    areas = explorer.areas
    area = area or (areas[0] if areas else None)
    if area is None:
        raise CspError("the store holds no areas", fix="ingest the ONS lookup and crimes")
    periods = explorer.period_options(area)
    period = period or explorer.default_period(area)
    style = {"description_width": "initial"}
    layout = w.Layout(width="24rem")
    area_w = w.Dropdown(options=areas, value=area, description="Area", style=style, layout=layout)
    period_w = w.Dropdown(options=periods, value=period, description="Quarter", style=style,
                          layout=layout)  # fmt: skip
    measure_w = w.Dropdown(options=measure_options(), value=measure, description="Measure",
                           style=style, layout=layout)  # fmt: skip
    comparison_w = w.Dropdown(options=COMPARISONS, value=comparison, description="Compare with",
                              style=style, layout=layout)  # fmt: skip
    output = w.Output()
    busy = [False]  # set while the area callback resets the quarter list

    def render(_change: object = None) -> None:
        if busy[0]:
            return
        # Set the Output widget's outputs directly rather than "with output:", so the
        # dashboard renders the same in JupyterLab, headless (papermill) and in tests.
        try:
            view = explorer.dashboard(area_w.value, period_w.value, measure_w.value,
                                  comparison_w.value)  # fmt: skip
        except CspError as err:
            view = h.callout(str(err), "warning")
        output.outputs = ()
        output.append_display_data(view)

    def area_changed(change: dict) -> None:
        # A different area may reach different quarters: keep the quarter if it can.
        options = explorer.period_options(change["new"])
        keep = period_w.value if period_w.value in [v for _, v in options] else None
        busy[0] = True
        try:
            period_w.options = options
            period_w.value = keep or explorer.default_period(change["new"])
        finally:
            busy[0] = False
        render()

    area_w.observe(area_changed, names="value")
    for widget in (period_w, measure_w, comparison_w):
        widget.observe(render, names="value")
    render()
    box = w.VBox([w.HBox([area_w, period_w]), w.HBox([measure_w, comparison_w]), output])
    return Controls(area_w, period_w, measure_w, comparison_w, output, box, render)


def _quarter(label: str) -> Period:
    """The financial quarter a dropdown value names ('2024/25 Q2')."""
    p = parse_period(label)
    if p.kind != "fquarter":
        raise ParameterError(f"'{label}' is not a financial quarter", fix="e.g. 2024/25 Q2")
    return p
