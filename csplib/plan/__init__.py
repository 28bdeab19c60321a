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

The modules, one concern each: :mod:`~csplib.plan.periods` (periods and their bounds),
:mod:`~csplib.plan.register` (the indicator and priority models),
:mod:`~csplib.plan.changes` (the change kinds of a revision), :mod:`~csplib.plan.revisions`
(applying revisions), :mod:`~csplib.plan.model` (the :class:`Plan`),
:mod:`~csplib.plan.messages` and :mod:`~csplib.plan.load` (reading the YAML, with located
errors) and :mod:`~csplib.plan.progress` (status, RAG and progress tables).
"""

from csplib.plan.changes import (
    CHANGE_COLUMNS,
    CHANGE_KINDS,
    AddIndicator,
    AddPriority,
    ChangeBaseline,
    ChangePriority,
    MoveTarget,
    RenamePriority,
    RetireIndicator,
    RetirePriority,
    Revision,
    RevisionInForce,
)
from csplib.plan.load import load_plan
from csplib.plan.model import Plan
from csplib.plan.periods import PERIOD_FORMATS, period_bounds
from csplib.plan.progress import (
    INDICATOR_COLUMNS,
    PROGRESS_IN_FORCE_COLUMNS,
    VERDICT_COLUMNS,
    IndicatorProgress,
    indicator_progress,
    indicator_row,
    progress_in_force,
    progress_table,
)
from csplib.plan.register import (
    OFFENCE_GROUPS,
    UNIT_SCALE,
    Comparison,
    Direction,
    Indicator,
    Measure,
    PoliceSpec,
    Priority,
    Unit,
)

__all__ = [
    "CHANGE_COLUMNS",
    "CHANGE_KINDS",
    "INDICATOR_COLUMNS",
    "OFFENCE_GROUPS",
    "PERIOD_FORMATS",
    "PROGRESS_IN_FORCE_COLUMNS",
    "UNIT_SCALE",
    "VERDICT_COLUMNS",
    "AddIndicator",
    "AddPriority",
    "ChangeBaseline",
    "ChangePriority",
    "Comparison",
    "Direction",
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
    "Unit",
    "indicator_progress",
    "indicator_row",
    "load_plan",
    "period_bounds",
    "progress_in_force",
    "progress_table",
]
