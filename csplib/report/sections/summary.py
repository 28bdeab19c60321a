"""The summary: headline sentences and the key facts table.

The briefing's key figures (:func:`~csplib.indicators.keyfigures.key_figures`) are the
result every other briefing section and its ``figures.json`` read; the assessment's key
facts (total crime, ASB, the rate) are built first too, and its summary sentences last,
from the results of the sections they quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from csplib.areas import display_name
from csplib.indicators.change import format_pct, pct_rounded
from csplib.indicators.counts import asb_mask, in_period
from csplib.indicators.keyfigures import class_total_reveals, key_figures
from csplib.indicators.narrative import is_material
from csplib.indicators.priorities import year_on_year
from csplib.indicators.significance import poisson_change_test
from csplib.indicators.suppression import suppress_series
from csplib.report import html as h
from csplib.report.data import (
    county_group_counts,
    home_office_group_totals,
    home_office_totals,
    peer_group_verdicts,
)
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter, Year, clean, month_long
from csplib.report.sections.reconcile import POLICE_TO_HOME_OFFICE, sources_disagree
from csplib.report.sections.title import quarter_title
from csplib.schema import CRIME_TYPES, offence_group
from csplib.sources.population import population_for

# ---- the quarterly briefing -----------------------------------------------------------

#: Police.uk and Home Office changes "disagree in size" when they differ by more than this
#: many percentage points (a design choice: smaller gaps are within what the different
#: counting rules give in an ordinary quarter).
SOURCES_DIFFER_POINTS = 5.0


@dataclass(frozen=True)
class QuarterFacts:
    ctx: Quarter
    figures: dict  # key_figures, with synthetic, population_note, county and Home Office
    sentences: list[str]  # the summary after the headline, each at most 30 words


def county_name(pfa_name: str | None) -> str | None:
    """How a sentence names the county: 'Synthshire (synthetic)' -> 'Synthshire',
    'Kent Police' -> 'Kent', 'London, City of' -> 'City of London'
    (:func:`csplib.areas.display_name`)."""
    if not pfa_name:
        return None
    name = re.sub(r"\s*\(.*?\)\s*$", "", str(pfa_name)).strip()
    name = re.sub(r"\s+Police(\s+Area)?$", "", name).strip() or str(pfa_name)
    return display_name(name)


def placed_rate(ctx: Quarter, rate: dict | None) -> dict | None:
    """The rate per 1,000 for a force area: the crimes placed in its partnerships by their
    neighbourhood, as the assessment's rate and county table count them (a crime with no
    map location, or placed outside the force area, has no residents to be a rate of).

    A partnership's own rate already counts only its placed crimes, and a store with no
    lookup places none: both keep ``rate`` (every row of the area) as it is."""
    from csplib.report.sections.county import force_reconciliation

    d = ctx.data
    if rate is None or d.area.kind != "force" or not d.area.csp_names:
        return rate
    placed = force_reconciliation(ctx)[1]
    rows = d.crimes[d.crimes["force"].isin(list(d.area.forces))
                    & d.crimes["csp_name"].isin(d.area.csp_names)]  # fmt: skip
    before = in_period(rows, ctx.previous)
    before = int((~asb_mask(before)).sum())
    prev_pop = ctx.previous_population or ctx.population
    return rate | {
        "current": round(placed / rate["population"] * 1000, 3),
        "previous": None if rate["previous"] is None or prev_pop is None
        else round(before / prev_pop[0] * 1000, 3),
        "count": placed, "rows": "crimes placed in a partnership by their neighbourhood",
    }  # fmt: skip


def _change_entry(cur: int, prev: int, ctx: Quarter) -> dict:
    test = poisson_change_test(cur, prev, ctx.period.days, ctx.previous.days)
    return {"current": int(cur), "previous": int(prev), "change": int(cur - prev),
            "pct_change": pct_rounded(cur, prev), "significant": bool(test.significant)}  # fmt: skip


def build_quarter(ctx: Quarter) -> QuarterFacts:
    d = ctx.data
    complete = ctx.flags.empty
    county_groups = county_group_counts(d, ctx.period) if d.area.csp_names else {}
    many = len(d.area.csp_names) > 1
    cname = county_name(d.area.pfa_name)
    figures = key_figures(
        d.area, d.area_crimes, ctx.period, ctx.flags, population=ctx.population,
        previous_population=ctx.previous_population, peers=d.peers, peer_group=d.peer_group,
        county_groups=county_groups if (many and d.area.kind == "csp") else None,
        county_name=cname, peer_groups=peer_group_verdicts(d, ctx.period) or None,
    )  # fmt: skip
    figures["rate_per_1000"] = placed_rate(ctx, figures["rate_per_1000"])
    figures["title"] = quarter_title(ctx)  # the page's title and heading, the same words
    figures["synthetic"] = d.synthetic
    figures["population_note"] = f"mid-{ctx.population[1]} estimate" if ctx.population else None
    if figures["peer_position"]:
        figures["peer_position"]["group_name"] = d.peer_group_name
    county = None
    if many and d.area.kind == "csp" and county_groups and complete:
        cur = sum(c for c, _ in county_groups.values())
        prev = sum(p for _, p in county_groups.values())
        county = {"area": cname, **_change_entry(cur, prev, ctx)}
    figures["county_total"] = county
    ho = home_office_totals(d, ctx.period) if complete else None
    home = None
    if ho is not None:
        home = _change_entry(*ho, ctx)
        total = figures["total_crime"]
        home["differs"] = sources_disagree(
            total["pct_change"], str(total.get("significance")).startswith("significant"),
            home["pct_change"],
            home["significant"], SOURCES_DIFFER_POINTS,
        )  # fmt: skip
    figures["home_office"] = home
    figures["home_office_groups"] = _home_office_groups(ctx, figures) if complete else {}
    return QuarterFacts(ctx, figures, _sentences(ctx, figures))


def _home_office_groups(ctx: Quarter, figures: dict) -> dict:
    """group -> the Home Office count's change, for each offence group the summary names
    (significant and material), with ``differs`` when the sources disagree in direction
    or by more than :data:`SOURCES_DIFFER_POINTS` points (never when both changes could
    be chance)."""
    named = [g for g in figures["by_group"]
             if g["significant"] and is_material(g["current"], g["previous"])]  # fmt: skip
    if not named:
        return {}
    parts = {
        g["group"]: [piece for ct in CRIME_TYPES if ct != "Anti-social behaviour"
                     and offence_group(ct) == g["group"]
                     for piece in POLICE_TO_HOME_OFFICE.get(ct, [])]
        for g in named
    }  # fmt: skip
    totals = home_office_group_totals(ctx.data, ctx.period, parts)
    out = {}
    for g in named:
        if g["group"] not in totals:
            continue
        entry = _change_entry(*totals[g["group"]], ctx)
        entry["differs"] = sources_disagree(g["pct_change"], bool(g["significant"]),
                                            entry["pct_change"], entry["significant"],
                                            SOURCES_DIFFER_POINTS)  # fmt: skip
        out[g["group"]] = entry
    return out


def _home_office_group_sentence(group: str, entry: dict, police_pct: float | None) -> str:
    """'The Home Office count of theft offences rose 14.5% (1,200 to 1,374), against
    +33.9% in police.uk data: the two sources disagree.'"""
    text = f"The Home Office count of {group[0].lower() + group[1:]} {_moved(entry)}"
    if entry["previous"]:
        text += f" ({entry['previous']:,} to {entry['current']:,})"
    if entry["differs"] and police_pct is not None:
        text += f", against {format_pct(police_pct)} in police.uk data: the sources disagree"
    return text + "."


