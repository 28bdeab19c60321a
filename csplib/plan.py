"""The community safety plan's indicator register, and progress against it.

A plan (``parameters/plan_*.yaml``) lists priorities, each with a lead and indicators; each
indicator has a baseline (value and period), a county comparison, a target (value and
period) and a direction. :func:`load_plan` reads and validates a register;
:func:`indicator_progress` says where an indicator stands: change from baseline, status
against the target, and a RAG rating that does not call noise a change.

The plan is revised each year ("2013-18 plan, April 2015 revision"). The YAML keeps the
register as first published under ``priorities`` and each revision, oldest first, under
``revisions`` (a date it applies from, a title, why, and a list of changes: indicators
added or retired, targets or baselines moved, priorities added, retired, renamed or
refocused). :meth:`Plan.in_force` gives the register as it stood in a month,
:meth:`Plan.revision_for` which revision that is, :meth:`Plan.changes_between` the table
of what changed, and :func:`progress_in_force` progress judged against the revision in
force.

Periods are written ``YYYY-MM`` (a month), ``YYYY`` (a calendar year), ``YYYY/YY`` (a
financial year, April to March) or ``YYYY/YY Qn`` (a financial quarter, Q1 = April-June).
"""

from __future__ import annotations

import calendar
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from csplib.errors import ParameterError
from csplib.schema import ASB, CRIME_TYPES, normalise_crime_type
from csplib.yamlfile import read_yaml_mapping

Direction = Literal["reduce", "increase", "maintain"]
Unit = Literal["count", "rate_per_1000", "rate_per_100000", "percent", "score"]

#: value = numerator / denominator x scale, for units that have a numerator.
UNIT_SCALE: dict[str, float] = {
    "rate_per_1000": 1000.0,
    "rate_per_100000": 100000.0,
    "percent": 100.0,
}

OFFENCE_GROUPS = sorted({group for group, _ in CRIME_TYPES.values()} - {"Anti-social behaviour"})

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_FQ = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
_PLAN_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")

PERIOD_FORMATS = "YYYY-MM (month), YYYY (year), YYYY/YY (financial year) or YYYY/YY Qn"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period.

    >>> period_bounds("2012/13")
    (datetime.date(2012, 4, 1), datetime.date(2013, 3, 31))
    >>> period_bounds("2014/15 Q3")
    (datetime.date(2014, 10, 1), datetime.date(2014, 12, 31))
    >>> period_bounds("2016-02")
    (datetime.date(2016, 2, 1), datetime.date(2016, 2, 29))
    """
    text = str(period).strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), _month_end(year, month)
    if m := _YEAR.match(text):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if (m := _FY.match(text)) and (int(m[1]) + 1) % 100 == int(m[2]):
        year = int(m[1])
        return date(year, 4, 1), date(year + 1, 3, 31)
    if (m := _FQ.match(text)) and (int(m[1]) + 1) % 100 == int(m[2]):
        year, q = int(m[1]), int(m[3])
        first_month = 4 + 3 * (q - 1)
        y = year + (first_month - 1) // 12
        first_month = (first_month - 1) % 12 + 1
        return date(y, first_month, 1), _month_end(y, first_month + 2)
    raise ValueError(f"period {text!r} is not one of {PERIOD_FORMATS}")


# --------------------------------------------------------------------------------------
# the register (pydantic models)
# --------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _period_text(value: Any) -> Any:
    # YAML reads an unquoted 2013 as an int; accept it as the year it means.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        period_bounds(value)
    return value


Period = Annotated[str, BeforeValidator(_period_text)]


class Measure(_Model):
    """A value at a period; ``numerator``/``denominator`` where the value is a rate or a
    percentage (they let progress be tested for significance)."""

    value: float
    period: Period
    numerator: float | None = Field(default=None, ge=0)
    denominator: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _both_or_neither(self) -> Measure:
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("give numerator and denominator together, or neither")
        return self


class Comparison(_Model):
    """The county-wide (or other comparator) value for the same measure."""

    value: float
    period: Period | None = None
    area: str | None = None


class PoliceSpec(_Model):
    """Which police.uk rows an indicator counts: ``all_crime``, or ``crime_types`` and/or
    ``offence_groups``, or ``asb`` (ASB incidents, which are never crime)."""

    all_crime: bool = False
    crime_types: list[str] = Field(default_factory=list)
    offence_groups: list[str] = Field(default_factory=list)
    asb: bool = False

    @field_validator("crime_types")
    @classmethod
    def _known_types(cls, values: list[str]) -> list[str]:
        out = []
        for name in values:
            current = normalise_crime_type(name)
            if current is None or current == ASB:
                raise ValueError(
                    f"unknown crime type {name!r}; expected one of "
                    + ", ".join(t for t in CRIME_TYPES if t != ASB)
                    + " (for ASB use asb: true)"
                )
            out.append(current)
        return out

    @field_validator("offence_groups")
    @classmethod
    def _known_groups(cls, values: list[str]) -> list[str]:
        for name in values:
            if name not in OFFENCE_GROUPS:
                raise ValueError(
                    f"unknown offence group {name!r}; expected one of " + ", ".join(OFFENCE_GROUPS)
                )
        return values

    @model_validator(mode="after")
    def _one_selection(self) -> PoliceSpec:
        chosen = self.all_crime + bool(self.crime_types or self.offence_groups) + self.asb
        if chosen != 1:
            raise ValueError(
                "choose exactly one of: all_crime: true; crime_types and/or offence_groups; "
                "asb: true (ASB is not crime and is never mixed with it)"
            )
        return self

    def mask(self, crimes: pd.DataFrame) -> pd.Series:
        """Rows of the canonical crimes table this indicator counts."""
        is_asb = crimes["is_asb"].fillna(False).astype(bool)
        if self.asb:
            return is_asb
        if self.all_crime:
            return ~is_asb
        hit = crimes["crime_type"].isin(self.crime_types) | crimes["offence_group"].isin(
            self.offence_groups
        )
        return hit.fillna(False).astype(bool) & ~is_asb


class Indicator(_Model):
    """One indicator of the register."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    source: Literal["police", "partner"]
    police: PoliceSpec | None = None
    partner_indicator: str | None = None
    unit: Unit
    baseline: Measure
    county: Comparison | None = None
    target: Measure
    direction: Direction
    maintain_tolerance_pct: float = Field(default=5.0, ge=0)
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.source == "police" and self.police is None:
            raise ValueError("source 'police' needs a 'police' selection (e.g. asb: true)")
        if self.source == "police" and self.partner_indicator is not None:
            raise ValueError("source 'police' takes 'police', not 'partner_indicator'")
        if self.source == "partner" and not self.partner_indicator:
            raise ValueError(
                "source 'partner' needs 'partner_indicator': the indicator name in the "
                "partner_indicators table"
            )
        if self.source == "partner" and self.police is not None:
            raise ValueError("source 'partner' takes 'partner_indicator', not 'police'")
        scale = UNIT_SCALE.get(self.unit)
        for key in ("baseline", "target"):
            m = getattr(self, key)
            if m.numerator is not None and self.unit in ("count", "score"):
                raise ValueError(
                    f"{key}: numerator and denominator belong to rates and percentages, "
                    f"not to unit '{self.unit}' (a count is its own numerator)"
                )
            if scale and m.numerator is not None and m.denominator:
                implied = m.numerator / m.denominator * scale
                if abs(implied - m.value) > max(0.005 * abs(m.value), 0.01):
                    raise ValueError(
                        f"{key}: numerator / denominator gives {implied:.4g} {self.unit}, "
                        f"not the value {m.value}"
                    )
        if self.unit == "percent":
            for key in ("baseline", "target"):
                if not 0 <= getattr(self, key).value <= 100:
                    raise ValueError(f"{key}.value must be a percentage between 0 and 100")
        b, t = self.baseline.value, self.target.value
        if self.direction == "reduce" and not t < b:
            raise ValueError(f"direction 'reduce' needs a target below the baseline ({t} >= {b})")
        if self.direction == "increase" and not t > b:
            raise ValueError(f"direction 'increase' needs a target above the baseline ({t} <= {b})")
        if period_bounds(self.target.period)[1] <= period_bounds(self.baseline.period)[1]:
            raise ValueError(
                f"target period {self.target.period} must end after baseline period "
                f"{self.baseline.period}"
            )
        return self


