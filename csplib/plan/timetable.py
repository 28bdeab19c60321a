"""The assessment year's timetable: from the draft assessment to the launch of the revised
plan, what is due next on a given day, and consultation responses dated outside the
consultation window.

The default follows the committee cycle councils use. For the assessment of the financial
year ``YYYY/YY`` (which ends in March of year N):

=============  ====================================================  ======================
id             milestone                                             default dates
=============  ====================================================  ======================
draft          Draft strategic assessment to the partnership board  December N
consultation   Public consultation on the priorities                1 January to the end
                                                                     of February N+1
approval       Final approval by the partnership board               March N+1
cabinet        Cabinet                                               April N+1
council        Adoption by full council                              April N+1
launch         Launch of the revised plan                            from May N+1
=============  ====================================================  ======================

A timetable file (YAML; ``data/templates/timetable_template.yaml``) changes any of these
dates, titles or bodies and may add milestones of its own (a scrutiny committee, say).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import Field, field_validator, model_validator

from csplib.errors import ParameterError
from csplib.plan.load import load_model
from csplib.plan.periods import parse_date, period_bounds
from csplib.plan.register import _Model

TEMPLATE = "data/templates/timetable_template.yaml"
#: Columns of :meth:`Timetable.table` and of :attr:`DueNext.table` (plus ``status``).
COLUMNS = ["id", "milestone", "who", "start", "end"]
#: Statuses in :attr:`DueNext.table`: finished, under way, the next to start, later.
STATUSES = ("done", "now", "next", "later")


@dataclass(frozen=True)
class Milestone:
    id: str
    title: str
    start: date
    end: date
    who: str = ""

    def when(self) -> str:
        """The dates in words: "December 2024", "1 January to 28 February 2025"."""
        return date_range(self.start, self.end)


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def date_range(start: date, end: date) -> str:
    """Dates as a reader says them.

    >>> date_range(date(2024, 12, 1), date(2024, 12, 31))
    'December 2024'
    >>> date_range(date(2025, 1, 1), date(2025, 2, 28))
    '1 January to 28 February 2025'
    >>> date_range(date(2025, 4, 8), date(2025, 4, 8))
    '8 April 2025'
    """
    last = calendar.monthrange(end.year, end.month)[1]
    if start == end:
        return _day(start)
    if start.day == 1 and end.day == last and (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    first = f"{start.day} {start:%B}" if start.year == end.year else _day(start)
    return f"{first} to {_day(end)}"


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def default_milestones(year: str) -> tuple[Milestone, ...]:
    """The default timetable for the assessment of financial year ``year``.

    >>> [m.when() for m in default_milestones("2023/24")][:2]
    ['December 2024', '1 January to 28 February 2025']
    """
    try:
        first, last = period_bounds(year)
    except ValueError as exc:
        raise ParameterError(str(exc), fix="give a financial year such as 2023/24") from None
    if (first.month, last.month, last.year - first.year) != (4, 3, 1):
        raise ParameterError(f"{year!r} is not a financial year", fix="give a year like 2023/24")
    n = last.year
    feb = _month(n + 1, 2)
    return (
        Milestone("draft", "Draft strategic assessment to the partnership board", *_month(n, 12),
                  "Community safety partnership board"),
        Milestone("consultation", "Public consultation on the priorities",
                  date(n + 1, 1, 1), feb[1], "Residents, businesses and partners"),
        Milestone("approval", "Final approval of the assessment and plan", *_month(n + 1, 3),
                  "Community safety partnership board"),
        Milestone("cabinet", "Cabinet", *_month(n + 1, 4), "Council cabinet"),
        Milestone("council", "Adoption of the revised plan", *_month(n + 1, 4), "Full council"),
        Milestone("launch", "Launch of the revised plan", *_month(n + 1, 5),
                  "Community safety partnership"),
    )  # fmt: skip


class Change(_Model):
    """A change to one milestone, or a new one (which needs a title, a start and an end)."""

    title: str | None = Field(default=None, min_length=1)
    who: str | None = None
    start: date | None = None
    end: date | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            d = parse_date(value)
            if d is None:
                raise ValueError(f"{value!r} is not a date (write 2025-01-31)")
            return d
        return value


class TimetableFile(_Model):
    """A timetable file: the assessment ``year`` it is for and ``milestones`` to change
    or add, by id."""

    year: str | None = None
    milestones: dict[str, Change] = Field(default_factory=dict)

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: object) -> object:
        if value is not None:
            default_milestones(str(value))  # a financial year, or a clear error
        return value

    @model_validator(mode="after")
    def _ids(self) -> TimetableFile:
        known = {"draft", "consultation", "approval", "cabinet", "council", "launch"}
        for key, change in self.milestones.items():
            if not key.replace("_", "").isalnum() or key != key.lower():
                raise ValueError(f"milestone id {key!r}: use lower case letters, digits and _")
            if key not in known and None in (change.title, change.start, change.end):
                raise ValueError(
                    f"milestones.{key}: a new milestone needs title, start and end (the "
                    "defaults are " + ", ".join(sorted(known)) + ")"
                )
        return self


@dataclass(frozen=True)
class Timetable:
    """The year's milestones in date order."""

    year: str
    milestones: tuple[Milestone, ...]
    source: str | None = None

    def milestone(self, milestone_id: str) -> Milestone:
        for m in self.milestones:
            if m.id == milestone_id:
                return m
        raise KeyError(milestone_id)

    @property
    def consultation(self) -> tuple[date, date]:
        """First and last day of the consultation."""
        m = self.milestone("consultation")
        return m.start, m.end

    def table(self) -> pd.DataFrame:
        """One row per milestone (:data:`COLUMNS`; ``start`` and ``end`` as dates)."""
        return pd.DataFrame(
            [(m.id, m.title, m.who, m.start, m.end) for m in self.milestones], columns=COLUMNS
        )


