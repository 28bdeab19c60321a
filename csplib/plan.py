"""The community safety plan's indicator register, and progress against it.

A plan (``parameters/plan_*.yaml``) lists priorities, each with a lead and indicators; each
indicator has a baseline (value and period), a county comparison, a target (value and
period) and a direction. :func:`load_plan` reads and validates a register;
:func:`indicator_progress` says where an indicator stands: change from baseline, status
against the target, and a RAG rating that does not call noise a change.

Periods are written ``YYYY-MM`` (a month), ``YYYY`` (a calendar year), ``YYYY/YY`` (a
financial year, April to March) or ``YYYY/YY Qn`` (a financial quarter, Q1 = April-June).
"""

from __future__ import annotations

import calendar
import difflib
import math
import re
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
    ValidationError,
    field_validator,
    model_validator,
)

from csplib.errors import ParameterError
from csplib.schema import ASB, CRIME_TYPES, normalise_crime_type

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


class Plan(_Model):
    """A community safety plan's indicator register."""

    name: str = Field(min_length=1)
    partnership: str = Field(min_length=1)
    period: str
    county: str | None = None
    synthetic: bool = False
    notes: str | None = None
    priorities: list[Priority] = Field(min_length=1)

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

    @property
    def indicators(self) -> list[Indicator]:
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


# --------------------------------------------------------------------------------------
# loading, with errors a person can act on
# --------------------------------------------------------------------------------------

_ALL_KEYS = sorted(
    {
        name
        for model in (Measure, Comparison, PoliceSpec, Indicator, Priority, Plan)
        for name in model.model_fields
    }
)


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
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(
            "plan file not found",
            file=path,
            fix="check the path, or copy parameters/plan_example.yaml",
        ) from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"not UTF-8 text ({exc.reason})", file=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParameterError(
            f"not valid YAML: {problem}",
            file=path,
            line=mark.line + 1 if mark else None,
            fix="check indentation and quoting near that line",
        ) from None
    if not isinstance(data, dict):
        raise ParameterError(
            "expected a mapping of keys (name, partnership, period, priorities, ...) at the top level",
            file=path,
            fix="start from parameters/plan_example.yaml",
        )
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        # Composing (not constructing) with the safe loader only maps keys to lines.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        errors = exc.errors(include_url=False)
        located = [(_key_path(e["loc"]), _node_line(root, tuple(e["loc"])), e) for e in errors]
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


__all__ = [
    "Comparison",
    "Indicator",
    "IndicatorProgress",
    "Measure",
    "Plan",
    "PoliceSpec",
    "Priority",
    "indicator_progress",
    "load_plan",
    "period_bounds",
    "progress_table",
]
