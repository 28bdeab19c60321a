"""The assessment's one set of figures: why the year's totals differ (police.uk over the
like-for-like months, police.uk over every month, Home Office recorded crime), one rate
per 1,000 for the area, the force's total against the sum of its partnerships, and the
summary's sentence for every real change (police.uk crime types and Home Office offence
groups), with the Home Office figure beside police.uk's where both count the same thing.

Pure: builds from the results of the sections it reconciles; p-values and method names
go only to :attr:`Reconciled.methods` (the report's methods note).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.change import format_pct, pct_change_exact, pct_rounded, round_half_away
from csplib.indicators.narrative import (
    chance_phrase,
    is_material,
    methods_note,
    summary_changes,
)
from csplib.indicators.priorities import months_days
from csplib.indicators.significance import poisson_change_test
from csplib.report import html as h
from csplib.report.sections.context import Year, clean, months_long

#: police.uk crime type -> the Home Office (offence group, subgroup or None for the whole
#: group) that count the same crimes (DOMAIN.md's mapping; "Other crime" is the
#: miscellaneous crimes against society, whose group name differs between releases, so
#: group names match by their start).
POLICE_TO_HOME_OFFICE: dict[str, list[tuple[str, str | None]]] = {
    "Violence and sexual offences": [("Violence against the person", None),
                                     ("Sexual offences", None)],
    "Robbery": [("Robbery", None)],
    "Burglary": [("Theft offences", "Domestic burglary"),
                 ("Theft offences", "Non-domestic burglary")],
    "Vehicle crime": [("Theft offences", "Theft from a vehicle"),
                      ("Theft offences", "Theft of a motor vehicle"),
                      ("Theft offences", "Vehicle interference")],
    "Theft from the person": [("Theft offences", "Theft from the person")],
    "Bicycle theft": [("Theft offences", "Bicycle theft")],
    "Shoplifting": [("Theft offences", "Shoplifting")],
    "Other theft": [("Theft offences", "Other theft offences")],
    "Criminal damage and arson": [("Criminal damage and arson", None)],
    "Drugs": [("Drug offences", None)],
    "Possession of weapons": [("Possession of weapons", None)],
    "Public order": [("Public order", None)],
    "Other crime": [("Miscellaneous crimes", None)],
}  # fmt: skip
#: Two sources "differ in size" when their percentage changes are this many points apart.
SIZE_GAP_POINTS = 10


def sources_disagree(
    a_pct: float | None, a_real: bool, b_pct: float | None, b_real: bool, points: float
) -> bool:
    """Whether two counts of the same crimes (police.uk and the Home Office) tell
    different stories: never when both changes could be chance (both little changed,
    whatever their signs); otherwise when they go opposite ways or are more than
    ``points`` percentage points apart.

    >>> sources_disagree(0.4, False, -0.3, False, 5.0)  # both flat: they agree
    False
    >>> sources_disagree(11.2, True, -0.3, False, 5.0), sources_disagree(11.2, True, 7.3, True, 5.0)
    (True, False)
    """
    if a_pct is None or b_pct is None or not (a_real or b_real):
        return False
    return (a_pct > 0) != (b_pct > 0) or abs(a_pct - b_pct) > points


def coverage_phrase(ctx: Year) -> str:
    """What a like-for-like total covers: '11 months: December 2022 missing, so December
    left out of both years', or '' when whole years are compared."""
    lfl = ctx.lfl
    if not lfl.excluded:
        return ""
    missing = sorted({m for pair in lfl.excluded for m in pair if m in ctx.flagged})
    calendar = sorted({pd.Period(c, freq="M").strftime("%B") for c, _ in lfl.excluded})
    return (
        f"{len(lfl.current)} months: {months_long(missing)} missing, so "
        f"{' and '.join(calendar)} left out of both years"
    )


def _signed(cur: int, prev: int) -> str:
    """'+23.0%': the change as the tables print it (rounded once)."""
    return format_pct(pct_rounded(int(cur), int(prev)))


def _pct(cur: int, prev: int) -> str:
    exact = pct_change_exact(int(cur), int(prev))
    return "n/a" if exact is None else f"{round_half_away(abs(exact), 1)}%"


@dataclass(frozen=True)
class Reconciled:
    ctx: Year
    rows: list[dict]  # the "Why these totals differ" table
    rate: dict | None  # the one rate per 1,000 (and which rows it counts)
    force_note: str | None  # the force's total against the sum of its partnerships
    county_note: str | None  # why there is no county chart (one partnership in the force)
    changes: list[str]  # the summary's sentences on every real change, biggest first
    small_changes: list[str]  # real changes too small to matter, in one or two sentences
    methods: list[str]  # p-values and methods behind them, for the methods note
    figures: dict
    # Which months each count covers when a month is left out of the comparison: ASB
    # over the like-for-like months beside its whole year, and the rule for crime types.
    month_notes: tuple[str, ...] = ()


