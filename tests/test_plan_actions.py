"""Action plan: the partner table's checks, and progress, overdue and completed actions
for a plan year counted by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from csplib.errors import CspError, ParameterError
from csplib.paths import PARAMETERS, ROOT
from csplib.plan import load_plan
from csplib.plan.actions import action_progress, load_actions, plan_year

HEADER = "priority,subgroup,lead_agency,lead_role,action_id,action,owner,due,status,completed_on,progress_note,updated_on\n"
DA = "Domestic abuse,DA Forum,Council,CS Manager"
ROADS = "Road safety,Roads Group,County,Road Safety Officer"


def write(tmp_path: Path, body: str, name: str = "actions.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plan():
    # Synthchester's plan runs 2022-25: 2022/23 is year one, 2023/24 year two.
    return load_plan(PARAMETERS / "plan_synthchester.yaml")


ROWS = f"""\
{DA},DA-1,Train staff,Coordinator,2023-06-30,completed,2023-06-20,Done,2023-07-01
{DA},DA-2,Open a one-stop shop,Housing,2023-12-31,at risk,,Venue not agreed,2024-01-10
{DA},DA-3,Refresh the MARAC protocol,Chair,2024-03-31,on track,,,
{DA},DA-4,Launch a helpline,Chair,2023-09-30,withdrawn,,Funded by the county instead,
{DA},DA-5,Carried over from last year,Chair,2023-02-28,delayed,,,
Road safety,Roads Group,County,Road Safety Officer,RS-1,RUSH to Year 11,Officer,2023-10-31,completed,2023-11-15,Late but done,
"""


def test_plan_year_in_words(plan):
    assert plan_year(plan, "2022/23") == (1, "year one of the plan")
    assert plan_year(plan, "2024/25") == (3, "year three of the plan")
    with pytest.raises(ParameterError, match="outside the plan period 2022-25"):
        plan_year(plan, "2025/26")
    with pytest.raises(ParameterError, match="not a financial year"):
        plan_year(plan, "2023")


def test_progress_counted_by_hand(tmp_path, plan):
    actions = load_actions(write(tmp_path, ROWS))
    p = action_progress(actions, plan, "2023/24", as_of=date(2024, 1, 31))
    assert p.year_label == "year two of the plan"
    da = p.by_priority.set_index("priority").loc["Domestic abuse"]
    # Due in 2023/24 and not withdrawn: DA-1, DA-2, DA-3 (DA-4 withdrawn, DA-5 due in
    # 2022/23). Done by 31 Jan: DA-1. Overdue: DA-2 (due 31 Dec). DA-3 not yet due.
    assert (da["actions"], da["completed"], da["overdue"], da["not_yet_due"]) == (3, 1, 1, 1)
    assert da["pct_complete"] == pytest.approx(100 / 3, abs=0.05)
    assert (da["withdrawn"], da["status_at_risk"], da["status_delayed"]) == (1, 1, 0)
    assert (da["subgroup"], da["lead_agency"], da["lead_role"]) == (
        "DA Forum",
        "Council",
        "CS Manager",
    )
    assert (
        da["indicators"] == "Repeat victims of domestic abuse (%); MARAC referrals in the quarter"
    )
    roads = p.by_priority.set_index("priority").loc["Road safety"]
    assert (roads["actions"], roads["completed"], roads["pct_complete"]) == (1, 1, 100.0)
    # Overdue in any year: DA-5 (due 28 Feb 2023: 337 days to 31 Jan 2024) then DA-2 (31).
    assert list(p.overdue["action_id"]) == ["DA-5", "DA-2"]
    assert list(p.overdue["days_overdue"]) == [337, 31]
    assert list(p.completed["action_id"]) == ["DA-1", "RS-1"]
    # Four plan priorities have no action due in the year.
    assert len(p.without_actions) == 4 and "Violent crime" in p.without_actions
    assert p.sentences[0] == (
        "In year two of the plan (2023/24), 2 of the 4 actions due in the year were "
        "completed by 31 January 2024."
    )
    assert p.sentences[1] == "2 actions are overdue at 31 January 2024."
    assert p.figures["overdue"] == 2 and p.figures["completed"] == 2


def test_completed_after_the_date_is_not_yet_completed(tmp_path, plan):
    actions = load_actions(write(tmp_path, ROWS))
    p = action_progress(actions, plan, "2023/24", as_of=date(2023, 11, 1))
    # RS-1 was done on 15 November: on 1 November it is overdue (due 31 October).
    assert "RS-1" in set(p.overdue["action_id"])
    assert list(p.completed["action_id"]) == ["DA-1"]
    # Its status is "completed", yet by 1 November it is not: the priority's count of
    # completed actions is 0 and the status count keeps a column of its own.
    roads = p.by_priority.set_index("priority").loc["Road safety"]
    assert (roads["completed"], roads["overdue"], roads["status_completed"]) == (0, 1, 1)
    assert p.figures["completed"] == 1


def test_every_problem_with_its_line(tmp_path):
    body = f"""\
{DA},A1,Train,Coordinator,2023-13-01,completed,,,
{DA},A1,Train,,2023-06-30,finished,,,
Domestic abuse,Other forum,Council,CS Manager,A3,Train,X,2023-06-30,on track,2023-06-01,,
"""
    with pytest.raises(ParameterError) as err:
        load_actions(write(tmp_path, body))
    msg = str(err.value)
    assert msg.count("line ") >= 6
    assert "line 2, due: '2023-13-01' is not a date" in msg
    assert "line 2, completed_on: a completed action needs completed_on" in msg
    assert "line 3, owner: owner is empty" in msg
    assert "line 3, status: 'finished' is not one of not started, on track" in msg
    assert "line 3, action_id: action_id 'A1' is already used on line 2" in msg
    assert "line 4, completed_on: completed_on is given but the status is 'on track'" in msg
    assert (
        "line 4, subgroup: this priority's subgroup, lead agency or lead role differs from line 2"
        in msg
    )
    assert "data/templates/action_plan_template.csv" in msg


def test_one_problem_names_line_and_column(tmp_path):
    with pytest.raises(ParameterError) as err:
        load_actions(write(tmp_path, f"{DA},A1,Train,X,31/06/2023,on track,,,\n"))
    assert (err.value.line, err.value.column) == (2, "due")


def test_unknown_priority_points_at_the_line(tmp_path, plan):
    body = ROWS + "Domestic abuses,F,C,R,X-1,Act,Owner,2023-05-01,on track,,,\n"
    with pytest.raises(ParameterError) as err:
        action_progress(load_actions(write(tmp_path, body)), plan, "2023/24")
    assert err.value.line == 8 and err.value.column == "priority"
    assert "did you mean 'Domestic abuse'" in str(err.value)


def test_missing_column_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("priority,subgroup\nDomestic abuse,Forum\n", encoding="utf-8")
    with pytest.raises(CspError, match=r"missing column\(s\) .lead_agency"):
        load_actions(path)


def test_template_and_example_load():
    assert load_actions(ROOT / "data/templates/action_plan_template.csv").actions.empty
    example = load_actions(ROOT / "data/templates/action_plan_example.csv")
    p = action_progress(example, load_plan(PARAMETERS / "plan_example.yaml"), "2014/15")
    assert p.year_label == "year two of the plan"
