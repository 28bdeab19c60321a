"""Crime outcomes: police.uk "Last outcome category" in outcome groups, by offence group.

Every category data.police.uk publishes maps to one of these groups (see
``OUTCOME_GROUPS`` and docs/analyses.md):

* charged or summonsed - a charge, a summons, or any court result (a court result,
  even "not guilty" or "unavailable", means the suspect was charged or summonsed);
* caution or community resolution - out-of-court disposals: cautions, drugs warnings,
  penalty notices, local (community) resolutions;
* no suspect identified;
* evidential difficulties or victim does not support - police.uk words these "Unable to
  prosecute suspect" (Home Office outcomes 14 to 16);
* still under investigation - "Under investigation", and, where outcomes files are
  used, a crime with no outcome yet at the cut-off;
* other or no further action - not in the public interest, action by another
  organisation;
* outcome not published - "Status update unavailable" and a crime row with no outcome.

Outcomes keep changing for months after the crime, so two periods are compared at the
same age. With outcomes files (one row per outcome, dated by month) the outcome of each
crime is the latest one known ``age_months`` after the crime month. With street files
only, the outcome is the one in the file as loaded; each period must be at least
``age_months`` old at the latest month the store holds, and the result says that the
earlier period had a year longer to resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csplib.periods import Period, shift_month

CHARGED = "charged or summonsed"
CAUTION = "caution or community resolution"
NO_SUSPECT = "no suspect identified"
EVIDENTIAL = "evidential difficulties or victim does not support"
UNDER_INVESTIGATION = "still under investigation"
OTHER = "other or no further action"
NOT_PUBLISHED = "outcome not published"

#: Outcome groups in report order.
OUTCOME_GROUPS = (
    CHARGED,
    CAUTION,
    NO_SUSPECT,
    EVIDENTIAL,
    UNDER_INVESTIGATION,
    OTHER,
    NOT_PUBLISHED,
)

#: Every police.uk outcome category seen in street and outcomes files -> outcome group.
OUTCOME_GROUP_OF: dict[str, str] = {
    **dict.fromkeys(
        [
            "Suspect charged",
            "Suspect charged as part of another case",
            "Awaiting court outcome",
            "Defendant sent to Crown Court",
            "Court result unavailable",
            "Court case unable to proceed",
            "Defendant found not guilty",
            "Offender sent to prison",
            "Offender given suspended prison sentence",
            "Offender given community sentence",
            "Offender fined",
            "Offender given conditional discharge",
            "Offender given absolute discharge",
            "Offender ordered to pay compensation",
            "Offender deprived of property",
            "Offender otherwise dealt with",
            "Offender given a referral order",
        ],
        CHARGED,
    ),
    **dict.fromkeys(
        [
            "Offender given a caution",
            "Offender given a drugs possession warning",
            "Offender given penalty notice",
            "Local resolution",
        ],
        CAUTION,
    ),
    "Investigation complete; no suspect identified": NO_SUSPECT,
    "Unable to prosecute suspect": EVIDENTIAL,
    "Under investigation": UNDER_INVESTIGATION,
    **dict.fromkeys(
        [
            "Further investigation is not in the public interest",
            "Formal action is not in the public interest",
            "Further action is not in the public interest",
            "Action to be taken by another organisation",
        ],
        OTHER,
    ),
    "Status update unavailable": NOT_PUBLISHED,
    "": NOT_PUBLISHED,
}

_LOOKUP = {k.casefold(): v for k, v in OUTCOME_GROUP_OF.items()}


def outcome_group(category: object) -> str | None:
    """The outcome group of a police.uk outcome category; None for a category not known.

    >>> outcome_group("Offender fined")
    'charged or summonsed'
    >>> outcome_group("Unable to prosecute suspect")
    'evidential difficulties or victim does not support'
    >>> outcome_group(None)
    'outcome not published'
    """
    if category is None or (not isinstance(category, str) and pd.isna(category)):
        return NOT_PUBLISHED
    return _LOOKUP.get(" ".join(str(category).split()).casefold())


@dataclass(frozen=True)
class OutcomesResult:
    """Outcome shares for a period, the same period a year earlier and the force.

    ``table`` has one row per (scope, offence_group, outcome_group) with ``count`` and
    ``share`` (percent of the scope's crimes in that offence group; the "All crimes"
    offence group totals each scope). Scopes: ``period``, ``previous`` and ``force``
    (the force over the same period as ``period``)."""

    period: str
    previous: str
    method: str  # "outcomes files" or "street files"
    age_months: int
    cut_off: str  # plain-English statement of the cut-off
    comparable: bool  # False when the two periods are not at the same age
    table: pd.DataFrame
    unmapped: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_figures(self) -> dict:
        """Counts by offence group and outcome group (``counts``: scope -> offence group ->
        outcome group -> count, for the ``period``, the ``previous`` period and the
        ``force``) beside the periods' labels and the cut-off."""
        out: dict = {
            "period": self.period,
            "previous": self.previous,
            "method": self.method,
            "age_months": self.age_months,
            "cut_off": self.cut_off,
            "comparable": self.comparable,
            "groups": list(OUTCOME_GROUPS),
            "counts": {},
        }
        for scope in ("period", "previous", "force"):
            part = self.table[self.table["scope"] == scope]
            counts: dict[str, dict[str, int]] = {}
            for row in part.itertuples():
                counts.setdefault(row.offence_group, {})[row.outcome_group] = int(row.count)
            out["counts"][scope] = counts  # beside, not over, the periods' labels
        return out


