"""The changes a revision of the plan may make (the YAML ``kind:`` of each), a
revision, and which version of the register is in force."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field, model_validator

from csplib.plan.periods import first_month
from csplib.plan.register import Indicator, Measure, Period, Priority, _Model


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

#: The change models, in the order of :data:`Change`.
CHANGE_MODELS: tuple[type[_Change], ...] = get_args(get_args(Change)[0])

#: The change kinds a revision may list, as written in the YAML ``kind:`` key.
CHANGE_KINDS: tuple[str, ...] = tuple(
    get_args(model.model_fields["kind"].annotation)[0] for model in CHANGE_MODELS
)


class Revision(_Model):
    """One revision of the plan: in force from the first month of ``effective``."""

    effective: Period
    title: str = Field(min_length=1)
    why: str = Field(min_length=1)
    changes: list[Change] = Field(min_length=1)

    @property
    def effective_month(self) -> str:
        """The first month (``YYYY-MM``) the revision is in force."""
        return first_month(self.effective)


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
