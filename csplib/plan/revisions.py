"""Applying a plan's revisions in date order: the register at each stage, the table of
what changed, and the indicators retired, or the problems (by key path) that stop it."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from csplib.plan.changes import (
    CHANGE_COLUMNS,
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
from csplib.plan.messages import Problem, describe
from csplib.plan.register import Indicator, Measure, Priority

if TYPE_CHECKING:
    from csplib.plan.model import Plan

Problems = list[tuple[tuple[Any, ...], str]]


@dataclass(frozen=True)
class Retired:
    """An indicator retired by a revision (on its own or with its priority)."""

    effective: str
    revision: str
    priority: str
    indicator: Indicator
    why: str


@dataclass(frozen=True)
class History:
    """The register at each revision (stages[0] is the original), the changes table rows
    (with the index of their revision) and the indicators retired so far."""

    stages: tuple[tuple[RevisionInForce, tuple[Priority, ...]], ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]
    retired: dict[str, Retired]


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


@dataclass
class _Step:
    """The register being revised, and the revision whose change is being applied."""

    drafts: list[_Draft]
    retired: dict[str, Retired]
    month: str
    revision: str
    why: str


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _find_priority(drafts: list[_Draft], name: str, key: str, month: str) -> _Draft:
    found = [p for p in drafts if p.name == name]
    if len(found) > 1:
        raise Problem((key,), f"{len(found)} priorities in force on {month} are named {name!r}")
    if not found:
        names = [p.name for p in drafts]
        raise Problem((key,), f"no priority {name!r} in force on {month}{_hint(name, names)}")
    return found[0]


def _find_indicator(
    drafts: list[_Draft], indicator_id: str, month: str, retired: dict[str, Retired]
) -> tuple[_Draft, int]:
    for p in drafts:
        for k, i in enumerate(p.indicators):
            if i.id == indicator_id:
                return p, k
    if indicator_id in retired:
        gone = retired[indicator_id]
        raise Problem(
            ("indicator_id",),
            f"indicator {indicator_id!r} is not in force on {month}: it was retired by "
            f"revision {gone.revision!r} ({gone.effective})",
        )
    ids = [i.id for p in drafts for i in p.indicators]
    raise Problem(
        ("indicator_id",),
        f"no indicator {indicator_id!r} in force on {month}{_hint(indicator_id, ids)}",
    )


def _check_new_id(
    drafts: list[_Draft], retired: dict[str, Retired], indicator_id: str, loc: tuple[Any, ...]
) -> None:
    if any(i.id == indicator_id for p in drafts for i in p.indicators):
        raise Problem(loc, f"indicator id {indicator_id!r} is already in force")
    if indicator_id in retired:
        raise Problem(
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
        why = "; ".join(describe(e) for e in exc.errors(include_url=False))
        raise Problem((key,), f"indicator {indicator.id!r} with this {key}: {why}") from None


# Each change kind: apply it to the drafts (in place), return its cells of the changes table.


def _add_indicator(change: AddIndicator, s: _Step) -> dict[str, Any]:
    p = _find_priority(s.drafts, change.priority, "priority", s.month)
    _check_new_id(s.drafts, s.retired, change.indicator.id, ("indicator", "id"))
    p.indicators.append(change.indicator)
    return {
        "priority": p.name,
        "indicator_id": change.indicator.id,
        "indicator": change.indicator.name,
        "after": _indicator_text(change.indicator),
    }


def _retire_indicator(change: RetireIndicator, s: _Step) -> dict[str, Any]:
    p, k = _find_indicator(s.drafts, change.indicator_id, s.month, s.retired)
    gone = p.indicators.pop(k)
    s.retired[gone.id] = Retired(s.month, s.revision, p.name, gone, s.why)
    return {
        "priority": p.name,
        "indicator_id": gone.id,
        "indicator": gone.name,
        "before": _indicator_text(gone),
        "after": "retired",
    }


def _move_measure(change: MoveTarget | ChangeBaseline, s: _Step) -> dict[str, Any]:
    p, k = _find_indicator(s.drafts, change.indicator_id, s.month, s.retired)
    old = p.indicators[k]
    if isinstance(change, MoveTarget):
        new = _revised(old, "target", change.target)
        before, after = _target_text(old), _target_text(new)
    else:
        new = _revised(old, "baseline", change.baseline)
        before, after = _baseline_text(old), _baseline_text(new)
    p.indicators[k] = new
    return {
        "priority": p.name,
        "indicator_id": old.id,
        "indicator": old.name,
        "before": before,
        "after": after,
    }


def _add_priority(change: AddPriority, s: _Step) -> dict[str, Any]:
    new_p = change.priority
    if any(p.name == new_p.name for p in s.drafts):
        raise Problem(("priority", "name"), f"priority {new_p.name!r} is already in force")
    seen: set[str] = set()
    for k, i in enumerate(new_p.indicators):
        loc = ("priority", "indicators", k, "id")
        if i.id in seen:
            raise Problem(loc, f"indicator id {i.id!r} is used twice")
        _check_new_id(s.drafts, s.retired, i.id, loc)
        seen.add(i.id)
    draft = _Draft(new_p.name, new_p.lead, new_p.description, list(new_p.indicators))
    s.drafts.append(draft)
    return {"priority": new_p.name, "after": _priority_text(draft)}


def _retire_priority(change: RetirePriority, s: _Step) -> dict[str, Any]:
    p = _find_priority(s.drafts, change.priority, "priority", s.month)
    before = _priority_text(p)
    s.drafts.remove(p)
    for i in p.indicators:
        why = f"retired with its priority: {s.why}"
        s.retired[i.id] = Retired(s.month, s.revision, p.name, i, why)
    return {"priority": p.name, "before": before, "after": "retired"}


def _rename_priority(change: RenamePriority, s: _Step) -> dict[str, Any]:
    p = _find_priority(s.drafts, change.from_, "from", s.month)
    if any(q.name == change.to for q in s.drafts):
        raise Problem(("to",), f"priority {change.to!r} is already in force")
    p.name = change.to
    return {"priority": change.to, "before": change.from_, "after": change.to}


def _change_priority(change: ChangePriority, s: _Step) -> dict[str, Any]:
    p = _find_priority(s.drafts, change.priority, "priority", s.month)
    before, after = [], []
    if change.lead is not None:
        before.append(f"lead: {p.lead}")
        after.append(f"lead: {change.lead}")
        p.lead = change.lead
    if change.description is not None:
        before.append(f"description: {p.description}")
        after.append(f"description: {change.description}")
        p.description = change.description
    return {"priority": p.name, "before": "; ".join(before), "after": "; ".join(after)}


_APPLY: dict[type, Callable[[Any, _Step], dict[str, Any]]] = {
    AddIndicator: _add_indicator,
    RetireIndicator: _retire_indicator,
    MoveTarget: _move_measure,
    ChangeBaseline: _move_measure,
    AddPriority: _add_priority,
    RetirePriority: _retire_priority,
    RenamePriority: _rename_priority,
    ChangePriority: _change_priority,
}


def _apply_change(
    change: Any,
    drafts: list[_Draft],
    retired: dict[str, Retired],
    revision: Revision,
) -> dict[str, Any]:
    """Apply one change to ``drafts`` (in place); return its row of the changes table."""
    apply = _APPLY.get(type(change))
    if apply is None:  # pragma: no cover - the discriminated union admits nothing else
        raise TypeError(f"unknown change {change!r}")
    why = change.why or revision.why
    row: dict[str, Any] = dict.fromkeys(CHANGE_COLUMNS)
    row |= {"effective": revision.effective_month, "revision": revision.title}
    row |= {"change": change.kind, "why": why}
    step = _Step(drafts, retired, revision.effective_month, revision.title, why)
    return row | apply(change, step)


def _order_problems(plan: Plan) -> Problems:
    """Revisions dated before the plan starts or out of order, and repeated titles."""
    problems: Problems = []
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
    return problems


def revise(plan: Plan) -> tuple[History, Problems]:
    """Apply the plan's revisions in date order: the register at each stage, the changes
    table and the retired indicators, or the problems that stop it."""
    problems = _order_problems(plan)
    original = RevisionInForce(
        "original plan", plan.start_month, "the register as first published", None
    )
    stages: list[tuple[RevisionInForce, tuple[Priority, ...]]] = [
        (original, tuple(plan.priorities))
    ]
    empty = History(stages=tuple(stages), rows=(), retired={})
    if problems:
        return empty, problems

    drafts = [_Draft(p.name, p.lead, p.description, list(p.indicators)) for p in plan.priorities]
    retired: dict[str, Retired] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for k, rev in enumerate(plan.revisions):
        for j, change in enumerate(rev.changes):
            try:
                rows.append((k, _apply_change(change, drafts, retired, rev)))
            except Problem as p:
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
    return History(stages=tuple(stages), rows=tuple(rows), retired=retired), problems