class Priority(_Model):
    name: str = Field(min_length=1)
    lead: str = Field(min_length=1)
    description: str = ""
    indicators: list[Indicator] = Field(min_length=1)


# --------------------------------------------------------------------------------------
# revisions: the plan is revised each year; each revision is a list of changes
# --------------------------------------------------------------------------------------


class _Change(_Model):
    # Every change may say why; where it does not, the revision's ``why`` stands for it.
    why: str | None = None


class AddIndicator(_Change):
    """A new indicator under an existing priority."""

    kind: Literal["add_indicator"]
    priority: str = Field(min_length=1)
    indicator: Indicator


class RetireIndicator(_Change):
    """An indicator dropped from the register; progress is no longer judged on it."""

    kind: Literal["retire_indicator"]
    indicator_id: str = Field(min_length=1)
    why: str = Field(min_length=1)


class MoveTarget(_Change):
    """A new target (value and/or period) for an indicator in force."""

    kind: Literal["move_target"]
    indicator_id: str = Field(min_length=1)
    target: Measure


class ChangeBaseline(_Change):
    """A new baseline for an indicator in force (e.g. a re-based series)."""

    kind: Literal["change_baseline"]
    indicator_id: str = Field(min_length=1)
    baseline: Measure


class AddPriority(_Change):
    """A new priority, with its lead and indicators."""

    kind: Literal["add_priority"]
    priority: Priority


class RetirePriority(_Change):
    """A priority dropped, with every indicator it still has."""

    kind: Literal["retire_priority"]
    priority: str = Field(min_length=1)


class RenamePriority(_Change):
    """A priority's new name (``from`` the old name ``to`` the new)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_by_name=True)

    kind: Literal["rename_priority"]
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


class ChangePriority(_Change):
    """A priority's new description and/or lead ("gains focus", "subgroup changes")."""

    kind: Literal["change_priority"]
    priority: str = Field(min_length=1)
    description: str | None = None
    lead: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _something_changes(self) -> ChangePriority:
        if self.description is None and self.lead is None:
            raise ValueError("give the new description and/or the new lead")
        return self


Change = Annotated[
    AddIndicator
    | RetireIndicator
    | MoveTarget
    | ChangeBaseline
    | AddPriority
    | RetirePriority
    | RenamePriority
    | ChangePriority,
    Field(discriminator="kind"),
]

#: The change kinds a revision may list, as written in the YAML ``kind:`` key.
CHANGE_KINDS: tuple[str, ...] = (
    "add_indicator",
    "retire_indicator",
    "move_target",
    "change_baseline",
    "add_priority",
    "retire_priority",
    "rename_priority",
    "change_priority",
)


def _first_month(period: str) -> str:
    return f"{period_bounds(period)[0]:%Y-%m}"


class Revision(_Model):
    """One revision of the plan: in force from the first month of ``effective``."""

    effective: Period
    title: str = Field(min_length=1)
    why: str = Field(min_length=1)
    changes: list[Change] = Field(min_length=1)

    @property
    def effective_month(self) -> str:
        """The first month (``YYYY-MM``) the revision is in force."""
        return _first_month(self.effective)


