"""The plan: its register as first published and its revisions, with the register in
force in any month and the table of what changed between two months."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr, field_validator, model_validator

from csplib.errors import ParameterError
from csplib.plan.changes import CHANGE_COLUMNS, Revision, RevisionInForce
from csplib.plan.messages import RevisionProblems
from csplib.plan.periods import as_month
from csplib.plan.register import Indicator, Priority, _Model
from csplib.plan.revisions import History, revise

_PLAN_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


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

    _history: History | None = PrivateAttr(default=None)
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
        history, problems = revise(self)
        if problems:
            raise RevisionProblems(problems)
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

    def _state(self) -> History:
        if self._history is None:  # built without validation (model_construct)
            history, problems = revise(self)
            if problems:
                raise RevisionProblems(problems)
            self._history = history
        return self._history

    def _stage_at(self, month: str, what: str) -> int:
        m = as_month(month, what, last=True)
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
        >>> from csplib.plan import load_plan
        >>> plan = load_plan(PARAMETERS / "plan_example.yaml")
        >>> plan.in_force("2015-04").indicator("ksi_casualties").target.value
        35.0
        >>> plan.in_force("2015-03").indicator("ksi_casualties").target.value
        40.0
        """
        k = self._stage_at(month, "in_force")
        info, priorities = self._state().stages[k]
        revised = self.model_copy(update={"priorities": list(priorities), "revisions": []})
        revised._history = History(stages=((info, priorities),), rows=(), retired={})
        revised._revised_by = info
        return revised

    def revision_for(self, month: str) -> RevisionInForce:
        """Which version of the register is in force in ``month`` (as for
        :meth:`in_force`): the latest revision effective on or before it, or the original.

        >>> from csplib.paths import PARAMETERS
        >>> from csplib.plan import load_plan
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
        a = as_month(month_a, "changes_between", last=True)
        b = as_month(month_b, "changes_between", last=True)
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