# ---- Home Office counts ----------------------------------------------------------------


def _ho_rows(ctx: Year, names: list[str]) -> pd.DataFrame | None:
    """Home Office rows of ``names`` (partnerships) in the two years, or None unless both
    are whole years (four quarters) for every name."""
    rec = ctx.data.recorded
    if rec is None or rec.empty:
        return None
    keys = {n.strip().casefold() for n in names}
    rows = rec[rec["csp_name"].astype("str").str.strip().str.casefold().isin(keys)]
    rows = rows[rows["financial_year"].isin([ctx.period.label, ctx.previous.label])]
    if rows.empty:
        return None
    for y in (ctx.period.label, ctx.previous.label):
        q = rows[rows["financial_year"] == y].groupby("csp_name")["financial_quarter"].nunique()
        if len(q) < len(keys) or (q < 4).any():
            return None
    return rows


def _ho_names(ctx: Year) -> list[str]:
    area = ctx.data.area
    return list(area.csp_names) if area.kind == "force" else [area.name]


def _matches(rows: pd.DataFrame, group: str, subgroup: str | None) -> pd.Series:
    g = rows["offence_group"].astype("str").str.casefold().str.startswith(group.casefold())
    if subgroup is None:
        return g
    return g & (rows["offence_subgroup"].astype("str").str.casefold() == subgroup.casefold())


def ho_by_crime_type(rows: pd.DataFrame | None, ctx: Year) -> dict[str, tuple[int, int]]:
    """police.uk crime type -> (this year, last year) in the Home Office counts."""
    if rows is None:
        return {}
    out = {}
    for ctype, parts in POLICE_TO_HOME_OFFICE.items():
        mask = pd.Series(False, index=rows.index)
        for g, s in parts:
            mask |= _matches(rows, g, s)
        if not mask.any():
            continue
        part = rows[mask]
        out[ctype] = (int(part.loc[part["financial_year"] == ctx.period.label, "count"].sum()),
                      int(part.loc[part["financial_year"] == ctx.previous.label, "count"].sum()))  # fmt: skip
    return out


def _ho_sentence(
    ctype: str, police: tuple[int, int], ho: tuple[int, int], days, police_real: bool = True
) -> str:
    """The Home Office figure beside police.uk's, and whether they disagree (never when
    both changes could be chance: :func:`sources_disagree`)."""
    cur, prev = ho
    if prev == 0:
        return f"The Home Office counted {cur:,} against none last year."
    test = poisson_change_test(cur, prev, *days)
    verb = "rose" if cur > prev else "fell" if cur < prev else "was unchanged"
    text = f"The Home Office count {verb}"
    text += f" {_pct(cur, prev)} ({prev:,} to {cur:,})" if cur != prev else f" at {cur:,}"
    p_pct = float(pct_change_exact(*police) or 0)
    h_pct = float(pct_change_exact(cur, prev) or 0)
    real = police_real or test.significant
    if real and (p_pct > 0) != (h_pct > 0) and cur != prev:
        text += ": the two sources disagree in direction"
    elif real and abs(p_pct - h_pct) >= SIZE_GAP_POINTS:
        text += f": a much {'smaller' if abs(h_pct) < abs(p_pct) else 'larger'} change"
    if not test.significant:
        text += ", and that could be chance"
    return text + "."


# ---- build -------------------------------------------------------------------------------


def _police_family(scores: pd.DataFrame) -> pd.DataFrame:
    """The crime types' changes as the priority table tests them (one family)."""
    if scores is None or scores.empty:
        return pd.DataFrame(columns=["group", "current", "previous", "significant", "p_adjusted"])
    return pd.DataFrame({
        "group": scores["candidate"], "current": scores["current"],
        "previous": scores["previous"],
        "significant": scores["trend"] != "no significant change",
        "p_adjusted": scores["p_value"], "p_value": scores["p_value"], "method": "",
    })  # fmt: skip


def _county_crime_types(ctx: Year, county_crimes: pd.DataFrame | None) -> dict:
    if county_crimes is None or county_crimes.empty:
        return {}
    cur = county_crimes[county_crimes["month"].isin(ctx.lfl.current)].groupby("crime_type").size()
    prev = county_crimes[county_crimes["month"].isin(ctx.lfl.previous)].groupby("crime_type").size()
    return {k: (int(cur.get(k, 0)), int(prev.get(k, 0))) for k in set(cur.index) | set(prev.index)}