def _moved(entry: dict) -> str:
    """'rose 2.4%', 'fell 3.1%' or 'was little changed (+0.4%)' (a change that could be
    chance is never called a rise or a fall)."""
    pct = entry["pct_change"]
    if pct is None:
        return f"had {entry['current']:,} against none"
    if not entry["significant"] or entry["change"] == 0:
        return f"was little changed ({format_pct(pct)})"
    return f"{'rose' if entry['change'] > 0 else 'fell'} {abs(pct):.1f}%"


def peer_words(verdict: str) -> str:
    return {"significantly above": "above average", "significantly below": "below average"}.get(
        verdict, "about average"
    )


def _sentences(ctx: Quarter, f: dict) -> list[str]:
    out = list(f["summary"])
    # Large changes that pass their own test but not the family's: named, never as real.
    out += list(f.get("watching") or [])
    police = {g["group"]: g["pct_change"] for g in f["by_group"]}
    for group, entry in (f.get("home_office_groups") or {}).items():
        out.append(_home_office_group_sentence(group, entry, police.get(group)))
    county = f["county_total"]
    if county:
        out.append(f"Across {county['area']}, total recorded crime {_moved(county)} "
                   f"({county['previous']:,} to {county['current']:,}).")  # fmt: skip
    if f["rate_per_1000"]:
        x = f["rate_per_1000"]
        one = len(ctx.data.area.csp_names) == 1
        placed = (f", counting the {x['count']:,} crimes placed in its partnership"
                  f"{'' if one else 's'}" if "count" in x else "")  # fmt: skip
        out.append(f"That is {x['current']:.1f} crimes per 1,000 residents in the quarter"
                   f"{placed} (mid-{x['population_year']} population {x['population']:,}).")  # fmt: skip
    if f["peer_position"]:
        p = f["peer_position"]
        name = p.get("group_name") or "its most similar group of partnerships"
        out.append(
            f"Against {name}, {f['area']}'s crime rate is {peer_words(p['verdict_95'])}: "
            f"{p['rate']:.1f} per 1,000 against {p['group_rate']:.1f}, "
            f"{_highest(p['rank'])} of {p['of']}."
        )  # fmt: skip
    home = f["home_office"]
    if home:
        out.append(f"Home Office recorded crime {_moved(home)} ({home['previous']:,} to "
                   f"{home['current']:,}), against {format_pct(f['total_crime']['pct_change'])} "
                   "in police.uk data.")  # fmt: skip
        if home["differs"]:
            out.append("The two sources disagree here. Police.uk leaves out fraud and crimes "
                       "it cannot map, and the two may date a crime differently (occurred or "
                       "recorded).")  # fmt: skip
    out.append(_asb_sentence(ctx, f))
    return out


