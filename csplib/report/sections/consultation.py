"""What residents, partners and businesses said (the assessment): the consultation's
priorities ranked by support beside what the data ranks highest. Respondent counts are
a reliability question, not a disclosure one: they are shown as they are, and a share
from fewer responses than the policy's minimum is not reported
(:func:`csplib.indicators.suppression.respondents_text`). The priority score's
consultation points follow what residents ranked (``residents``). Free-text comments
are printed only with ``show_comments``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.consultation import (
    compare_rankings,
    consultation_ranking,
    data_ranking,
    resident_ranking,
)
from csplib.indicators.suppression import DisclosurePolicy, respondents_text
from csplib.report import html as h
from csplib.report.sections.context import Year, records
from csplib.sources.consultation import RESPONDENT_TYPES

LABEL = {"resident": "Residents", "partner": "Partners", "business": "Businesses"}


@dataclass(frozen=True)
class Consultation:
    ctx: Year
    note: str | None  # why there is nothing to show (no responses)
    said: pd.DataFrame | None = None  # the consultation ranking
    both: pd.DataFrame | None = None  # said against the data, with counts by type
    by_type: pd.Series | None = None  # respondents by type
    comments: pd.DataFrame | None = None
    figures: dict | None = None  # the ``consultation`` of figures.json
    residents: pd.DataFrame | None = None  # residents' ranking (what the score follows)
    policy: DisclosurePolicy | None = None


def _rows(ctx: Year) -> pd.DataFrame | None:
    """The area's consultation responses (None when the store has no table). A whole
    force area takes the responses of every partnership in it."""
    table = ctx.data.consultation
    if table is None:
        return None
    area = ctx.data.area
    names = {area.name.casefold()}
    if area.kind == "force":
        names |= {n.casefold() for n in area.csp_names}
    return table[table["area"].astype("str").str.strip().str.casefold().isin(names)]


def build(ctx: Year) -> Consultation:
    rows = _rows(ctx)
    if rows is None or rows.empty:
        return Consultation(ctx, (
            "No consultation responses: the store holds no consultation table, so what "
            "residents and partners said cannot be set beside the data. Ingest the "
            "responses (the workbook's consultation template shows the columns) to add it."
            if rows is None else
            f"The store's consultation responses include none for {ctx.data.area.name}, "
            "so what residents and partners said cannot be set beside the data."
        ))  # fmt: skip
    said = consultation_ranking(rows)
    year = ctx.area_crimes[ctx.area_crimes["month"].isin(ctx.period.months)]
    data = data_ranking(year.groupby("crime_type").size())
    both = compare_rankings(said, data).merge(
        said[["priority", "respondents", *RESPONDENT_TYPES, "mean_rank"]], on="priority",
        how="left",
    )  # fmt: skip
    for col in ("respondents", *RESPONDENT_TYPES):
        both[col] = both[col].fillna(0).astype("int64")
    people = rows.drop_duplicates("respondent_id")["respondent_type"].value_counts()
    by_type = people.reindex(list(RESPONDENT_TYPES), fill_value=0).astype("int64")
    text = rows["comment"].astype("string").str.strip()
    comments = rows.loc[text.notna() & (text != ""), ["respondent_type", "priority", "comment"]]
    figures = {
        "respondents": int(rows["respondent_id"].nunique()),
        "by_type": {k: int(v) for k, v in by_type.items()},
        "ranking": records(said), "data_ranking": records(data), "comparison": records(both),
        "top_said": said["priority"].head(3).tolist(),
        "top_data": data["priority"].head(3).tolist(),
        # Only how many: the text stays out of the figures, shown or not.
        "comments": len(comments), "comments_shown": ctx.show_comments,
    }  # fmt: skip
    residents = resident_ranking(rows)
    figures["top_residents"] = residents["priority"].head(3).tolist()
    return Consultation(ctx, None, said, both, by_type, comments.reset_index(drop=True), figures,
                        residents, DisclosurePolicy(threshold=ctx.threshold))  # fmt: skip


def _intro(r: Consultation) -> list[h.Html]:
    f, label = r.figures, r.ctx.period.label
    counts = ", ".join(f"{int(r.by_type[t]):,} {LABEL[t].lower()}" for t in RESPONDENT_TYPES)
    n = f["respondents"]
    unreliable = respondents_text(n, r.policy)
    parts = [h.paragraph(
        f"{n:,} people responded to the consultation ({counts}). A priority's support is "
        "the share of respondents who chose it; priorities are ranked by support (ties: "
        "the mean rank respondents gave it, 1 = most important). The data ranks the same "
        f"priorities by what was recorded in {label}: crimes of the police.uk types that "
        "measure each (and anti-social behaviour incidents for ASB)."
        + (f" Shares: {unreliable}." if unreliable else "")
    )]  # fmt: skip
    if f["top_said"]:
        parts.append(h.bullet_list([
            "Respondents rank highest: " + ", ".join(f["top_said"]) + ".",
            "Residents alone rank highest: " + ", ".join(f["top_residents"]) + ".",
            "The data ranks highest: " + ", ".join(f["top_data"]) + ".",
            "In both top threes: "
            + (", ".join(p for p in f["top_said"] if p in f["top_data"]) or "none") + ".",
        ]))  # fmt: skip
    return parts


def _table(r: Consultation) -> h.Html:
    label = r.ctx.period.label
    unreliable = respondents_text(r.figures["respondents"], r.policy)
    rows = []
    for x in r.both.itertuples():
        rows.append({
            "Priority": x.priority, **{LABEL[k]: h.fmt_int(getattr(x, k)) for k in RESPONDENT_TYPES},
            "All": h.fmt_int(x.respondents),
            "Support": "" if x.respondents == 0 else (
                "not reported" if unreliable else f"{x.support_pct:.1f}%"),
            "Rank by respondents": "" if pd.isna(x.consultation_rank)
            else h.fmt_int(x.consultation_rank),
            "Rank in the data": "" if pd.isna(x.data_rank) else h.fmt_int(x.data_rank),
            "Agreement": x.agreement,
        })  # fmt: skip
    numeric = [LABEL[k] for k in RESPONDENT_TYPES] + [
        "All", "Support", "Rank by respondents", "Rank in the data"]  # fmt: skip
    return h.table(
        pd.DataFrame(rows),
        f"What respondents ranked highest and what the data ranks highest, "
        f"{r.ctx.data.area.name}, {label}",
        numeric=numeric, row_header="Priority",
        note="Residents, Partners, Businesses and All: the respondents who chose the "
        "priority. Respondent counts are not hidden: they are people's answers to a survey, "
        f"not counts of crimes or victims; a share from fewer than {r.policy.min_responses} "
        "responses is not reported. 'Both high': in the top three of both rankings. A "
        "priority with no police measure (such as road safety) is compared with partner "
        f"data in the plan section instead. The data's ranks use the year's crimes ({label}), "
        "or ASB incidents for anti-social behaviour.",
    )  # fmt: skip


def _comments(r: Consultation) -> h.Html:
    n = r.figures["comments"]
    if n == 0:
        return h.paragraph("No free-text comments were received.")
    if not r.ctx.show_comments:
        return h.paragraph(
            f"{n:,} free-text comment{'s were' if n != 1 else ' was'} received. "
            "Comments are kept out of shared reports because they can identify people; "
            "the report's comments setting includes them."
        )
    c = r.comments
    return h.table(
        pd.DataFrame({"Respondent": c["respondent_type"].str.capitalize(),
                      "Priority": c["priority"], "Comment": c["comment"]}),
        f"Free-text comments, as written ({n:,})", row_header="Respondent",
        note="Shown because the report's comments setting is on. Check them for names, addresses and "
        "other details that identify people before sharing this report.",
    )  # fmt: skip


def render(r: Consultation) -> h.Html:
    if r.figures is None:
        return h.callout(r.note, "note")
    return h.join([*_intro(r), _table(r), _comments(r)])