def _with_groups(crimes: pd.DataFrame, column: str) -> tuple[pd.DataFrame, set[str]]:
    # One look-up per distinct category, not per row.
    values = crimes[column]
    groups = values.map({v: outcome_group(v) for v in values.dropna().unique()})
    groups = groups.where(values.notna(), outcome_group(None))  # no category: not published
    unmapped = set(crimes.loc[groups.isna(), column].astype(str))
    return crimes.assign(outcome_group=groups.fillna(OTHER)), unmapped


def outcome_at_age(crimes: pd.DataFrame, outcomes: pd.DataFrame, age_months: int) -> pd.Series:
    """Each crime's outcome category as known ``age_months`` after its crime month.

    The latest outcome row (by outcome month, then file line) dated no later than the
    crime month plus ``age_months``; "Under investigation" when there is none yet.
    Index aligned with ``crimes``."""
    out = pd.Series("Under investigation", index=crimes.index, dtype="object")
    if outcomes.empty:
        return out
    months = crimes["month"]
    cut = months.map({m: shift_month(m, age_months) for m in months.dropna().unique()})
    keyed = crimes.assign(_cut=cut, _row=crimes.index)[["crime_id", "_cut", "_row"]]
    keyed = keyed[keyed["crime_id"].notna() & (keyed["crime_id"] != "")]
    line = ["source_line"] if "source_line" in outcomes else []
    # Join first (only these crimes' outcome rows), then order each crime's rows by month
    # and file line with a stable sort, so the last one kept is the latest known.
    rows = outcomes[["crime_id", "month", "outcome_type", *line]]
    # Keep only these crimes' outcome rows before the join (Arrow's hash look-up is much
    # cheaper than joining on every outcome row); the join then gives the same rows.
    wanted = pa.array(keyed["crime_id"].drop_duplicates().astype("str"))
    have = pa.array(rows["crime_id"].astype("str"))
    rows = rows[pc.is_in(have, value_set=wanted).to_numpy(zero_copy_only=False)]
    joined = keyed.merge(rows, on="crime_id", how="inner")
    joined = joined[joined["month"] <= joined["_cut"]]
    joined = joined.sort_values(["_row", "month", *line], kind="stable")
    latest = joined.drop_duplicates("_row", keep="last").set_index("_row")["outcome_type"]
    out.loc[latest.index] = latest
    return out


def at_age_column(age_months: int) -> str:
    """The crimes column :func:`with_outcome_at_age` adds: each crime's outcome category
    ``age_months`` after its crime month."""
    return f"outcome_at_{age_months}_months"


def with_outcome_at_age(
    crimes: pd.DataFrame, outcomes: pd.DataFrame, age_months: int
) -> pd.DataFrame:
    """``crimes`` with :func:`at_age_column` (:func:`outcome_at_age` of every crime; none
    for ASB, which has no outcome). :func:`outcome_shares` reads the column when every
    scope's rows hold it instead of looking the outcomes up again: the look-up is row by
    row, so the figures are the same, and a frame read once serves every period (the
    explorer's)."""
    crime = ~crimes["is_asb"].astype(bool).to_numpy()
    at_age = np.full(len(crimes), None, dtype=object)
    rows = crimes[crime].reset_index(drop=True)  # outcome_at_age keys rows by index
    at_age[crime] = outcome_at_age(rows, outcomes, age_months).to_numpy()
    # Held as Arrow-backed text: one column over a force's years of crimes stays small.
    return crimes.assign(**{at_age_column(age_months): pd.array(at_age, dtype="str")})


def _shares(frame: pd.DataFrame, scope: str) -> pd.DataFrame:
    counts = frame.groupby(["offence_group", "outcome_group"]).size().rename("count").reset_index()
    total = frame.groupby("outcome_group").size().rename("count").reset_index()
    total["offence_group"] = "All crimes"
    counts = pd.concat([counts, total], ignore_index=True)
    # Every outcome group appears for every offence group, zero when absent.
    full = pd.MultiIndex.from_product(
        [sorted(counts["offence_group"].unique()), OUTCOME_GROUPS],
        names=["offence_group", "outcome_group"],
    )
    counts = counts.set_index(["offence_group", "outcome_group"]).reindex(full, fill_value=0)
    counts = counts.reset_index()
    denom = counts.groupby("offence_group")["count"].transform("sum")
    counts["share"] = (counts["count"] / denom.where(denom > 0) * 100).astype(float)
    counts.insert(0, "scope", scope)
    return counts