@dataclass(frozen=True)
class RevisionInForce:
    """Which version of the register is in force: a revision, or the original plan
    (``index`` None). ``effective`` is the first month (``YYYY-MM``) it applies."""

    title: str
    effective: str
    why: str
    index: int | None

    @property
    def original(self) -> bool:
        return self.index is None


#: Columns of :meth:`Plan.changes_between`, one row per change.
CHANGE_COLUMNS = [
    "effective",
    "revision",
    "change",
    "priority",
    "indicator_id",
    "indicator",
    "before",
    "after",
    "why",
]


@dataclass(frozen=True)
class _Retired:
    effective: str
    revision: str
    priority: str
    indicator: Indicator
    why: str


@dataclass(frozen=True)
class _History:
    """The register at each revision (stages[0] is the original), the changes table rows
    (with the index of their revision) and the indicators retired so far."""

    stages: tuple[tuple[RevisionInForce, tuple[Priority, ...]], ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]
    retired: dict[str, _Retired]


class Plan(_Model):
    """A community safety plan's indicator register, with its revisions.

    ``priorities`` is the register as first published; ``revisions`` (optional) change it
    from their effective month. :meth:`in_force` gives the register for a month; progress
    is judged against that (:func:`progress_in_force`).
    """

    name: str = Field(min_length=1)
    partnership: str = Field(min_length=1)
    period: str
    county: str | None = None
    synthetic: bool = False
    notes: str | None = None
    priorities: list[Priority] = Field(min_length=1)
    revisions: list[Revision] = Field(default_factory=list)

    _history: _History | None = PrivateAttr(default=None)
    _revised_by: RevisionInForce | None = PrivateAttr(default=None)

    @field_validator("period")
    @classmethod
    def _plan_period(cls, value: str) -> str:
        m = _PLAN_PERIOD.match(value)
        if not m or not 0 < (int(m[2]) - int(m[1])) % 100 <= 20:
            raise ValueError(
                f"plan period must be like '2013-18' (first and last year), got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Plan:
        seen: set[str] = set()
        for indicator in self.indicators:
            if indicator.id in seen:
                raise ValueError(f"indicator id {indicator.id!r} is used twice")
            seen.add(indicator.id)
        return self

    @model_validator(mode="after")
    def _apply_revisions(self) -> Plan:
        history, problems = _revise(self)
        if problems:
            raise _RevisionProblems(problems)
        self._history = history
        return self

    # ---------------------------------------------------------------- the register

    @property
    def indicators(self) -> list[Indicator]:
        """The indicators of ``priorities``: for a plan as loaded, the original register
        (use ``plan.in_force(month).indicators`` for the register in force)."""
        return [i for p in self.priorities for i in p.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)

    def register(self) -> pd.DataFrame:
        """The register as a table, one row per indicator, in plan order."""
        rows = []
        for p in self.priorities:
            for i in p.indicators:
                rows.append(
                    {
                        "priority": p.name,
                        "lead": p.lead,
                        "indicator_id": i.id,
                        "indicator": i.name,
                        "source": i.source,
                        "unit": i.unit,
                        "baseline": i.baseline.value,
                        "baseline_period": i.baseline.period,
                        "county": i.county.value if i.county else np.nan,
                        "target": i.target.value,
                        "target_period": i.target.period,
                        "direction": i.direction,
                    }
                )
        return pd.DataFrame(rows)

    # ---------------------------------------------------------------- revisions

    @property
    def start_month(self) -> str:
        """First month of the plan. Plans run in financial years, so '2013-18' (2013/14 to
        2017/18) starts in April 2013."""
        return f"{self.period[:4]}-04"

    @property
    def end_month(self) -> str:
        """Last month of the plan: '2013-18' ends in March 2018."""
        first, last = int(self.period[:4]), int(self.period[5:7])
        return f"{first + (last - first % 100) % 100:04d}-03"

    @property
    def revised_by(self) -> RevisionInForce | None:
        """For a register returned by :meth:`in_force`, the version it is (a revision or
        the original); None for a plan as loaded."""
        return self._revised_by

    def _state(self) -> _History:
        if self._history is None:  # built without validation (model_construct)
            history, problems = _revise(self)
            if problems:
                raise _RevisionProblems(problems)
            self._history = history
        return self._history

    def _stage_at(self, month: str, what: str) -> int:
        m = _as_month(month, what, last=True)
        if m < self.start_month:
            raise ParameterError(
                f"{what}: {m} is before the plan starts ({self.start_month}; the plan "
                f"period '{self.period}' runs from April {self.period[:4]})",
                fix=f"give a month from {self.start_month}",
            )
        stages = self._state().stages
        return max(k for k, (info, _) in enumerate(stages) if info.effective <= m)

    def in_force(self, month: str) -> Plan:
        """The register as it stood in ``month``: the original priorities with every
        revision effective on or before it applied.

        ``month`` is ``YYYY-MM``, or any period (``2015/16``, ``2015/16 Q3``, ``2015``):
        then its last month, i.e. the register at the end of the period. The result has
        no ``revisions`` (they are applied) and says which version it is in
        :attr:`revised_by`. Raises :class:`ParameterError` for a month before the plan
        starts (:attr:`start_month`).

        >>> from csplib.paths import PARAMETERS
        >>> plan = load_plan(PARAMETERS / "plan_example.yaml")
        >>> plan.in_force("2015-04").indicator("ksi_casualties").target.value
        35.0
        >>> plan.in_force("2015-03").indicator("ksi_casualties").target.value
        40.0
        """
        k = self._stage_at(month, "in_force")
        info, priorities = self._state().stages[k]
        revised = self.model_copy(update={"priorities": list(priorities), "revisions": []})
        revised._history = _History(stages=((info, priorities),), rows=(), retired={})
        revised._revised_by = info
        return revised

    def revision_for(self, month: str) -> RevisionInForce:
        """Which version of the register is in force in ``month`` (as for
        :meth:`in_force`): the latest revision effective on or before it, or the original.

        >>> from csplib.paths import PARAMETERS
        >>> plan = load_plan(PARAMETERS / "plan_example.yaml")
        >>> plan.revision_for("2016-03").title, plan.revision_for("2016-03").effective
        ('April 2015 revision', '2015-04')
        >>> plan.revision_for("2014-06").original
        True
        """
        return self._state().stages[self._stage_at(month, "revision_for")][0]

    def changes_between(self, month_a: str, month_b: str) -> pd.DataFrame:
        """Every change made by revisions effective after ``month_a`` and on or before
        ``month_b``: what turns the register in force in ``month_a`` into the one in force
        in ``month_b``. One row per change, in order (columns :data:`CHANGE_COLUMNS`:
        effective month, revision title, change kind, priority, indicator id and name,
        before, after, why). Periods stand for their last month.
        """
        a = _as_month(month_a, "changes_between", last=True)
        b = _as_month(month_b, "changes_between", last=True)
        if a > b:
            raise ParameterError(
                f"changes_between: {month_a} is after {month_b}", fix="give the earlier first"
            )
        rows = [row for _, row in self._state().rows if a < row["effective"] <= b]
        return pd.DataFrame(rows, columns=CHANGE_COLUMNS)

    def latest_revision_changes(self, month: str) -> pd.DataFrame:
        """The changes made by the revision in force in ``month`` ("what changed at the
        last revision"); no rows while the original register is in force."""
        info = self.revision_for(month)
        rows = [row for k, row in self._state().rows if k == info.index]
        return pd.DataFrame(rows, columns=CHANGE_COLUMNS)

    def revisions_table(self) -> pd.DataFrame:
        """One row per revision: effective month, title, why and how many changes."""
        return pd.DataFrame(
            [
                {
                    "effective": r.effective_month,
                    "revision": r.title,
                    "why": r.why,
                    "changes": len(r.changes),
                }
                for r in self.revisions
            ],
            columns=["effective", "revision", "why", "changes"],
        )


# --------------------------------------------------------------------------------------
# loading, with errors a person can act on
# --------------------------------------------------------------------------------------

_ALL_KEYS = sorted(
    {
        name
        for model in (Measure, Comparison, PoliceSpec, Indicator, Priority, Plan, Revision)
        for name in model.model_fields
    }
    | {
        field.alias or name
        for model in (
            AddIndicator,
            RetireIndicator,
            MoveTarget,
            ChangeBaseline,
            AddPriority,
            RetirePriority,
            RenamePriority,
            ChangePriority,
        )
        for name, field in model.model_fields.items()
    }
)


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the change kind pydantic puts in a tagged union's error location
    (``revisions.0.changes.1.move_target.target`` -> ``revisions.0.changes.1.target``)."""
    out: list[Any] = []
    for part in loc:
        if part in CHANGE_KINDS and len(out) >= 2 and out[-2] == "changes":
            continue
        out.append(part)
    return tuple(out)


def _located_errors(exc: ValidationError) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(key path, error) for each problem, revision problems unpacked."""
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(tuple(error["loc"]))
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, _RevisionProblems):
            for sub_loc, message in inner.problems:
                out.append((loc + sub_loc, {"type": "value_error", "msg": message}))
        elif error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            out.append(((*loc, "kind"), error))
        else:
            out.append((loc, error))
    return out


