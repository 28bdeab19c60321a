"""The indicator register's models: each indicator's source, unit, baseline, county
comparison, target and direction, grouped by priority, validated as they are read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from csplib.plan.periods import period_bounds
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
    source: Literal["police", "partner", "stats19"]
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
        if self.source == "stats19":
            self._check_stats19()
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

    def _check_stats19(self) -> None:
        """``source: stats19`` counts people killed or seriously injured on the roads
        from the loaded STATS19 casualties, by calendar year, as the road safety
        section does: one KSI figure per year in a report."""
        if self.police is not None or self.partner_indicator is not None:
            raise ValueError("source 'stats19' takes neither 'police' nor 'partner_indicator'")
        if self.unit != "count":
            raise ValueError("source 'stats19' counts casualties: its unit must be 'count'")
        for key in ("baseline", "target"):
            period = getattr(self, key).period
            if not (len(period) == 4 and period.isdigit()):
                raise ValueError(
                    f"{key}.period {period!r}: STATS19 is counted by calendar year, so "
                    "a 'stats19' indicator's periods are years such as '2021'"
                )


class Priority(_Model):
    name: str = Field(min_length=1)
    lead: str = Field(min_length=1)
    description: str = ""
    indicators: list[Indicator] = Field(min_length=1)