#: The columns the outcome shares read of the crimes table.
_USED = ["month", "is_asb", "crime_id", "offence_group", "last_outcome_category"]


def _scope_rows(frame: pd.DataFrame, per, at_age: str) -> pd.DataFrame:
    """The crimes (not ASB) of ``per``, with only the columns used (filtering copies
    little): those of ``_USED`` and the ``at_age`` column if it has one."""
    frame = frame[[c for c in (*_USED, at_age) if c in frame.columns]]
    return frame[frame["month"].isin(per.months) & ~frame["is_asb"].astype(bool)]


def outcome_shares(
    crimes: pd.DataFrame,
    force_crimes: pd.DataFrame,
    period: Period,
    *,
    outcomes: pd.DataFrame | None = None,
    age_months: int = 6,
    latest_month: str | None = None,
) -> OutcomesResult:
    """Outcome shares by offence group for ``period``, a year earlier, and the force.

    ``crimes`` are the area's rows and ``force_crimes`` the force's rows of the canonical
    crimes table (ASB rows are dropped: ASB has no outcome). ``outcomes`` are the
    outcomes-file rows (crime_id, month, outcome_type); when given the outcome is the
    one known ``age_months`` after each crime month (``outcome_at_age``). Otherwise the
    street files' last outcome is used and ``latest_month`` (the latest month the store
    holds; by default the latest crime month) sets the age of each period.
    """
    previous = period.same_period_last_year()
    latest = latest_month or str(force_crimes["month"].max())
    unmapped: set[str] = set()
    notes: list[str] = []
    parts = []
    if outcomes is not None and not outcomes.empty:
        method = "outcomes files"
        newest_outcome = str(outcomes["month"].max())
        needed = shift_month(period.end, age_months)
        comparable = needed <= newest_outcome
        cut_off = (
            f"Each crime's outcome as it stood {age_months} months after the month of the "
            "crime, so both periods are compared at the same age."
        )
        if not comparable:
            notes.append(
                f"Outcomes are published up to {newest_outcome}; the latest months of the "
                f"period are not yet {age_months} months old, so some still show as under "
                "investigation."
            )
    else:
        method = "street files"
        needed = shift_month(period.end, age_months)
        comparable = False
        old_enough = needed <= latest
        cut_off = (
            f"The outcome as last published. The period ends "
            f"{'at least' if old_enough else 'less than'} {age_months} months before the "
            "latest month loaded; the same period last year has had a year longer for "
            "outcomes to be reached."
        )
        notes.append(
            "Without outcomes files the two periods are not at the same age: compare "
            "shares with care, and load outcomes files for a like-for-like comparison."
        )
    column = at_age_column(age_months)
    scopes = [
        (scope, _scope_rows(frame, per, column))
        for scope, frame, per in (
            ("period", crimes, period),
            ("previous", crimes, previous),
            ("force", force_crimes, period),
        )
    ]
    if method == "outcomes files" and all(column in sel for _, sel in scopes):
        # Looked up beforehand (:func:`with_outcome_at_age`).
        scopes = [
            (scope, sel.assign(_category=sel[column].astype(object))) for scope, sel in scopes
        ]
    elif method == "outcomes files":
        # One look-up for the three scopes' rows together (row by row, so the same as
        # three), then each scope takes its own rows back in order.
        rows = pd.concat([sel for _, sel in scopes], ignore_index=True)
        at_age = outcome_at_age(rows, outcomes, age_months).to_numpy()
        bounds = np.cumsum([0, *(len(sel) for _, sel in scopes)])
        scopes = [(scope, sel.assign(_category=at_age[a:b]))
                  for (scope, sel), a, b in zip(scopes, bounds[:-1], bounds[1:], strict=True)]  # fmt: skip
    else:
        scopes = [(scope, sel.assign(_category=sel["last_outcome_category"].fillna("")))
                  for scope, sel in scopes]  # fmt: skip
    for scope, sel in scopes:
        sel, bad = _with_groups(sel, "_category")
        unmapped |= bad
        parts.append(_shares(sel, scope))
    table = pd.concat(parts, ignore_index=True)
    if unmapped:
        notes.append(
            "Outcome categories not recognised, counted as other: " + ", ".join(sorted(unmapped))
        )
    return OutcomesResult(
        period=period.label,
        previous=previous.label,
        method=method,
        age_months=age_months,
        cut_off=cut_off,
        comparable=comparable,
        table=table,
        unmapped=tuple(sorted(unmapped)),
        notes=tuple(notes),
    )


def group_counts(categories: pd.Series) -> Mapping[str, int]:
    """Counts per outcome group of a series of police.uk categories (all groups, zeros
    included; unknown categories counted as other)."""
    groups = categories.map(outcome_group).fillna(OTHER)
    vc = groups.value_counts()
    return {g: int(vc.get(g, 0)) for g in OUTCOME_GROUPS}