def _highest(n: int) -> str:
    """'the highest', 'the 2nd highest', 'the 11th highest' (rank 1 = highest).

    >>> _highest(1), _highest(2), _highest(11), _highest(23)
    ('the highest', 'the 2nd highest', 'the 11th highest', 'the 23rd highest')
    """
    n = int(n)
    if n == 1:
        return "the highest"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"the {n}{suffix} highest"


def _asb_sentence(ctx: Quarter, f: dict) -> str:
    a = f["asb"]
    cur = ctx.shown(a["current"], "asb")
    small = cur.startswith("<") or (
        a["previous"] is not None and ctx.shown(a["previous"], "asb").startswith("<")
    )
    if a["previous"] is None or a["pct_change"] is None or small:
        why = "numbers too small to compare" if small else "not compared"
        return (
            f"Anti-social behaviour (not counted as crime): {cur} incidents this quarter ({why})."
        )
    entry = {**a, "significant": a["significance"] in ("significant rise", "significant fall")}
    return (f"Anti-social behaviour (not counted as crime) {_moved(entry)}: {a['current']:,} "
            f"incidents against {a['previous']:,}.")  # fmt: skip


def render_headline(r: QuarterFacts) -> h.Html:
    f = r.figures
    parts = [h.paragraph(f["headline"], "headline")]
    parts += [h.paragraph(s) for s in r.sentences]
    if not f["coverage"]["complete"]:
        months = ", ".join(
            f"{month_long(x['month'])} ({x['status']})" for x in f["coverage"]["flags"]
        )
        parts.append(h.callout(
            f"Data gap: {months}. Counts for these months are too low or absent, so "
            "changes involving them are not real changes.", "warning",
        ))  # fmt: skip
    return h.join(parts)


