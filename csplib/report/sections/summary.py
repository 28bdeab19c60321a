"""The summary: headline sentences and the key facts table.

The briefing's key figures (:func:`~csplib.indicators.keyfigures.key_figures`) are the
result every other briefing section and its ``figures.json`` read; the assessment's key
facts (total crime, ASB, the rate) are built first too, and its summary sentences last,
from the results of the sections they quote.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.change import format_pct, pct_rounded
from csplib.indicators.counts import asb_mask
from csplib.indicators.keyfigures import class_total_reveals, key_figures
from csplib.indicators.priorities import year_on_year
from csplib.indicators.suppression import suppress_series
from csplib.report import html as h
from csplib.report.sections import cells
from csplib.report.sections.context import Quarter, Year, clean
from csplib.sources.population import population_for

# ---- the quarterly briefing -----------------------------------------------------------


@dataclass(frozen=True)
class QuarterFacts:
    ctx: Quarter
    figures: dict  # key_figures, with synthetic and population_note


def build_quarter(ctx: Quarter) -> QuarterFacts:
    d = ctx.data
    figures = key_figures(
        d.area, d.area_crimes, ctx.period, ctx.flags, population=ctx.population,
        previous_population=ctx.previous_population, peers=d.peers, peer_group=d.peer_group,
    )  # fmt: skip
    figures["synthetic"] = d.synthetic
    figures["population_note"] = f"mid-{ctx.population[1]} estimate" if ctx.population else None
    return QuarterFacts(ctx, figures)


def _asb_sentence(r: QuarterFacts) -> str:
    a, t = r.figures["asb"], r.ctx.threshold
    small = 0 < a["current"] < t or (a["previous"] is not None and 0 < a["previous"] < t)
    if a["previous"] is None or small:
        return (
            f"Anti-social behaviour (not counted as crime): {cells.count(a['current'], t, 'gap')} "
            f"incidents this quarter ({a['significance'] if not small else 'small numbers'})."
        )
    return (
        f"Anti-social behaviour (not counted as crime): {a['current']:,} incidents "
        f"against {a['previous']:,} ({h.fmt_pct(a['pct_change'])}; {a['significance']})."
    )


def render_headline(r: QuarterFacts) -> h.Html:
    f = r.figures
    parts = [h.paragraph(f["headline"], "headline"), h.paragraph(_asb_sentence(r))]
    if f["rate_per_1000"]:
        x = f["rate_per_1000"]
        parts.append(h.paragraph(
            f"That is {x['current']:.1f} crimes per 1,000 residents in the quarter "
            f"(mid-{x['population_year']} population {x['population']:,})."
        ))  # fmt: skip
    if f["peer_position"]:
        p = f["peer_position"]
        parts.append(h.paragraph(
            f"Against its most similar group of {p['of']} partnerships ('{p['group']}'), "
            f"{f['area']}'s rate is {p['verdict_95']} the group average ({p['rate']:.1f} "
            f"against {p['group_rate']:.1f} per 1,000; ranked {p['rank']} of {p['of']}, "
            "1 = highest)."
        ))  # fmt: skip
    if not f["coverage"]["complete"]:
        months = ", ".join(f"{x['month']} ({x['status']})" for x in f["coverage"]["flags"])
        parts.append(h.callout(
            f"Data gap: {months}. Counts for these months are too low or absent, so "
            "changes involving them are not real changes.", "warning",
        ))  # fmt: skip
    return h.join(parts)


def group_mask(r: QuarterFacts, when: str) -> dict[str, bool]:
    """Which offence groups the groups table hides, for ``current`` or ``previous``."""
    groups = pd.DataFrame(r.figures["by_group"])
    if groups.empty or groups[when].isna().any():
        return {}
    s = suppress_series(groups.set_index("group")[when], threshold=r.ctx.threshold)
    return dict(s.mask.iloc[:-1])


def _shown(r: QuarterFacts) -> dict[tuple[str, str], tuple[str, bool]]:
    """(display, hidden) of each measure of the table, for the current and previous."""
    f, t = r.figures, r.ctx.threshold
    shown: dict[tuple[str, str], tuple[str, bool]] = {}
    classes = ["victim_based", "non_victim_based"]
    for when in ("current", "previous"):
        if f["total_crime"][when] is None:  # months not loaded: a gap, not a zero
            for k in (*classes, "total_crime", "asb"):
                shown[k, when] = ("gap", False)
            continue
        # Victim-based and non-victim-based crime add up to total crime, which is
        # shown: suppress them as a pair against it (a lone hidden one would be the
        # difference). A class total with one hidden offence group inside it would give
        # that group back (class total minus its shown groups): hide the pair then too.
        pair = suppress_series(pd.Series([f[k][when] for k in classes], index=classes),
                               threshold=t)  # fmt: skip
        lone = class_total_reveals(group_mask(r, when))
        for k in classes:
            text = h.fmt_display(pair.display[k]) if pair.mask[k] or not lone else "[c]"
            shown[k, when] = (text, bool(pair.mask[k]) or lone)
        for k in ("total_crime", "asb"):
            shown[k, when] = (cells.count(f[k][when], t, "gap"), 0 < f[k][when] < t)
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
            "Change %": "[c]" if hidden else h.fmt_pct(x["pct_change"]),
            "Per day": "[c]" if hidden else h.fmt_float(x["per_day_current"], 1),
            "Is it real?": "[c]" if hidden else x["significance"],
        })  # fmt: skip
    return h.table(
        pd.DataFrame(rows), f"Crime and ASB in {f['area']}, {cur} against {prev}",
        numeric=[cur, prev, "Change", "Change %", "Per day"], row_header="Measure",
        note="'Is it real?': Poisson test of the two counts (exact conditional test for "
        "small counts); a change that could be chance is 'no significant change'.",
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
    return YearFacts(clean(f))  # type: ignore[arg-type]


@dataclass(frozen=True)
class YearSummary:
    ctx: Year
    figures: dict  # the assessment's figures, every section's
    sentences: list[str]  # the headline first


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
    items.append(f"Anti-social behaviour (not counted as crime): {a['current']:,} incidents "
                 f"against {a['previous']:,} ({format_pct(a['pct_change'])}; {how}).")  # fmt: skip
    rate = f["rate_per_1000"]
    me = next((r for r in f["county"] or [] if r["area"] == f["area"]), None)
    if rate:
        text = (f"{f['area']} had {rate['current']:.1f} crimes per 1,000 residents in "
                f"{ctx.period.label}")  # fmt: skip
        members = len(f["county"] or []) - 1
        if me and members > 1:
            text += (f", the {_ordinal(int(me['rank']))} highest of {members} partnerships "
                     f"in {ctx.data.area.pfa_name}")  # fmt: skip
        items.append(text + ".")
        if rec.get("county_note"):
            items.append(rec["county_note"])
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
        items.append("Recommended priorities from the evidence"
                     + (" and what residents said" if p["consultation_scored"] else "")
                     + ": " + ", ".join(recs) + ".")  # fmt: skip
    return items


def build_year(ctx: Year, figures: dict) -> YearSummary:
    """The summary from the assessment's figures (every section built)."""
    return YearSummary(ctx, figures, _year_sentences(ctx, figures))


def render_year(r: YearSummary) -> h.Html:
    from csplib.report.sections.reconcile import coverage_phrase

    ctx, f = r.ctx, r.figures
    cur, prev = ctx.period.label, ctx.previous.label
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
        pd.DataFrame(rows), f"Key facts: {f['area']}, {cur} against {prev}"
        + (f" ({cover})" if cover else ""),
        numeric=[cur, prev, "Change", "Change %"], row_header="Measure",
        note="'Is it real?': whether the change is larger than chance would give (the test "
        "is named in the methods note).",
    ))  # fmt: skip
    return h.join(parts)