def timetable(
    year: str, changes: TimetableFile | None = None, source: str | None = None
) -> Timetable:
    """The default timetable for ``year`` with ``changes`` applied, in date order.

    Raises :class:`ParameterError` when a milestone would end before it starts, or when
    ``changes`` is for another year.
    """
    milestones = {m.id: m for m in default_milestones(year)}
    if changes is not None:
        if changes.year is not None and changes.year != year:
            raise ParameterError(
                f"the timetable is for {changes.year}, not {year}", file=source,
                fix=f"set its year to {year}, or give the timetable for {year}",
            )  # fmt: skip
        for key, c in changes.milestones.items():
            old = milestones.get(key)
            if old is None:
                old = Milestone(key, c.title or key, c.start, c.end)  # type: ignore[arg-type]
            milestones[key] = replace(
                old, **{k: v for k, v in c.model_dump().items() if v is not None}
            )
    for m in milestones.values():
        if m.end < m.start:
            raise ParameterError(
                f"milestone {m.id!r} ends ({m.end}) before it starts ({m.start})",
                file=source, fix="check its start and end",
            )  # fmt: skip
    ordered = sorted(milestones.values(), key=lambda m: (m.start, m.end))
    return Timetable(year, tuple(ordered), source)


def load_timetable(path: str | Path, year: str) -> Timetable:
    """The timetable for ``year`` with the changes in a timetable file (YAML)."""
    changes = load_model(path, TimetableFile, what="timetable", example=TEMPLATE,
                         keys=[*TimetableFile.model_fields, *Change.model_fields])  # fmt: skip
    return timetable(year, changes, str(path))