def group_mask(r: QuarterFacts, when: str) -> dict[str, bool]:
    """Which offence groups the groups table hides, for ``current`` or ``previous``
    (none where the disclosure policy publishes offence groups at the area's level)."""
    groups = pd.DataFrame(r.figures["by_group"])
    policy = r.ctx.policy
    if groups.empty or groups[when].isna().any():
        return {}
    if not policy.applies(r.ctx.data.area.kind, "offence_group"):
        return dict.fromkeys(groups["group"], False)
    counts = groups.set_index("group")[when]
    s = suppress_series(counts, threshold=policy.threshold, protected=policy.major(counts))
    return dict(s.mask.iloc[:-1])


def _shown(r: QuarterFacts) -> dict[tuple[str, str], tuple[str, bool]]:
    """(display, hidden) of each measure of the table, for the current and previous."""
    f, ctx = r.figures, r.ctx
    t = ctx.policy.threshold
    shown: dict[tuple[str, str], tuple[str, bool]] = {}
    classes = ["victim_based", "non_victim_based"]
    kind = ctx.data.area.kind
    for when in ("current", "previous"):
        if f["total_crime"][when] is None:  # months not loaded: a gap, not a zero
            for k in (*classes, "total_crime", "asb"):
                shown[k, when] = ("gap", False)
            continue
        if ctx.policy.applies(kind, "crime_class"):
            # Victim-based and non-victim-based crime add up to total crime, which is
            # shown: suppress them as a pair against it (a lone hidden one would be the
            # difference). A class total with one hidden offence group inside it would
            # give that group back: hide the pair then too.
            pair = suppress_series(pd.Series([f[k][when] for k in classes], index=classes),
                                   threshold=t)  # fmt: skip
            lone = class_total_reveals(group_mask(r, when))
            for k in classes:
                text = h.fmt_display(pair.display[k]) if pair.mask[k] or not lone else "[c]"
                shown[k, when] = (text, bool(pair.mask[k]) or lone)
        else:
            for k in classes:
                shown[k, when] = (f"{f[k][when]:,}", False)
        for k, measure in (("total_crime", "total"), ("asb", "asb")):
            text = ctx.shown(f[k][when], measure)
            shown[k, when] = (text, text.startswith("<"))
    return shown