def _ho_county(ctx: Year, family: pd.DataFrame) -> dict:
    """Home Office group or subgroup -> (this year, last year) for the whole county."""
    rows = _ho_rows(ctx, list(ctx.data.area.csp_names))
    if rows is None or len(ctx.data.area.csp_names) < 2:
        return {}
    out = {}
    for level, col in (("group", "offence_group"), ("subgroup", "offence_subgroup")):
        by = rows.groupby([col, "financial_year"])["count"].sum()
        for name in family.loc[family["level"] == level, "group"]:
            out[name] = (int(by.get((name, ctx.period.label), 0)),
                         int(by.get((name, ctx.previous.label), 0)))  # fmt: skip
    return out


def _sentences(frame, **kw) -> list[tuple[int, str, str]]:
    """(size, group, sentence) of each significant, material change in ``frame``."""
    out = []
    for r in frame.to_dict("records"):
        one = pd.DataFrame([r])
        for s in summary_changes(one, **kw):
            out.append((abs(int(r["current"]) - int(r["previous"])), str(r["group"]), s))
    return out


def _small(frame: pd.DataFrame, source: str) -> list[str]:
    """Significant changes below the materiality line, named with their change."""
    sig = frame[frame["significant"].astype(bool)]
    return [
        f"{r['group']}{source} {'+' if r['current'] > r['previous'] else '-'}"
        f"{_pct(r['current'], r['previous'])}"
        for r in sig.to_dict("records")
        if not is_material(int(r["current"]), int(r["previous"]))
    ]


def _chunks(items: list[str], lead: str, most: int = 30) -> list[str]:
    """'lead: a, b and c.' sentences of at most ``most`` words each."""
    out, batch = [], []
    for it in items:
        if batch and len((lead + " " + "; ".join([*batch, it])).split()) > most:
            out.append(f"{lead} {'; '.join(batch)}.")
            batch = []
        batch.append(it)
    if batch:
        out.append(f"{lead} {'; '.join(batch)}.")
    return out


def _totals_rows(ctx: Year, t: dict, recorded, ho_rows) -> list[dict]:
    """The "Why these totals differ" rows: police.uk like for like, police.uk over every
    month, and the Home Office count when its table covers both whole years."""
    cover = coverage_phrase(ctx)
    year_months = [m for m in ctx.period.months if m not in ctx.flagged]
    rows = [{
        "figure": "police.uk, like-for-like months", "value": t["current"],
        "previous": t["previous"],
        "covers": cover or "all 12 months of both years",
        "why": "The months complete in both years, so the change compares like with like. "
        "The headline change uses this figure.",
    }, {
        "figure": "police.uk, all months of the year", "value": t["year"], "previous": None,
        "covers": f"{len(year_months)} months of {ctx.period.label}"
        + ("" if len(year_months) == 12 else
           f" ({months_long([m for m in ctx.period.months if m in ctx.flagged])} missing)"),
        "why": "Every complete month of the year, so it is larger than the like-for-like "
        "figure when a month had to be left out of the comparison."
        if ctx.lfl.excluded else "The same months as the like-for-like figure.",
    }]  # fmt: skip
    ho_total = (recorded.figures or {}).get("total") if recorded is not None else None
    if ho_total and ho_rows is not None:
        rows.append({
            "figure": "Home Office recorded crime", "value": ho_total["current"],
            "previous": ho_total["previous"], "covers": f"all 12 months of {ctx.period.label}",
            "why": "The official count. It counts crimes by the date they were recorded "
            "(police.uk by the month of the street-level extract), includes crimes "
            "police.uk leaves out (fraud and computer misuse reported to the police, and "
            "crimes with no map location), and is revised after police.uk publishes.",
        })  # fmt: skip
    return rows