def _key_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest YAML node along ``loc``."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    loc = tuple(error.get("loc", ()))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "union_tag_invalid":
        return f"unknown change kind {error['ctx']['tag']!r}; expected one of " + ", ".join(
            CHANGE_KINDS
        )
    if kind == "union_tag_not_found":
        return "required key 'kind' is missing: say which change this is, one of " + ", ".join(
            CHANGE_KINDS
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and "input" in error:
        message += f" (got {error['input']!r})"
    return message


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan register (YAML, read with ``yaml.safe_load``).

    Raises :class:`csplib.errors.ParameterError` naming the file, the line, the key path
    (e.g. ``priorities[1].indicators[0].target.value``) and what is expected.
    """
    path = Path(path)
    data, text = read_yaml_mapping(
        path,
        what="plan register",
        fix="start from parameters/plan_example.yaml (name, partnership, period, priorities, ...)",
    )
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        # Composing (not constructing) with the safe loader only maps keys to lines.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        located = [(_key_path(loc), _node_line(root, loc), e) for loc, e in _located_errors(exc)]
        if len(located) == 1:
            key, line, error = located[0]
            message = f"plan register key {key}: {_describe(error)}"
        else:
            line = None
            message = f"{len(located)} problems in the plan register: " + "; ".join(
                f"{key}" + (f" (line {ln})" if ln else "") + f": {_describe(error)}"
                for key, ln, error in located
            )
        raise ParameterError(
            message, file=path, line=line, fix="compare with parameters/plan_example.yaml"
        ) from None


# --------------------------------------------------------------------------------------
# applying revisions, with problems located by key path
# --------------------------------------------------------------------------------------


class _RevisionProblems(ValueError):
    """Revisions that cannot be applied: ``problems`` is a list of (key path, message).

    Raised inside the Plan validator; :func:`load_plan` unpacks it into one located
    problem each (pydantic keeps the exception in the error's ``ctx``)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{_key_path(loc)}: {msg}" for loc, msg in problems))


class _Problem(Exception):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        self.loc = loc
        self.message = message
        super().__init__(message)


def _as_month(value: Any, what: str, *, last: bool) -> str:
    """The first (or last) month of a month or period, or a ParameterError."""
    try:
        bounds = period_bounds(str(value))
    except ValueError as exc:
        raise ParameterError(f"{what}: {exc}", fix="give a month such as 2016-04") from None
    return f"{bounds[1 if last else 0]:%Y-%m}"


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def _target_text(i: Indicator) -> str:
    return f"{_number(i.target.value)} by {i.target.period}"


def _baseline_text(i: Indicator) -> str:
    return f"{_number(i.baseline.value)} in {i.baseline.period}"


def _indicator_text(i: Indicator) -> str:
    return f"baseline {_baseline_text(i)}; target {_target_text(i)} ({i.direction})"


def _priority_text(p: _Draft) -> str:
    return f"lead: {p.lead}; indicators: " + ", ".join(i.id for i in p.indicators)


@dataclass
class _Draft:
    """A priority being revised."""

    name: str
    lead: str
    description: str
    indicators: list[Indicator]

    def freeze(self) -> Priority:
        return Priority(
            name=self.name,
            lead=self.lead,
            description=self.description,
            indicators=list(self.indicators),
        )


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _find_priority(drafts: list[_Draft], name: str, key: str, month: str) -> _Draft:
    found = [p for p in drafts if p.name == name]
    if len(found) > 1:
        raise _Problem((key,), f"{len(found)} priorities in force on {month} are named {name!r}")
    if not found:
        names = [p.name for p in drafts]
        raise _Problem((key,), f"no priority {name!r} in force on {month}{_hint(name, names)}")
    return found[0]


def _find_indicator(
    drafts: list[_Draft], indicator_id: str, month: str, retired: dict[str, _Retired]
) -> tuple[_Draft, int]:
    for p in drafts:
        for k, i in enumerate(p.indicators):
            if i.id == indicator_id:
                return p, k
    if indicator_id in retired:
        gone = retired[indicator_id]
        raise _Problem(
            ("indicator_id",),
            f"indicator {indicator_id!r} is not in force on {month}: it was retired by "
            f"revision {gone.revision!r} ({gone.effective})",
        )
    ids = [i.id for p in drafts for i in p.indicators]
    raise _Problem(
        ("indicator_id",),
        f"no indicator {indicator_id!r} in force on {month}{_hint(indicator_id, ids)}",
    )


def _check_new_id(
    drafts: list[_Draft], retired: dict[str, _Retired], indicator_id: str, loc: tuple[Any, ...]
) -> None:
    if any(i.id == indicator_id for p in drafts for i in p.indicators):
        raise _Problem(loc, f"indicator id {indicator_id!r} is already in force")
    if indicator_id in retired:
        raise _Problem(
            loc,
            f"indicator id {indicator_id!r} was retired by revision "
            f"{retired[indicator_id].revision!r}; "
            "give the new indicator a new id, so that its history is not mixed with the old one",
        )


def _revised(indicator: Indicator, key: str, measure: Measure) -> Indicator:
    """The indicator with a new baseline or target, validated as a whole."""
    data = indicator.model_dump()
    data[key] = measure.model_dump()
    try:
        return Indicator.model_validate(data)
    except ValidationError as exc:
        why = "; ".join(_describe(e) for e in exc.errors(include_url=False))
        raise _Problem((key,), f"indicator {indicator.id!r} with this {key}: {why}") from None


def _apply_change(
    change: Any,
    drafts: list[_Draft],
    retired: dict[str, _Retired],
    revision: Revision,
) -> dict[str, Any]:
    """Apply one change to ``drafts`` (in place); return its row of the changes table."""
    month = revision.effective_month
    row: dict[str, Any] = dict.fromkeys(CHANGE_COLUMNS)
    row |= {
        "effective": month,
        "revision": revision.title,
        "change": change.kind,
        "why": change.why or revision.why,
    }
    if isinstance(change, AddIndicator):
        p = _find_priority(drafts, change.priority, "priority", month)
        _check_new_id(drafts, retired, change.indicator.id, ("indicator", "id"))
        p.indicators.append(change.indicator)
        row |= {
            "priority": p.name,
            "indicator_id": change.indicator.id,
            "indicator": change.indicator.name,
            "after": _indicator_text(change.indicator),
        }
    elif isinstance(change, RetireIndicator):
        p, k = _find_indicator(drafts, change.indicator_id, month, retired)
        gone = p.indicators.pop(k)
        retired[gone.id] = _Retired(month, revision.title, p.name, gone, row["why"])
        row |= {
            "priority": p.name,
            "indicator_id": gone.id,
            "indicator": gone.name,
            "before": _indicator_text(gone),
            "after": "retired",
        }
    elif isinstance(change, (MoveTarget, ChangeBaseline)):
        p, k = _find_indicator(drafts, change.indicator_id, month, retired)
        old = p.indicators[k]
        if isinstance(change, MoveTarget):
            new = _revised(old, "target", change.target)
            before, after = _target_text(old), _target_text(new)
        else:
            new = _revised(old, "baseline", change.baseline)
            before, after = _baseline_text(old), _baseline_text(new)
        p.indicators[k] = new
        row |= {
            "priority": p.name,
            "indicator_id": old.id,
            "indicator": old.name,
            "before": before,
            "after": after,
        }
    elif isinstance(change, AddPriority):
        new_p = change.priority
        if any(p.name == new_p.name for p in drafts):
            raise _Problem(("priority", "name"), f"priority {new_p.name!r} is already in force")
        seen: set[str] = set()
        for k, i in enumerate(new_p.indicators):
            loc = ("priority", "indicators", k, "id")
            if i.id in seen:
                raise _Problem(loc, f"indicator id {i.id!r} is used twice")
            _check_new_id(drafts, retired, i.id, loc)
            seen.add(i.id)
        draft = _Draft(new_p.name, new_p.lead, new_p.description, list(new_p.indicators))
        drafts.append(draft)
        row |= {"priority": new_p.name, "after": _priority_text(draft)}
    elif isinstance(change, RetirePriority):
        p = _find_priority(drafts, change.priority, "priority", month)
        before = _priority_text(p)
        drafts.remove(p)
        for i in p.indicators:
            why = f"retired with its priority: {row['why']}"
            retired[i.id] = _Retired(month, revision.title, p.name, i, why)
        row |= {"priority": p.name, "before": before, "after": "retired"}
    elif isinstance(change, RenamePriority):
        p = _find_priority(drafts, change.from_, "from", month)
        if any(q.name == change.to for q in drafts):
            raise _Problem(("to",), f"priority {change.to!r} is already in force")
        p.name = change.to
        row |= {"priority": change.to, "before": change.from_, "after": change.to}
    elif isinstance(change, ChangePriority):
        p = _find_priority(drafts, change.priority, "priority", month)
        before, after = [], []
        if change.lead is not None:
            before.append(f"lead: {p.lead}")
            after.append(f"lead: {change.lead}")
            p.lead = change.lead
        if change.description is not None:
            before.append(f"description: {p.description}")
            after.append(f"description: {change.description}")
            p.description = change.description
        row |= {"priority": p.name, "before": "; ".join(before), "after": "; ".join(after)}
    else:  # pragma: no cover - the discriminated union admits nothing else
        raise TypeError(f"unknown change {change!r}")
    return row


def _revise(plan: Plan) -> tuple[_History, list[tuple[tuple[Any, ...], str]]]:
    """Apply the plan's revisions in date order: the register at each stage, the changes
    table and the retired indicators, or the problems that stop it."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    start = plan.start_month
    titles: dict[str, int] = {}
    for k, rev in enumerate(plan.revisions):
        month = rev.effective_month
        if month < start:
            problems.append(
                (
                    ("revisions", k, "effective"),
                    f"{month} is before the plan starts ({start}; the plan period "
                    f"'{plan.period}' runs from April {plan.period[:4]})",
                )
            )
        if k and month <= plan.revisions[k - 1].effective_month:
            prev = plan.revisions[k - 1]
            problems.append(
                (
                    ("revisions", k, "effective"),
                    f"revisions must be in date order, each later than the one before: "
                    f"{month} is not after {prev.effective_month} (revisions[{k - 1}], "
                    f"{prev.title!r})",
                )
            )
        if rev.title in titles:
            problems.append(
                (
                    ("revisions", k, "title"),
                    f"title {rev.title!r} is also revisions[{titles[rev.title]}]'s; "
                    "each revision needs its own",
                )
            )
        titles.setdefault(rev.title, k)
    original = RevisionInForce("original plan", start, "the register as first published", None)
    stages: list[tuple[RevisionInForce, tuple[Priority, ...]]] = [
        (original, tuple(plan.priorities))
    ]
    empty = _History(stages=tuple(stages), rows=(), retired={})
    if problems:
        return empty, problems

    drafts = [_Draft(p.name, p.lead, p.description, list(p.indicators)) for p in plan.priorities]
    retired: dict[str, _Retired] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for k, rev in enumerate(plan.revisions):
        for j, change in enumerate(rev.changes):
            try:
                rows.append((k, _apply_change(change, drafts, retired, rev)))
            except _Problem as p:
                problems.append((("revisions", k, "changes", j, *p.loc), p.message))
        for p in drafts:
            if not p.indicators:
                problems.append(
                    (
                        ("revisions", k, "changes"),
                        f"priority {p.name!r} has no indicators left after this revision; "
                        "retire the priority too (retire_priority), or add an indicator",
                    )
                )
        if problems:  # later revisions would only repeat the confusion
            return empty, problems
        info = RevisionInForce(rev.title, rev.effective_month, rev.why, k)
        stages.append((info, tuple(p.freeze() for p in drafts)))
    return _History(stages=tuple(stages), rows=tuple(rows), retired=retired), problems


# --------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------


@dataclass
class IndicatorProgress:
    """Where one indicator stands. See :func:`indicator_progress`."""

    indicator_id: str
    name: str
    unit: str
    direction: str
    baseline_value: float
    baseline_period: str
    latest_value: float
    latest_period: str
    target_value: float
    target_period: str
    county_value: float | None
    change_abs: float
    change_pct: float
    elapsed_fraction: float
    progress_fraction: float
    status: str
    rag: str
    rag_reason: str
    test: str | None
    p_value: float | None
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def progress_table(progress: list[IndicatorProgress]) -> pd.DataFrame:
    """Progress results as a table, one row per indicator."""
    return pd.DataFrame([p.to_dict() for p in progress])


def _whole(x: float | None) -> bool:
    return x is not None and float(x) >= 0 and float(x).is_integer()


def _significance(
    indicator: Indicator,
    latest_value: float,
    latest_numerator: float | None,
    latest_denominator: float | None,
    baseline_numerator: float | None,
    baseline_denominator: float | None,
) -> tuple[str | None, float | None, str]:
    """(test name, p-value, why no test) for baseline versus latest."""
    from statsmodels.stats.proportion import proportions_ztest
    from statsmodels.stats.rates import test_poisson_2indep

    unit = indicator.unit
    if baseline_numerator is None:
        baseline_numerator = indicator.baseline.numerator
        baseline_denominator = indicator.baseline.denominator
    if unit == "count":
        b, c = indicator.baseline.value, latest_value
        if not (_whole(b) and _whole(c)):
            return None, None, "counts are not whole numbers"
        # The latest period is as long as the baseline period: equal exposure.
        res = test_poisson_2indep(int(c), 1.0, int(b), 1.0, method="exact-cond")
        return "poisson exact-cond", float(res.pvalue), ""
    if unit in ("rate_per_1000", "rate_per_100000"):
        if None in (latest_numerator, latest_denominator, baseline_numerator, baseline_denominator):
            return None, None, "counts and populations for baseline and latest are needed"
        if not (_whole(latest_numerator) and _whole(baseline_numerator)):
            return None, None, "counts are not whole numbers"
        res = test_poisson_2indep(
            int(latest_numerator),
            float(latest_denominator),
            int(baseline_numerator),
            float(baseline_denominator),
            method="exact-cond",
        )
        return "poisson exact-cond", float(res.pvalue), ""
    if unit == "percent":
        if None in (latest_numerator, latest_denominator, baseline_numerator, baseline_denominator):
            return None, None, "numerators and denominators for baseline and latest are needed"
        _, p = proportions_ztest(
            [latest_numerator, baseline_numerator], [latest_denominator, baseline_denominator]
        )
        return "two-proportion z (pooled)", float(p), ""
    return None, None, f"no significance test for unit '{unit}'"


def indicator_progress(
    indicator: Indicator,
    latest_value: float | None,
    latest_period: str,
    *,
    latest_numerator: float | None = None,
    latest_denominator: float | None = None,
    baseline_numerator: float | None = None,
    baseline_denominator: float | None = None,
    alpha: float = 0.05,
) -> IndicatorProgress:
    """Progress of one indicator from its baseline towards its target.

    ``latest_value`` is in the indicator's unit (it may be None when ``latest_numerator``
    and ``latest_denominator`` are given: value = numerator / denominator x 1,000,
    100,000 or 100). The latest period must be as long as the baseline period (a year
    against a year); ``latest_period`` dates it for the pro-rata path. Numerators and
    denominators make the RAG testable: a ``count`` is its own numerator; for a rate
    give the count and the population, for a percentage the cases and the total.
    Baseline numerator and denominator default to those in the register.

    **Status** (against the target):

    * ``'achieved'``: the target is met in the target direction (reduce: latest <=
      target; increase: latest >= target; maintain: latest within
      ``maintain_tolerance_pct`` % of the target).
    * ``'on track'``: not achieved, but the share of the way from baseline to target
      covered, (latest - baseline) / (target - baseline), is at least the share of the
      time elapsed from the end of the baseline period to the end of the target period
      (pro rata; both measured to the period ends, time clipped to 0-1).
    * ``'off track'``: otherwise (including every 'maintain' outside its tolerance).

    **RAG** (is the change from baseline real?). Counts and rates: Poisson two-sample
    exact conditional test (``test_poisson_2indep(method='exact-cond')``, the
    conditional binomial); percentages: two-proportion pooled z test
    (``proportions_ztest``). Then, at level ``alpha``:

    * not significant -> ``'amber'`` ("no significant change"), whatever the percentage
      change; for 'maintain' this is ``'green'`` (the level held);
    * significant and in the target direction -> ``'green'`` if achieved or on track,
      else ``'amber'`` (real improvement, but behind the pro-rata path);
    * significant and against the target direction (or any significant change for
      'maintain') -> ``'red'``;
    * no test possible (no counts supplied, or a score) -> ``'amber'`` with the reason:
      a change that cannot be tested is not called.

    ``rag_reason`` says which rule applied, in words fit for a report.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha}")
    scale = UNIT_SCALE.get(indicator.unit)
    if latest_value is None:
        if scale is None or latest_numerator is None or not latest_denominator:
            raise ParameterError(
                f"indicator {indicator.id}: give latest_value, or latest_numerator and "
                "latest_denominator for a rate or percentage"
            )
        latest_value = latest_numerator / latest_denominator * scale
    elif indicator.unit in ("count", "score") and (
        latest_numerator is not None or latest_denominator is not None
    ):
        raise ParameterError(
            f"indicator {indicator.id}: numerator and denominator do not apply to unit "
            f"'{indicator.unit}'; pass the latest value only"
        )
    elif scale is not None and latest_numerator is not None and latest_denominator:
        implied = latest_numerator / latest_denominator * scale
        if abs(implied - latest_value) > max(0.005 * abs(latest_value), 0.01):
            raise ParameterError(
                f"indicator {indicator.id}: latest numerator / denominator gives "
                f"{implied:.4g} {indicator.unit}, not the latest value {latest_value}"
            )
    latest_value = float(latest_value)
    try:
        latest_end = period_bounds(latest_period)[1]
    except ValueError as exc:
        raise ParameterError(f"indicator {indicator.id}: {exc}") from None

    base, target = indicator.baseline.value, indicator.target.value
    change_abs = latest_value - base
    change_pct = 100.0 * change_abs / base if base else math.nan

    base_end = period_bounds(indicator.baseline.period)[1]
    target_end = period_bounds(indicator.target.period)[1]
    elapsed = (latest_end - base_end).days / (target_end - base_end).days
    elapsed = min(max(elapsed, 0.0), 1.0)
    progress = change_abs / (target - base) if target != base else math.nan

    direction = indicator.direction
    if direction == "reduce":
        achieved = latest_value <= target
    elif direction == "increase":
        achieved = latest_value >= target
    else:
        tolerance = abs(target) * indicator.maintain_tolerance_pct / 100.0
        achieved = abs(latest_value - target) <= tolerance
    if achieved:
        status = "achieved"
    elif direction != "maintain" and progress >= elapsed:
        status = "on track"
    else:
        status = "off track"

    test, p, why = _significance(
        indicator,
        latest_value,
        latest_numerator,
        latest_denominator,
        baseline_numerator,
        baseline_denominator,
    )
    if p is None:
        rag, reason = "amber", f"not tested ({why}): a change cannot be called"
    elif p >= alpha:
        if direction == "maintain":
            rag, reason = "green", f"no significant change (p = {p:.3f}): level maintained"
        else:
            rag, reason = "amber", f"no significant change (p = {p:.3f})"
    else:
        improving = (change_abs < 0) if direction == "reduce" else (change_abs > 0)
        word = "fall" if change_abs < 0 else "rise"
        if direction == "maintain":
            rag, reason = "red", f"significant {word} (p = {p:.3f}) from a level to maintain"
        elif not improving:
            rag, reason = "red", f"significant {word} (p = {p:.3f}), against the target"
        elif status in ("achieved", "on track"):
            rag, reason = "green", f"significant {word} (p = {p:.3f}), {status}"
        else:
            rag, reason = (
                "amber",
                f"significant {word} (p = {p:.3f}) but behind the pro-rata path to target",
            )

    return IndicatorProgress(
        indicator_id=indicator.id,
        name=indicator.name,
        unit=indicator.unit,
        direction=direction,
        baseline_value=base,
        baseline_period=indicator.baseline.period,
        latest_value=latest_value,
        latest_period=str(latest_period),
        target_value=target,
        target_period=indicator.target.period,
        county_value=indicator.county.value if indicator.county else None,
        change_abs=change_abs,
        change_pct=change_pct,
        elapsed_fraction=elapsed,
        progress_fraction=progress,
        status=status,
        rag=rag,
        rag_reason=reason,
        test=test,
        p_value=p,
        alpha=alpha,
    )


