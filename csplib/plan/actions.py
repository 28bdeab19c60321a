"""The action plan: per priority, the subgroup that delivers it, the lead agency and role,
and the actions with owners, due dates, status and progress notes.

Partners keep it as a table (template ``data/templates/action_plan_template.csv``, one
row per action). :func:`load_actions` reads and checks it, refusing the whole table with
every problem's line and column (a half-read action plan would misstate progress);
:func:`action_progress` sets it beside the plan register for one plan year ("year one of
the plan") and says, as of a date, how far each priority has got, which actions are
overdue and which are done, and which indicators each priority is measured by.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from csplib.errors import ParameterError
from csplib.plan.model import Plan
from csplib.plan.periods import parse_date, period_bounds
from csplib.sources.base import check_columns, read_path_bytes, read_table

TEMPLATE = "data/templates/action_plan_template.csv"
COLUMNS = [
    "priority", "subgroup", "lead_agency", "lead_role", "action_id", "action", "owner",
    "due", "status", "completed_on", "progress_note", "updated_on",
]  # fmt: skip
REQUIRED = COLUMNS[:9]
#: The statuses an action may have, in the order reports list them.
STATUSES = ("not started", "on track", "at risk", "delayed", "completed", "withdrawn")
#: Columns of :attr:`ActionPlan.actions`.
ACTION_COLUMNS = [*COLUMNS, "source_line"]
HINT = f"start from {TEMPLATE} (columns " + ", ".join(COLUMNS) + "; see data/templates/README.md)"
#: The most problems one error message lists.
MAX_SHOWN = 12
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class ActionPlan:
    """A checked action plan. ``actions``: one row per action (:data:`ACTION_COLUMNS`;
    ``due``, ``completed_on`` and ``updated_on`` are ``datetime.date`` or None, ``status``
    one of :data:`STATUSES`); ``priorities``: one row per priority (``priority``,
    ``subgroup``, ``lead_agency``, ``lead_role``, ``source_line`` of its first action)."""

    source: str
    actions: pd.DataFrame
    priorities: pd.DataFrame


def load_actions(path: str | Path) -> ActionPlan:
    """Read and check an action plan CSV.

    Refused, each problem with its line and column: a required cell left empty; a due,
    completed or updated date that is not a date (``2024-03-31`` or ``31/03/2024``); a
    status not in :data:`STATUSES`; a completed action without ``completed_on`` (or a
    ``completed_on`` on one that is not completed); an ``action_id`` used twice; a
    priority whose subgroup or lead differs from its first row.
    """
    path = Path(path)
    name = str(path)
    text = read_table(read_path_bytes(path), name)
    header = [h.strip().casefold() for h in text.header]
    check_columns(header, REQUIRED, name, "an action plan table", HINT)
    col = {c: text.header[header.index(c)] for c in COLUMNS if c in header}
    problems: list[tuple[int, str, str]] = []
    rows, seen_id, leads = [], {}, {}
    for rec in text.frame.to_dict("records"):
        line = int(rec["source_line"])
        row = {c: str(rec[col[c]] or "").strip() if c in col else "" for c in COLUMNS}
        bad = [c for c in REQUIRED if not row[c]]
        for c in bad:
            problems.append((line, c, f"{c} is empty"))
        out: dict = dict(row, source_line=line)
        for c in ("due", "completed_on", "updated_on"):
            if row[c]:
                out[c] = parse_date(row[c])
                if out[c] is None:
                    problems.append((line, c, f"{row[c]!r} is not a date (write 2024-03-31)"))
            else:
                out[c] = None
        status = re.sub(r"\s+", " ", row["status"]).casefold()
        out["status"] = status
        if row["status"] and status not in STATUSES:
            problems.append((line, "status", f"{row['status']!r} is not one of "
                             + ", ".join(STATUSES)))  # fmt: skip
        if status == "completed" and not row["completed_on"]:
            problems.append((line, "completed_on", "a completed action needs completed_on"))
        if row["completed_on"] and status != "completed":
            problems.append((line, "completed_on", f"completed_on is given but the status is "
                             f"{row['status']!r}: set the status to completed or clear the "
                             "date"))  # fmt: skip
        if row["action_id"]:
            if row["action_id"] in seen_id:
                problems.append((line, "action_id", f"action_id {row['action_id']!r} is "
                                 f"already used on line {seen_id[row['action_id']]}"))  # fmt: skip
            seen_id.setdefault(row["action_id"], line)
        lead = (row["subgroup"], row["lead_agency"], row["lead_role"])
        key = row["priority"].casefold()
        if row["priority"] and not bad:
            if key in leads and leads[key][:3] != lead:
                problems.append((line, "subgroup", "this priority's subgroup, lead agency or "
                                 f"lead role differs from line {leads[key][3]}"))  # fmt: skip
            leads.setdefault(key, (*lead, line, row["priority"]))
        rows.append(out)
    if text.rejects is not None and not text.rejects.empty:
        for r in text.rejects.itertuples():
            problems.append((int(r.source_line), r.column or "", str(r.reason)))
    if problems:
        problems.sort()
        if len(problems) == 1:
            line, column, message = problems[0]
            raise ParameterError(message, file=path, line=line, column=column or None, fix=HINT)
        shown = "; ".join(f"line {ln}, {c}: {m}" for ln, c, m in problems[:MAX_SHOWN])
        more = f" and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        raise ParameterError(f"{len(problems)} problems in the action plan: {shown}{more}",
                             file=path, fix=HINT)  # fmt: skip
    actions = pd.DataFrame(rows, columns=ACTION_COLUMNS)
    priorities = pd.DataFrame(
        [{"priority": v[4], "subgroup": v[0], "lead_agency": v[1], "lead_role": v[2],
          "source_line": v[3]} for v in leads.values()],
        columns=["priority", "subgroup", "lead_agency", "lead_role", "source_line"],
    )  # fmt: skip
    return ActionPlan(name, actions, priorities)


def plan_year(plan: Plan, year: str) -> tuple[int, str]:
    """Which year of the plan a financial year is, as a number and in words.

    >>> from csplib.paths import PARAMETERS
    >>> from csplib.plan import load_plan
    >>> plan_year(load_plan(PARAMETERS / "plan_synthchester.yaml"), "2023/24")
    (2, 'year two of the plan')
    """
    first, last = period_bounds(year)
    if (first.month, last.month) != (4, 3) or last.year != first.year + 1:
        raise ParameterError(f"{year!r} is not a financial year", fix="give a year like 2023/24")
    n = first.year - int(plan.start_month[:4]) + 1
    if n < 1 or f"{last.year:04d}-03" > plan.end_month:
        raise ParameterError(
            f"{year} is outside the plan period {plan.period} "
            f"({plan.start_month} to {plan.end_month})",
            fix="give a financial year the plan covers",
        )
    return n, f"year {_NUMBERS[n - 1] if n <= len(_NUMBERS) else n} of the plan"


@dataclass(frozen=True)
class ActionProgress:
    """Progress on the action plan for one plan year, as of a date.

    * ``year`` (``2023/24``), ``year_number`` (2), ``year_label`` ("year two of the
      plan"), ``as_of`` (a date).
    * ``by_priority``: one row per priority of the register in force at ``as_of`` (plan
      order): ``priority``, ``subgroup``, ``lead_agency``, ``lead_role``, ``actions``
      (due in the year, withdrawn left out), ``completed`` (of those, completed on or
      before ``as_of``), ``overdue`` (of those, due before ``as_of`` and not completed by
      then), ``not_yet_due``, ``pct_complete`` (completed / actions x 100, None with no
      actions), ``withdrawn``, then one count column per status (by the table's
      status), and ``indicators`` (the names of the priority's indicators, "; "-joined).
    * ``overdue`` and ``completed``: the actions (any year) overdue as of ``as_of``, and
      completed in the year up to ``as_of``; columns as :data:`ACTION_COLUMNS` plus
      ``days_overdue`` for the first.
    * ``indicators``: the register in force (:meth:`Plan.register` columns).
    * ``without_actions``: plan priorities with no action due in the year.
    * ``sentences`` and ``figures`` (JSON-able).
    """

    year: str
    year_number: int
    year_label: str
    as_of: date
    by_priority: pd.DataFrame
    overdue: pd.DataFrame
    completed: pd.DataFrame
    indicators: pd.DataFrame
    without_actions: tuple[str, ...]
    sentences: tuple[str, ...]
    figures: dict


def status_column(status: str) -> str:
    """The :attr:`ActionProgress.by_priority` column counting a status.

    >>> status_column("not started")
    'status_not_started'
    """
    return "status_" + status.replace(" ", "_")


def overdue_actions(actions: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Actions due before ``as_of`` and not completed by then (withdrawn ones left out),
    most overdue first, with ``days_overdue``."""
    done = actions["completed_on"].map(lambda d: d is not None and d <= as_of)
    late = (actions["due"] < as_of) & ~done & (actions["status"] != "withdrawn")
    out = actions[late].copy()
    out["days_overdue"] = [(as_of - d).days for d in out["due"]]
    return out.sort_values(["days_overdue", "source_line"], ascending=[False, True])


def completed_actions(
    actions: pd.DataFrame, as_of: date, since: date | None = None
) -> pd.DataFrame:
    """Actions completed on or before ``as_of`` (and on or after ``since``), oldest first."""
    when = actions["completed_on"]
    keep = when.map(lambda d: d is not None and d <= as_of and (since is None or d >= since))
    return actions[keep].sort_values(["completed_on", "source_line"])


def _check_priorities(actions: ActionPlan, names: list[str], month: str) -> dict[str, str]:
    """Plan name for each action plan priority (by case-folded name), or an error naming
    the line."""
    by_key = {n.casefold(): n for n in names}
    out = {}
    for r in actions.priorities.itertuples():
        if r.priority.casefold() not in by_key:
            close = difflib.get_close_matches(r.priority, names, n=1)
            raise ParameterError(
                f"priority {r.priority!r} is not a priority of the plan in force in {month}"
                + (f" (did you mean {close[0]!r}?)" if close else ""),
                file=actions.source, line=int(r.source_line), column="priority",
                fix="name the priority exactly as in the plan register: " + "; ".join(names),
            )  # fmt: skip
        out[r.priority.casefold()] = by_key[r.priority.casefold()]
    return out


def action_progress(
    actions: ActionPlan, plan: Plan, year: str, as_of: date | None = None
) -> ActionProgress:
    """Progress per priority for the plan year ``year`` (a financial year, ``2023/24``),
    as of ``as_of`` (default: the year's last day). Pure: no I/O.

    Priorities are the plan's as in force at ``as_of`` (after any revision); an action
    plan priority the plan does not have raises :class:`ParameterError` with its line.
    """
    number, label = plan_year(plan, year)
    first, last = period_bounds(year)
    as_of = as_of or last
    month = f"{min(max(as_of, first), last):%Y-%m}"
    register = plan.in_force(month)
    names = [p.name for p in register.priorities]
    to_plan = _check_priorities(actions, names, month)
    acts = actions.actions.copy()
    acts["priority"] = acts["priority"].str.casefold().map(to_plan)
    in_year = acts[(acts["due"] >= first) & (acts["due"] <= last)]
    overdue = overdue_actions(acts, as_of)
    done = completed_actions(acts, as_of, since=first)
    leads = actions.priorities.assign(
        priority=actions.priorities["priority"].str.casefold().map(to_plan)
    )
    indicators = register.register()
    rows = []
    for p in register.priorities:
        mine = in_year[in_year["priority"] == p.name]
        live = mine[mine["status"] != "withdrawn"]
        done_by = live["completed_on"].map(lambda d: d is not None and d <= as_of).astype(bool)
        n_done = int(done_by.sum())
        n_late = int(live["action_id"].isin(overdue["action_id"]).sum())
        lead = leads[leads["priority"] == p.name]
        row = {
            "priority": p.name,
            "subgroup": lead["subgroup"].iloc[0] if len(lead) else None,
            "lead_agency": lead["lead_agency"].iloc[0] if len(lead) else None,
            "lead_role": lead["lead_role"].iloc[0] if len(lead) else None,
            "actions": len(live),
            "completed": n_done,
            "overdue": n_late,
            "not_yet_due": int(((live["due"] >= as_of) & ~done_by).sum()),
            "pct_complete": round(100 * n_done / len(live), 1) if len(live) else None,
            "withdrawn": int((mine["status"] == "withdrawn").sum()),
        }  # fmt: skip
        for s in STATUSES:  # prefixed: "completed" is already the count done by as_of
            row[status_column(s)] = int((mine["status"] == s).sum())
        row["indicators"] = "; ".join(i.name for i in p.indicators)
        rows.append(row)
    table = pd.DataFrame(rows)
    without = tuple(table.loc[table["actions"] == 0, "priority"])
    total, n_done = int(table["actions"].sum()), int(table["completed"].sum())
    when = f"{as_of.day} {as_of:%B %Y}"
    sentences = [
        f"In {label} ({year}), {n_done} of the {total} actions due in the year were "
        f"completed by {when}."
        if total
        else f"No action of the action plan falls due in {label} ({year})."
    ]
    if len(overdue):
        sentences.append(
            f"{len(overdue)} {'action is' if len(overdue) == 1 else 'actions are'} overdue "
            f"at {when}."
        )
    if without:
        sentences.append("No action falls due in the year for " + "; ".join(without) + ".")
    figures = {
        "year": year, "year_number": number, "year_label": label, "as_of": as_of.isoformat(),
        "actions": total, "completed": n_done, "overdue": len(overdue),
        "by_priority": table.drop(columns=["indicators"]).to_dict("records"),
        "without_actions": list(without),
    }  # fmt: skip
    return ActionProgress(
        year=year, year_number=number, year_label=label, as_of=as_of, by_priority=table,
        overdue=overdue.reset_index(drop=True), completed=done.reset_index(drop=True),
        indicators=indicators, without_actions=without, sentences=tuple(sentences),
        figures=figures,
    )  # fmt: skip
