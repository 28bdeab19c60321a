"""What residents, partners and businesses said (the assessment): the consultation's
priorities ranked by support beside what the data ranks highest. Respondent counts
are suppressed; free-text comments are printed only with ``show_comments``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csplib.indicators.consultation import compare_rankings, consultation_ranking, data_ranking
from csplib.indicators.suppression import suppress_series
from csplib.report import html as h
from csplib.report.sections import cells
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
            "responses (template: data/templates/consultation_template.csv) to add it."
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
    return Consultation(ctx, None, said, both, by_type, comments.reset_index(drop=True), figures)


def said_cells(r: Consultation) -> pd.DataFrame:
    """Respondent counts as published, per consultation priority: the counts by type
    (``resident``, ``partner``, ``business``), ``respondents`` (all who chose it) and
    ``exact`` (False when that total is hidden or small, so its support and mean rank
    must be hidden too).

    Each priority's row is published with its total only (the respondents who chose
    it; the support beside it gives it away anyway), and no total across priorities
    is published, so each row is suppressed on its own: counts of 1 to threshold - 1
    become "<threshold", with secondary suppression so the row total cannot give one
    back. A total that is itself small is a count of people and is shown as a range.
    """
    t = r.ctx.threshold
    out = {}
    for x in r.both.itertuples():
        counts = pd.Series([getattr(x, k) for k in RESPONDENT_TYPES], index=list(RESPONDENT_TYPES))
        shown = suppress_series(counts, threshold=t, total_label="all")
        total = int(x.respondents)
        small = 0 < total < t
        exact = not (small or shown.mask["all"])
        out[x.priority] = {
            **{k: h.fmt_display(shown.display[k]) for k in RESPONDENT_TYPES},
            "respondents": h.fmt_display(shown.display["all"]) if exact
            else (f"<{t}" if small else "[c]"),
            "exact": exact,
        }  # fmt: skip
    return pd.DataFrame.from_dict(out, orient="index")


def _intro(r: Consultation) -> list[h.Html]:
    f, label = r.figures, r.ctx.period.label
    who = suppress_series(r.by_type, threshold=r.ctx.threshold)
    counts = ", ".join(
        f"{h.fmt_display(who.display[t])} {LABEL[t].lower()}" for t in RESPONDENT_TYPES
    )
    parts = [h.paragraph(
        f"{h.fmt_display(who.display.iloc[-1])} people responded to the consultation "
        f"({counts}). A priority's support is the share of respondents who chose it; "
        "priorities are ranked by support (ties: the mean rank respondents gave it, 1 = "
        f"most important). The data ranks the same priorities by what was recorded in "
        f"{label}: crimes of the police.uk types that measure each (and "
        "anti-social behaviour incidents for ASB)."
    )]  # fmt: skip
    if f["top_said"]:
        parts.append(h.bullet_list([
            "Respondents rank highest: " + ", ".join(f["top_said"]) + ".",
            "The data ranks highest: " + ", ".join(f["top_data"]) + ".",
            "In both top threes: "
            + (", ".join(p for p in f["top_said"] if p in f["top_data"]) or "none") + ".",
        ]))  # fmt: skip
    return parts


def _table(r: Consultation) -> h.Html:
    t, label = r.ctx.threshold, r.ctx.period.label
    said = said_cells(r)
    rows = []
    for x in r.both.itertuples():
        c = said.loc[x.priority]
        # Nobody chose it: nothing to show; otherwise shown only beside an exact total.
        show = x.respondents > 0 and c["exact"]
        blank = "" if x.respondents == 0 else "[c]"
        rows.append({
            "Priority": x.priority, **{LABEL[k]: c[k] for k in RESPONDENT_TYPES},
            "Respondents": c["respondents"],
            "Support": f"{x.support_pct:.1f}%" if show else blank,
            "Respondents' rank": "" if pd.isna(x.consultation_rank)
            else h.fmt_int(x.consultation_rank),
            "Mean rank given": h.fmt_float(x.mean_rank, 1) if show else blank,
            "Rank in the data": "" if pd.isna(x.data_rank) else h.fmt_int(x.data_rank),
            f"Recorded in {label}": "n/a" if pd.isna(x.count) else cells.count(x.count, t),
            "Agreement": x.agreement,
        })  # fmt: skip
    numeric = [LABEL[k] for k in RESPONDENT_TYPES] + [
        "Respondents", "Support", "Respondents' rank", "Mean rank given", "Rank in the data",
        f"Recorded in {label}",
    ]  # fmt: skip
    return h.table(
        pd.DataFrame(rows),
        f"What respondents ranked highest and what the data ranks highest, "
        f"{r.ctx.data.area.name}, {label}",
        numeric=numeric, row_header="Priority",
        note=f"Respondent counts of 1-{t - 1} are shown as <{t}; "
        "[c] hides a count (or a support or mean rank) that would reveal one: in each row "
        "the respondents by type add up to the respondents who chose the priority. 'Both high': "
        "in the top three of both rankings. A priority with no police measure (such as "
        "road safety) is compared with partner data in the plan section instead. "
        "Recorded counts: crimes, or ASB incidents for anti-social behaviour.",
    )  # fmt: skip


def _comments(r: Consultation) -> h.Html:
    n, t = r.figures["comments"], r.ctx.threshold
    if n == 0:
        return h.paragraph("No free-text comments were received.")
    if not r.ctx.show_comments:
        return h.paragraph(
            f"{cells.count(n, t)} free-text comment{'s' if n != 1 else ''} were received. "
            "Comments are kept out of shared reports because they can identify people; "
            "set the parameter show_comments to include them."
        )
    c = r.comments
    return h.table(
        pd.DataFrame({"Respondent": c["respondent_type"].str.capitalize(),
                      "Priority": c["priority"], "Comment": c["comment"]}),
        f"Free-text comments, as written ({cells.count(n, t)})", row_header="Respondent",
        note="Shown because show_comments is set. Check them for names, addresses and "
        "other details that identify people before sharing this report.",
    )  # fmt: skip


def render(r: Consultation) -> h.Html:
    if r.figures is None:
        return h.callout(r.note, "note")
    return h.join([*_intro(r), _table(r), _comments(r)])