def _placed_rate(
    ctx: Year, facts, county, rows: list[dict]
) -> tuple[dict | None, str | None, str | None]:
    """(the one rate per 1,000, the force's total against its partnerships, why there is
    no county chart); a force area's placed count joins ``rows`` when it differs."""
    area, t = ctx.data.area, facts.figures["total_crime"]
    year_months = [m for m in ctx.period.months if m not in ctx.flagged]
    # One rate: the rows placed in the partnership by their neighbourhood (the county
    # table's definition), so the summary and the county table agree.
    from csplib.report.sections.county import force_reconciliation

    rate, force_note, county_note = facts.figures.get("rate_per_1000"), None, None
    ct = county.table if county is not None else None
    if ct is not None and not ct.empty:
        mine = ct[ct["area"] == area.name]
        row = mine.iloc[0] if not mine.empty else ct[ct["area"] == "Total"].iloc[0]
        rate = {"current": float(row["rate"]), "count": int(row["count"]),
                "population": int(row["population"]),
                "population_year": int(ctx.period.start[:4]),
                "rows": "crimes placed in the partnership by their neighbourhood"}  # fmt: skip
        members = ct[ct["area"] != "Total"]
        if len(members) == 1:
            county_note = (
                f"{area.name} is the only partnership in its force area, so there is no "
                "county comparison and no county chart."
            )
        force_total, _, no_loc, outside, _ = force_reconciliation(ctx)
        placed = int(members["count"].sum())
        gap = force_total - placed
        if gap:
            other = gap - no_loc - outside
            force_note = (
                f"The force recorded {force_total:,} crimes in {ctx.period.label}; "
                + (f"its {len(members)} partnerships hold" if len(members) != 1
                   else "its one partnership holds")
                + f" {placed:,}, {gap:,} fewer: {no_loc:,} have no map location and "
                f"{outside:,} fall in neighbourhoods outside the force area"
                + (f", and {other:,} are in neighbourhoods the lookup does not place"
                   if other else "") + "."
            )  # fmt: skip
            if rate and area.kind == "force" and placed != t["year"]:
                # Beside the headline's change (every crime the force recorded), the
                # county table's (the crimes placed in the partnerships), when both
                # count whole years.
                before = None if ctx.lfl.excluded else int(members["lfl_previous"].sum())
                why = ("The crimes that can be placed in a partnership by their "
                       "neighbourhood: the rate per 1,000 and the county table use these")  # fmt: skip
                if before:
                    why += (f", and the county table's change ({_signed(placed, before)}) "
                            f"is theirs; the headline's ({_signed(t['current'], t['previous'])}) "
                            "counts every crime the force recorded")  # fmt: skip
                rows.append({
                    "figure": "police.uk, placed in the partnerships", "value": placed,
                    "previous": before,
                    "covers": f"{len(year_months)} months of {ctx.period.label}"
                    + ("" if before is None else " and of " + ctx.previous.label),
                    "why": why + ".",
                })  # fmt: skip
    return rate, force_note, county_note


def _real_changes(ctx: Year, county, priorities, recorded, ho_rows):
    """(the summary's sentences on every real change, the smaller real changes, the
    methods lines), police.uk crime types first, then Home Office groups."""
    area = ctx.data.area
    # Every real change, biggest first: police.uk crime types (the priority table's
    # family of tests), then Home Office offence groups and subgroups.
    days = months_days(ctx.lfl.current), months_days(ctx.lfl.previous)
    fam = _police_family(priorities.scores if priorities is not None else None)
    county_name = area.county if len(area.csp_names) > 1 else None
    county_ct = _county_crime_types(ctx, county.crimes if county is not None else None)
    found = _sentences(fam, county=county_ct or None, county_name=county_name,
                       county_exposures=days)  # fmt: skip
    ho_ct = ho_by_crime_type(ho_rows, ctx)
    ho_days = (months_days(ctx.period.months), months_days(ctx.previous.months))
    changes = []
    for _size, ctype, s in sorted(found, key=lambda x: (-x[0], x[1])):
        if ctype in ho_ct:
            r = fam[fam["group"] == ctype].iloc[0]
            s += " " + _ho_sentence(ctype, (int(r["current"]), int(r["previous"])),
                                    ho_ct[ctype], ho_days, bool(r["significant"]))  # fmt: skip
        changes.append(s)
    small = _small(fam, "")
    methods = []
    if not fam.empty:
        methods.append("police.uk crime types: " + methods_note(fam, what="crime types",
                                                              adjusted_only=True))  # fmt: skip
    if recorded is not None and recorded.family is not None:
        hf = recorded.family
        # A subgroup named as its group, or a count already given beside police.uk's,
        # is not stated twice.
        said = {
            parts[0][1] or parts[0][0]
            for ctype, parts in POLICE_TO_HOME_OFFICE.items()
            if len(parts) == 1 and ctype in ho_ct and ctype in {g for _n, g, _s in found}
        }
        hf = hf[~((hf["level"] == "subgroup") & (hf["group"] == hf["offence_group"]))]
        hf = hf[~hf["group"].isin(said)]
        ho_found = _sentences(
            hf.assign(group=hf["group"] + " (Home Office)"),
            county=({k + " (Home Office)": v for k, v in _ho_county(ctx, hf).items()}
                    or None), county_name=county_name, county_exposures=ho_days,
        )  # fmt: skip
        changes += [s for _n, _g, s in sorted(ho_found, key=lambda x: (-x[0], x[1]))]
        small += _small(hf, " (Home Office)")
        methods.append("Home Office offence groups and subgroups: " + methods_note(hf))
    return changes, small, methods


