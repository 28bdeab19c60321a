"""The county agreement and the Police and Crime Commissioner's plan (the assessment): the
county's priorities by cross-cutting theme with the partnership's own priorities in the
cells, which of them have no county counterpart, and which county and PCC priorities
the partnership does not address (:func:`csplib.plan.county.align`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.plan.county import CountyAlignment
from csplib.report import charts
from csplib.report import html as h
from csplib.report.sections.context import Year, clean

PCC_HEADER = "Police and Crime Commissioner's priority"


@dataclass(frozen=True)
class Agreement:
    area: str
    plan: str | None  # the plan register's name (None: no plan given)
    alignment: CountyAlignment | None  # None: no plan, or no county agreement named
    figures: dict | None  # the ``plan_year.county`` of figures.json


def build_year(ctx: Year) -> Agreement:
    d = ctx.data
    alignment = d.plan_year.alignment if d.plan_year is not None else None
    return Agreement(
        area=d.area.name, plan=d.plan.name if d.plan is not None else None, alignment=alignment,
        figures=clean(alignment.figures) if alignment is not None else None,  # type: ignore[arg-type]
    )  # fmt: skip


def matrix_frame(a: CountyAlignment) -> pd.DataFrame:
    """The matrix as shown: a blank cell reads "none"."""
    out = a.matrix.copy()
    themes = [c for c in out.columns if c != "County priority"]
    out[themes] = out[themes].replace("", "none")
    return out


def coverage_counts(a: CountyAlignment) -> pd.DataFrame:
    """How many partnership priorities serve each county priority under each theme (the
    heatmap's numbers; the table names them)."""
    themes = [c for c in a.matrix.columns if c != "County priority"]
    counts = a.matrix.set_index("County priority")[themes]
    return counts.map(lambda cell: len([x for x in str(cell).split("; ") if x.strip()]))


def _heatmap(r: Agreement, a: CountyAlignment) -> h.Html:
    counts = coverage_counts(a)
    title = f"{r.area}'s priorities serving each county priority, by cross-cutting theme"
    fig, alt = charts.heatmap(counts, title, value_label="Partnership priorities",
                              fmt_value=lambda v: f"{int(v)}")  # fmt: skip
    return h.figure(fig, alt, "How many of the partnership's priorities serve each county "
                    "priority under each theme (0: none; the table above names them).")  # fmt: skip


def pcc_frame(a: CountyAlignment) -> pd.DataFrame:
    return pd.DataFrame({
        PCC_HEADER: a.pcc["pcc_priority"],
        "Partnership priorities serving it": a.pcc["partnership_priorities"].replace("", "none"),
    })  # fmt: skip


def render_year(r: Agreement) -> h.Html:
    a = r.alignment
    if a is None:
        why = (
            "No plan register was given"
            if r.plan is None
            else "No county agreement was named in the report's parameters"
        )
        return h.paragraph(
            f"{why}, so {r.area}'s priorities are not set against the county agreement "
            "or the Police and Crime Commissioner's plan."
        )
    parts = [
        h.paragraph(
            f"How the priorities of {r.plan} line up with the {a.agreement}"
            + (f" and the {a.pcc_plan}" if a.pcc_plan else "")
            + ". Each cell lists the partnership's priorities that serve a county priority "
            "under one of the county's cross-cutting themes."
        ),
        h.bullet_list(list(a.sentences)),
        h.table(
            matrix_frame(a),
            f"{r.area}'s priorities against the county priorities and cross-cutting "
            f"themes of the {a.agreement}",
            row_header="County priority",
            note="A cell names each partnership priority serving that county priority "
            "under that theme; none: no partnership priority does. A county priority "
            "with none in every cell is not addressed by the partnership's plan.",
        ),
        _heatmap(r, a),
    ]
    if a.no_county_counterpart:
        parts.append(h.paragraph(
            "Partnership priorities with no county counterpart: "
            + "; ".join(a.no_county_counterpart) + "."
        ))  # fmt: skip
    if a.pcc_plan and len(a.pcc):
        parts.append(h.table(
            pcc_frame(a), f"The priorities of the {a.pcc_plan} and the partnership "
            "priorities serving them", row_header=PCC_HEADER,
        ))  # fmt: skip
    return h.join(parts)