@dataclass(frozen=True)
class DueNext:
    """What is due on ``today``: ``table`` (every milestone with a ``status`` from
    :data:`STATUSES`), the milestones under way (``now``), the next to start (``next``,
    None after the last has started), and ``sentences``."""

    today: date
    table: pd.DataFrame
    now: tuple[Milestone, ...]
    next: Milestone | None
    sentences: tuple[str, ...]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def due_next(tt: Timetable, today: date) -> DueNext:
    """What is under way on ``today`` and what comes next (pure)."""
    now = tuple(m for m in tt.milestones if m.start <= today <= m.end)
    upcoming = [m for m in tt.milestones if m.start > today]
    nxt = upcoming[0] if upcoming else None
    rows = []
    for m in tt.milestones:
        if m.end < today:
            status = "done"
        elif m in now:
            status = "now"
        elif nxt is not None and m.start == nxt.start:
            status = "next"
        else:
            status = "later"
        rows.append((m.id, m.title, m.who, m.start, m.end, status))
    sentences = [
        f"Under way: {m.title} ({m.when()}); it ends in {_days((m.end - today).days)}."
        if m.end > today
        else f"Under way: {m.title} ({m.when()}); today is its last day."
        for m in now
    ]
    if nxt is not None:
        starting = [m.title for m in upcoming if m.start == nxt.start]
        sentences.append(
            f"Next: {' and '.join(starting)}, from {_day(nxt.start)} (in "
            f"{_days((nxt.start - today).days)})."
        )
    elif not now:
        sentences.append(f"Every milestone of the {tt.year} timetable has passed.")
    table = pd.DataFrame(rows, columns=[*COLUMNS, "status"])
    return DueNext(today, table, now, nxt, tuple(sentences))


@dataclass(frozen=True)
class ConsultationDates:
    """Responses set against the consultation window: ``outside`` holds the dated
    responses before ``start`` or after ``end`` (one row per respondent:
    ``respondent_id``, ``date``, ``when`` "before"/"after", ``source_file``,
    ``source_line``); ``dated`` and ``undated`` count respondents."""

    start: date
    end: date
    dated: int
    undated: int
    outside: pd.DataFrame
    sentences: tuple[str, ...]


def responses_outside_window(responses: pd.DataFrame, tt: Timetable) -> ConsultationDates:
    """Flag consultation responses dated outside the consultation window (pure).

    ``responses`` is the ``consultation`` table; a table without a ``date`` column (loaded
    before dates were kept, or from a survey without them) has every response undated.
    """
    start, end = tt.consultation
    cols = ["respondent_id", "date", "when", "source_file", "source_line"]
    people = responses.drop_duplicates("respondent_id")
    dates = people["date"] if "date" in people else pd.Series(None, index=people.index)
    day = dates.map(lambda v: parse_date(str(v)) if isinstance(v, str) and v else None)
    dated = day.notna()
    before = dated & day.map(lambda d: d is not None and d < start).astype(bool)
    after = dated & day.map(lambda d: d is not None and d > end).astype(bool)
    out = people.loc[before | after].assign(
        date=day[before | after], when=["before" if b else "after" for b in before[before | after]]
    )
    for c in cols:
        if c not in out:
            out[c] = None
    out = out[cols].sort_values(["date", "respondent_id"]).reset_index(drop=True)
    window = date_range(start, end)
    sentences = []
    if not dated.any():
        sentences.append("The responses carry no dates, so none can be checked against the "
                         f"consultation window ({window}).")  # fmt: skip
    else:
        n_out, n_dated = len(out), int(dated.sum())
        sentences.append(
            f"{n_out} of {n_dated} dated responses fall outside the consultation window "
            f"({window}): check they belong to this consultation."
            if n_out else
            f"Every one of the {n_dated} dated responses falls inside the consultation "
            f"window ({window})."
        )  # fmt: skip
        if (~dated).any():
            n = int((~dated).sum())
            sentences.append(f"{n} {'response carries' if n == 1 else 'responses carry'} no date.")
    return ConsultationDates(
        start, end, int(dated.sum()), int((~dated).sum()), out, tuple(sentences)
    )
