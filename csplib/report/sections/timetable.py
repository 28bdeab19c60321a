"""The assessment year's timetable (the assessment): its milestones from the draft to the
board to the launch of the revised plan, what is under way and due next on the day
progress is judged, and how many consultation responses are dated outside the
consultation window (counts only: :mod:`csplib.plan.timetable`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.plan.timetable import (
    ConsultationDates,
    DueNext,
    Timetable,
    date_range,
    due_next,
    responses_outside_window,
)
from csplib.plan.timetable import timetable as default_timetable
from csplib.report import html as h
from csplib.report.sections.consultation import _rows as area_responses
from csplib.report.sections.context import Year

#: How the statuses of :func:`csplib.plan.timetable.due_next` read in a report.
STATUS_WORDS = {"done": "Done", "now": "Under way", "next": "Next", "later": "Later"}


@dataclass(frozen=True)
class YearTimetable:
    year: str
    timetable: Timetable
    due: DueNext
    window: ConsultationDates | None  # None: the store holds no responses for the area
    figures: dict  # the timetable, due and consultation_dates parts of ``plan_year``


def build_year(ctx: Year) -> YearTimetable:
    py = ctx.data.plan_year
    if py is not None:
        tt, due = py.timetable, py.due
    else:  # data built without the plan year's files: the default dates
        tt = default_timetable(ctx.period.label)
        due = due_next(tt, tt.milestones[0].start)
    rows = area_responses(ctx)
    window = responses_outside_window(rows, tt) if rows is not None and len(rows) else None
    figures = {
        "timetable": [
            {"id": m.id, "milestone": m.title, "who": m.who, "start": m.start.isoformat(),
             "end": m.end.isoformat()}
            for m in tt.milestones
        ],
        "due": {"on": due.today.isoformat(),
                "status": dict(zip(due.table["id"], due.table["status"], strict=True))},
        "consultation_dates": None if window is None else {
            "start": window.start.isoformat(), "end": window.end.isoformat(),
            "dated": window.dated, "undated": window.undated, "outside": len(window.outside),
        },
    }  # fmt: skip
    return YearTimetable(tt.year, tt, due, window, figures)


def frame(r: YearTimetable) -> pd.DataFrame:
    t = r.due.table
    return pd.DataFrame({
        "Milestone": t["milestone"], "Who": t["who"].replace("", "not named"),
        "When": [date_range(s, e) for s, e in zip(t["start"], t["end"], strict=True)],
        "Status": t["status"].map(STATUS_WORDS),
    })  # fmt: skip


def render_year(r: YearTimetable) -> h.Html:
    on = date_range(r.due.today, r.due.today)
    parts = [
        h.paragraph(
            f"The timetable of the {r.year} strategic assessment, from the draft to the "
            "partnership board to the launch of the revised plan, and where it stood on "
            f"{on}."
        ),
        h.table(
            frame(r), f"Timetable of the {r.year} strategic assessment, status on {on}",
            row_header="Milestone",
            note="Done: finished by then. Under way: started and not finished. Next: the "
            "next to start. Later: after that.",
        ),
        h.paragraph(f"What is under way and due next on {on}:"),
        h.bullet_list(list(r.due.sentences)),
    ]  # fmt: skip
    if r.window is None:
        parts.append(h.paragraph(
            "The store holds no consultation responses for this area, so none can be "
            f"checked against the consultation window ({date_range(*r.timetable.consultation)})."
        ))  # fmt: skip
    elif len(r.window.outside):
        parts.append(h.callout(" ".join(r.window.sentences), kind="warning"))
    else:
        parts.append(h.paragraph(" ".join(r.window.sentences)))
    return h.join(parts)