def render_table(r: QuarterFacts) -> h.Html:
    f, cur, prev = r.figures, r.ctx.period.label, r.ctx.previous.label
    shown = _shown(r)
    rows = []
    for key, label in (("total_crime", "Total recorded crime (excluding ASB)"),
                       ("victim_based", "Victim-based crime"),
                       ("non_victim_based", "Non-victim-based crime (other crimes against society)"),
                       ("asb", "Anti-social behaviour incidents")):  # fmt: skip
        x = f[key]
        hidden = shown[key, "current"][1] or shown[key, "previous"][1]
        rows.append({
            "Measure": label, cur: shown[key, "current"][0], prev: shown[key, "previous"][0],
            "Change": "[c]" if hidden else h.fmt_signed(x["change"]),
            "Change %": "[c]" if hidden else format_pct(x["pct_change"]),
            "Per day": "[c]" if hidden else h.fmt_float(x["per_day_current"], 1),
            "Is it real?": "[c]" if hidden else x["significance"],
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Crime and ASB in {f['area']}, {cur} against {prev}",
        numeric=[cur, prev, "Change", "Change %", "Per day"], row_header="Measure",
        note="'Is it real?' says whether the change is bigger than the ups and downs "
        "expected by chance; a change that could be chance is 'no significant change'. "
        "The test is described in the methods note.",
    )  # fmt: skip


# ---- the strategic assessment ---------------------------------------------------------


@dataclass(frozen=True)
class YearFacts:
    """Total crime and ASB, the year against the year before (like-for-like months),
    and the rate per 1,000."""

    figures: dict  # total_crime, asb, rate_per_1000 (JSON-able)


def build_facts(ctx: Year) -> YearFacts:
    crimes, lfl = ctx.area_crimes, ctx.lfl
    asb = asb_mask(crimes)
    cur_rows = crimes["month"].isin(lfl.current)
    prev_rows = crimes["month"].isin(lfl.previous)
    year_rows = crimes["month"].isin(ctx.period.months)
    f = {  # percentages from the unrounded counts, rounded once (csplib.indicators.change)
        "total_crime": year_on_year(int((cur_rows & ~asb).sum()), int((prev_rows & ~asb).sum()),
                                    lfl) | {"year": int((year_rows & ~asb).sum())},
        "asb": year_on_year(int((cur_rows & asb).sum()), int((prev_rows & asb).sum()), lfl)
        | {"year": int((year_rows & asb).sum())},
    }  # fmt: skip
    for key in ("total_crime", "asb"):
        f[key]["pct_change"] = pct_rounded(f[key]["current"], f[key]["previous"])
    d = ctx.data
    pop = (
        population_for(d.population, list(d.area.lad_codes), int(ctx.period.start[:4]))
        if ctx.pop_by_year else None
    )  # fmt: skip
    f["rate_per_1000"] = (
        {"current": f["total_crime"]["year"] / pop[0] * 1000, "population": pop[0],
         "population_year": pop[1]} if pop else None
    )  # fmt: skip
    f["peer_position"] = _year_peer_position(ctx)
    return YearFacts(clean(f))  # type: ignore[arg-type]


def _year_peer_position(ctx: Year) -> dict | None:
    """The year's crime rate against the most similar group's pooled rate (funnel limits,
    widened where the partnerships differ more than chance explains): None without a
    peer group, or when a member has no population. Crimes are counted by the
    partnership their neighbourhood lies in, as the county table counts them."""
    from csplib.indicators.peers import peer_comparison
    from csplib.report.assessment_data import csp_population

    d = ctx.data
    if d.analyses is None or not d.analyses.peer_group:
        return None
    group, others = d.analyses.peer_group
    members = list(dict.fromkeys([d.area.name, *others]))
    year = int(ctx.period.start[:4])
    rows = d.crimes[d.crimes["month"].isin(ctx.period.months)]
    counts = rows[~asb_mask(rows)]["csp_name"].value_counts()
    table = []
    for m in members:
        pop = csp_population(d, m, year)
        if pop is None:
            return None
        table.append({"area": m, "count": int(counts.get(m, 0)), "population": pop[0]})
    t = peer_comparison(pd.DataFrame(table))
    me = t[t["area"] == d.area.name].iloc[0]
    return {"group": group, "members": members, "rate": float(me["rate"]),
            "group_rate": float(me["group_rate"]), "rank": int(me["rank"]), "of": len(t),
            "verdict_95": str(me["verdict_95"]), "verdict_998": str(me["verdict_998"])}  # fmt: skip


@dataclass(frozen=True)
class YearSummary:
    ctx: Year
    figures: dict  # the assessment's figures, every section's
    sentences: list[str]  # the headline first


def _year_sentences(ctx: Year, f: dict) -> list[str]:
    """The headline, every real change (biggest first, with the Home Office figure beside
    police.uk's), then ASB, the rate, the plan, the consultation and the recommendations:
    each sentence at most 30 words, no p-values or method names."""
    from csplib.report.sections.reconcile import headline

    t, a, rec = f["total_crime"], f["asb"], f.get("reconciled") or {}
    items = [headline(ctx, t), *rec.get("summary_changes", []), *rec.get("small_changes", [])]
    if a["significance"] == "no significant change":
        how = "could be chance"
    else:
        how = f"a real {'rise' if a['current'] > a['previous'] else 'fall'}"
    asb = (f"Anti-social behaviour (not counted as crime): {a['current']:,} incidents "
           f"against {a['previous']:,}")  # fmt: skip
    if ctx.lfl.excluded:  # the like-for-like count, beside the whole year's
        asb += (f" over the same {len(ctx.lfl.current)} months ({format_pct(a['pct_change'])}; "
                f"{how}); {a['year']:,} in all {len(ctx.period.months)} months.")  # fmt: skip
    else:
        asb += f" ({format_pct(a['pct_change'])}; {how})."
    items.append(asb)
    rate = f["rate_per_1000"]
    me = next((r for r in f["county"] or [] if r["area"] == f["area"]), None)
    if rate:
        text = (f"{f['area']} had {rate['current']:.1f} crimes per 1,000 residents in "
                f"{ctx.period.label}")  # fmt: skip
        members = len(f["county"] or []) - 1
        if me and members > 1:
            text += (f", {_highest(int(me['rank']))} of {members} partnerships "
                     f"in {ctx.data.area.county}")  # fmt: skip
        items.append(text + ".")
        if rec.get("county_note"):
            items.append(rec["county_note"])
    peer = f.get("peer_position")
    if peer:
        items.append(
            f"Against its most similar group of {peer['of']} partnerships, {f['area']}'s crime "
            f"rate is {peer_words(peer['verdict_95'])}: {peer['rate']:.1f} per 1,000 against "
            f"{peer['group_rate']:.1f}, {_highest(peer['rank'])} of {peer['of']}."
        )
    if f["plan"]:
        rc, rev = f["plan"]["rag_counts"], f["plan"]["revision"]
        against = "as first published" if rev["original"] else f"as of the {rev['title']}"
        retired = rc.get("retired", 0)
        items.append(
            f"Plan indicators ({against}): "
            + ", ".join(f"{rc.get(k, 0)} {k}" for k in ("green", "amber", "red", "no data"))
            + (f"; {retired} retired by a revision and no longer judged" if retired else "") + "."
        )  # fmt: skip
    if f["consultation"]:
        c = f["consultation"]
        items.append(f"Consultation respondents rank highest: {', '.join(c['top_said'])}; the "
                     f"data ranks highest: {', '.join(c['top_data'])}.")  # fmt: skip
    recs, p = f["priorities"]["recommended"], f["priorities"]
    if recs:
        emerging = p.get("emerging") or []
        core = [x for x in recs if x not in emerging]
        items.append("Recommended priorities from the evidence"
                     + (" and what residents said" if p["consultation_scored"] else "")
                     + ": " + ", ".join(core)
                     + (f"; and, as an emerging issue, {', '.join(emerging)}" if emerging else "")
                     + ".")  # fmt: skip
    return items


def build_year(ctx: Year, figures: dict) -> YearSummary:
    """The summary from the assessment's figures (every section built)."""
    return YearSummary(ctx, figures, _year_sentences(ctx, figures))


def render_year(r: YearSummary) -> h.Html:
    from csplib.report.sections.reconcile import coverage_phrase

    ctx, f = r.ctx, r.figures
    # The counts are over the like-for-like months: the headers say so when a month is
    # left out, as the three-year table and the long trend count every month.
    cur, prev = ctx.lfl_header(ctx.period.label), ctx.lfl_header(ctx.previous.label)
    parts = [h.paragraph(r.sentences[0], "headline"), h.bullet_list(r.sentences[1:])]
    rows = []
    for key, label in (("total_crime", "Total recorded crime (excluding ASB)"),
                       ("asb", "Anti-social behaviour incidents")):  # fmt: skip
        x = f[key]
        rows.append({
            "Measure": label, cur: cells.count(x["current"], ctx.threshold),
            prev: cells.count(x["previous"], ctx.threshold),
            "Change": h.fmt_signed(x["change"]), "Change %": format_pct(x["pct_change"]),
            "Is it real?": x["significance"],
        })  # fmt: skip
    cover = coverage_phrase(ctx)
    parts.append(h.table(
        pd.DataFrame(rows), f"Key facts: {f['area']}, {ctx.period.label} against "
        f"{ctx.previous.label}"
        + (f" ({cover})" if cover else ""),
        numeric=[cur, prev, "Change", "Change %"], row_header="Measure",
        note="'Is it real?': whether the change is larger than chance would give (the test "
        "is named in the methods note).",
    ))  # fmt: skip
    return h.join(parts)