def build(ctx: Year, facts, county, priorities, recorded) -> Reconciled:
    """Reconcile the sections' figures (``facts``: summary.YearFacts, ``county``:
    county.YearCounty, ``priorities``: priorities.Priorities, ``recorded``:
    recorded.Recorded)."""
    ho_rows = _ho_rows(ctx, _ho_names(ctx))
    rows = _totals_rows(ctx, facts.figures["total_crime"], recorded, ho_rows)
    rate, force_note, county_note = _placed_rate(ctx, facts, county, rows)
    changes, small, methods = _real_changes(ctx, county, priorities, recorded, ho_rows)
    small_sentences = _chunks(small, "Smaller real changes (under 10% or 10 crimes):")
    figures = {
        "totals": rows, "rate_per_1000": rate, "force_note": force_note,
        "county_note": county_note, "summary_changes": changes,
        "small_changes": small_sentences,
    }  # fmt: skip
    return Reconciled(
        ctx,
        rows,
        rate,
        force_note,
        county_note,
        changes,
        small_sentences,
        methods,
        clean(figures),
        _month_notes(ctx, facts.figures["asb"]),
    )  # type: ignore[arg-type]


def _month_notes(ctx: Year, asb: dict) -> tuple[str, ...]:
    """When a month is left out of the comparison, every count of the year is one of two
    figures: over the like-for-like months (the changes') or over every month. Say which
    tables give which, for anti-social behaviour and for each crime type."""
    if not ctx.lfl.excluded:
        return ()
    n, label, prev = len(ctx.lfl.current), ctx.period.label, ctx.previous.label
    every = len(ctx.period.months)
    return (
        # Each at most 30 words: they sit in the summary.
        f"Anti-social behaviour: {asb['current']:,} incidents over the {n} like-for-like "
        f"months ({asb['previous']:,} in {prev}); {asb['year']:,} over all {every} months of "
        f"{label}, as the three-year table and long trend count them.",
        f"A column headed '{ctx.lfl_header(label)}' counts the like-for-like months its "
        f"change compares; other police.uk counts for {label} cover all {every} months; "
        "Home Office counts say so.",
    )


def headline(ctx: Year, t: dict) -> str:
    """The summary's first sentence: the like-for-like change, saying what it covers."""
    cover = coverage_phrase(ctx)
    when = f" ({cover})" if cover else ""
    if t["significance"] == "no significant change":
        return (f"Total recorded crime was {t['current']:,} against {t['previous']:,} in "
                f"{ctx.previous.label}{when}: no real change.")  # fmt: skip
    verb = "rose" if t["current"] > t["previous"] else "fell"
    return (
        f"Total recorded crime {verb} {_pct(t['current'], t['previous'])} on "
        f"{ctx.previous.label}, {t['previous']:,} to {t['current']:,}, "
        f"{chance_phrase(float(t['p_value']))}{when}."
    )


def render(r: Reconciled) -> h.Html:
    """The "Why these totals differ" note."""
    ctx = r.ctx
    frame = pd.DataFrame({
        "Figure": [x["figure"] for x in r.rows],
        ctx.period.label: [h.fmt_int(x["value"]) for x in r.rows],
        ctx.previous.label: ["" if x["previous"] is None else h.fmt_int(x["previous"])
                             for x in r.rows],
        "What it covers": [x["covers"] for x in r.rows], "Why it differs": [x["why"] for x in r.rows],
    })  # fmt: skip
    parts = [h.heading("Why these totals differ", 3), h.table(
        frame, f"Total recorded crime in {ctx.data.area.name}: the figures in this report",
        numeric=[ctx.period.label, ctx.previous.label], row_header="Figure",
        note="police.uk also leaves out fraud and computer misuse, which Action Fraud "
        "records nationally. Anti-social behaviour is in none of these counts.",
    )]  # fmt: skip
    notes = [x for x in (r.force_note,) if x]
    if r.rate:
        notes.append(
            f"The rate per 1,000 residents ({r.rate['current']:.1f}) counts "
            f"{r.rate['rows']} ({r.rate.get('count', 0):,}), the same as the county table."
            if "count" in r.rate
            else ""
        )
    notes = [n for n in notes if n] + list(r.month_notes)
    if notes:
        parts.append(h.bullet_list(notes))
    return h.join(parts)
