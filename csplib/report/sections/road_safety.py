"""Road safety (the assessment): people killed, seriously injured and killed or seriously
injured (KSI) per calendar year from DfT STATS19, placed in the partnership by the
district of each collision, with the change on the year before and the note that police
severity recording changed (CRASH)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.road_safety import CRASH_NOTE, KsiResult, ksi_by_year, place_casualties
from csplib.report import html as h
from csplib.report.sections import disclose as ds
from csplib.report.sections.context import Year

METHOD = (
    "Road safety: DfT STATS19 casualty and collision records; a casualty is in the "
    "partnership when its collision's local authority district is one of the "
    "partnership's. Killed, seriously injured and KSI per calendar year. The change on the "
    "year before is tested with a two-sample Poisson test on the recorded counts; the "
    "adjusted KSI is killed plus, for every other casualty, DfT's probability that the "
    "injury would be recorded as serious under injury-based (CRASH) recording. " + CRASH_NOTE
)


@dataclass(frozen=True)
class RoadSafety:
    area: str
    threshold: int
    result: KsiResult | None  # None: see ``problem``
    figures: dict | None  # the ``road_safety`` of figures.json
    methods_text: str
    problem: str | None = None


def _year(r, t: int) -> dict:
    parts = ds.with_total({"killed": r.killed, "seriously_injured": r.seriously_injured}, t)
    ksi = ds.lone(r.ksi, t)
    return {
        "year": int(r.year), "killed": parts["killed"],
        "seriously_injured": parts["seriously_injured"], "ksi": ksi,
        "ksi_adjusted": ds.num(r.ksi_adjusted, 1),
        "change": None if ds.hidden(ksi) else ds.num(r.change, 1),
        "significance": r.significance if isinstance(r.significance, str) else None,
    }  # fmt: skip


def build_year(ctx: Year) -> RoadSafety:
    d, inputs, t = ctx.data, ctx.data.analyses, ctx.threshold
    if inputs is None or inputs.casualties is None or inputs.collisions is None:
        return RoadSafety(d.area.name, t, None, None, METHOD,
                          "No STATS19 road casualty data is loaded: ingest DfT's collision and "
                          "casualty files to report killed and seriously injured casualties.")  # fmt: skip
    placed = place_casualties(inputs.casualties, inputs.collisions, list(d.area.lad_codes))
    if placed.empty:
        return RoadSafety(d.area.name, t, None, None, METHOD,
                          f"The STATS19 data loaded holds no casualties in {d.area.name}.")  # fmt: skip
    res = ksi_by_year(placed, area=d.area.name)
    figures = {"area": res.area, "series": res.series, "note": res.note,
               "years": [_year(r, t) for r in res.years.itertuples()]}  # fmt: skip
    return RoadSafety(d.area.name, t, res, figures, METHOD)


def _trend_sentence(f: dict, area: str) -> str:
    ys = f["years"]
    last = ys[-1]
    text = (f"In {last['year']}, {ds.text(last['ksi'])} people were killed or seriously "
            f"injured on the roads in {area}")  # fmt: skip
    if len(ys) < 2:
        return text + "."
    prev = ys[-2]
    text += f", against {ds.text(prev['ksi'])} in {prev['year']}"
    sig = last["significance"]
    if ds.hidden(last["ksi"]) or ds.hidden(prev["ksi"]) or sig is None:
        return text + "."
    if sig == "no significant change":
        return text + ": a change of this size could be chance."
    word = "rise" if "rise" in sig else "fall"
    return text + f": a {word} larger than chance would explain."


def render_year(r: RoadSafety) -> h.Html:
    if r.result is None:
        return h.paragraph(r.problem or "Road safety is not available.")
    f, t = r.figures, r.threshold
    parts = [h.paragraph(_trend_sentence(f, r.area))]
    rows = []
    for y in f["years"]:
        rows.append({
            "Year": str(y["year"]), "Killed": ds.text(y["killed"]),
            "Seriously injured": ds.text(y["seriously_injured"]),
            "Killed or seriously injured": ds.text(y["ksi"]),
            "Adjusted (comparable)": h.fmt_float(y["ksi_adjusted"], 1),
            "Against the year before": "" if y["significance"] is None else
            ("could be chance" if y["significance"] == "no significant change"
             else y["significance"].replace("significant", "real")),
        })  # fmt: skip
    parts.append(h.table(
        pd.DataFrame(rows), f"{r.area}: people killed or seriously injured on the roads, "
        "by calendar year",
        numeric=["Killed", "Seriously injured", "Killed or seriously injured",
                 "Adjusted (comparable)"], row_header="Year",
        note=f"Counts of 1 to {t - 1} are shown as <{t}; [c] hides a count that would give "
        "one back. Adjusted: the Department for Transport's figures corrected for the change "
        "in how injuries are recorded. No chart: the table gives every year.",
    ))  # fmt: skip
    parts.append(h.callout(
        r.result.note + (" The adjusted figures are the series to compare here."
                         if r.result.series == "adjusted" else
                         " No adjusted figures are given, so the recorded counts are shown.")
    ))  # fmt: skip
    return h.join(parts)