#: Columns of :func:`progress_in_force`.
PROGRESS_IN_FORCE_COLUMNS = [
    "priority",
    "indicator_id",
    "name",
    "unit",
    "direction",
    "baseline_value",
    "baseline_period",
    "target_value",
    "target_period",
    "latest_value",
    "latest_period",
    "change_pct",
    "status",
    "rag",
    "rag_reason",
    "p_value",
    "revision",
]


def _reading(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


def progress_in_force(
    plan: Plan, month: str, values: Mapping[str, Any], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Progress of every indicator judged against the register in force in ``month``
    (:meth:`Plan.in_force`): its baseline and target as revised by then.

    ``values`` maps an indicator id to its latest reading: a mapping (or an object, such
    as :class:`csplib.indicators.plan_values.LatestValue`) with ``value`` and ``period``,
    and optionally ``numerator`` and ``denominator``; each goes to
    :func:`indicator_progress` with the in-force indicator. ``month`` is the month the
    judgement is made in, usually the last month of the data (a period stands for its
    last month).

    One row per indicator (columns :data:`PROGRESS_IN_FORCE_COLUMNS`), in plan order:

    * every indicator in force in ``month``; with no reading, status and RAG
      ``'no data'``;
    * then every indicator retired on or before ``month``, with status and RAG
      ``'retired'`` and the revision and reason in ``rag_reason`` (a reading given for
      it is not judged);
    * an indicator that a later revision adds is not reported (a reading for it is
      ignored); a reading for an id the plan never had is a :class:`ParameterError`.

    ``revision`` names the version judged against (for a retired row, the revision that
    retired it). Equivalent, for one indicator:
    ``indicator_progress(plan.in_force(month).indicator(id), value, period)``.
    """
    in_force = plan.in_force(month)
    version = in_force.revised_by
    assert version is not None
    m = _as_month(month, "progress_in_force", last=True)
    history = plan._state()
    ever = {i.id for _, priorities in history.stages for p in priorities for i in p.indicators}
    unknown = sorted(set(values) - ever)
    if unknown:
        raise ParameterError(
            "progress_in_force: the plan never had indicator(s) "
            + ", ".join(repr(u) for u in unknown),
            fix="check the ids against the register and its revisions",
        )
    rows = []
    for priority in in_force.priorities:
        for ind in priority.indicators:
            row = {
                "priority": priority.name,
                "indicator_id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "direction": ind.direction,
                "baseline_value": ind.baseline.value,
                "baseline_period": ind.baseline.period,
                "target_value": ind.target.value,
                "target_period": ind.target.period,
                "revision": version.title,
            }
            reading = values.get(ind.id)
            value = None if reading is None else _reading(reading, "value")
            if value is None:
                rows.append(row | {"status": "no data", "rag": "no data",
                                   "rag_reason": "no value given"})  # fmt: skip
                continue
            p = indicator_progress(
                ind,
                value,
                str(_reading(reading, "period")),
                latest_numerator=_reading(reading, "numerator"),
                latest_denominator=_reading(reading, "denominator"),
                alpha=alpha,
            )
            rows.append(
                row | {"latest_value": p.latest_value, "latest_period": p.latest_period,
                       "change_pct": p.change_pct, "status": p.status, "rag": p.rag,
                       "rag_reason": p.rag_reason, "p_value": p.p_value}
            )  # fmt: skip
    for gone in history.retired.values():
        if gone.effective > m:
            continue
        ind = gone.indicator
        rows.append(
            {
                "priority": gone.priority,
                "indicator_id": ind.id,
                "name": ind.name,
                "unit": ind.unit,
                "direction": ind.direction,
                "baseline_value": ind.baseline.value,
                "baseline_period": ind.baseline.period,
                "target_value": ind.target.value,
                "target_period": ind.target.period,
                "status": "retired",
                "rag": "retired",
                "rag_reason": (
                    f"retired by revision '{gone.revision}' ({gone.effective}): {gone.why}"
                ),
                "revision": gone.revision,
            }
        )
    return pd.DataFrame(rows, columns=PROGRESS_IN_FORCE_COLUMNS)


__all__ = [
    "CHANGE_COLUMNS",
    "CHANGE_KINDS",
    "PROGRESS_IN_FORCE_COLUMNS",
    "AddIndicator",
    "AddPriority",
    "ChangeBaseline",
    "ChangePriority",
    "Comparison",
    "Indicator",
    "IndicatorProgress",
    "Measure",
    "MoveTarget",
    "Plan",
    "PoliceSpec",
    "Priority",
    "RenamePriority",
    "RetireIndicator",
    "RetirePriority",
    "Revision",
    "RevisionInForce",
    "indicator_progress",
    "load_plan",
    "period_bounds",
    "progress_in_force",
    "progress_table",
]
