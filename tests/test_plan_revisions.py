"""Plan revisions: the register in force month by month, the changes table, progress
judged against the revision in force, and bad revisions named by key path.

The worked example is parameters/plan_example.yaml (a 2013-18 plan, so from April 2013):

* April 2015 revision (2015-04): the KSI target moves from 40 to 35 (by 2017); a new
  domestic abuse indicator, idva_engagement, is added.
* April 2016 revision (effective "2016/17", so 2016-04): drug_dealing_perception is
  retired; the night-time economy priority gets a new description.
"""

from __future__ import annotations

import copy
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from scipy import stats

from csplib.errors import ParameterError
from csplib.paths import PARAMETERS
from csplib.plan import (
    CHANGE_COLUMNS,
    Plan,
    indicator_progress,
    load_plan,
    progress_in_force,
)

EXAMPLE = PARAMETERS / "plan_example.yaml"

ORIGINAL_IDS = [
    "asb_rate",
    "drug_dealing_perception",
    "needles_collected",
    "da_repeat_victims",
    "marac_police_referrals",
    "first_time_entrants",
    "proven_reoffending",
    "ksi_casualties",
    "violence_recorded",
]
APRIL_2015_IDS = [
    "asb_rate",
    "drug_dealing_perception",
    "needles_collected",
    "da_repeat_victims",
    "marac_police_referrals",
    "idva_engagement",
    "first_time_entrants",
    "proven_reoffending",
    "ksi_casualties",
    "violence_recorded",
]
APRIL_2016_IDS = [
    "asb_rate",
    "needles_collected",
    "da_repeat_victims",
    "marac_police_referrals",
    "idva_engagement",
    "first_time_entrants",
    "proven_reoffending",
    "ksi_casualties",
    "violence_recorded",
]
NTE = "Violent crime and the night-time economy"
NTE_OLD = "Reduce violence, especially in the town centre at night."
NTE_NEW = (
    "Reduce violence, especially in the town centre at night, and make the night-time "
    "economy safe for women and girls."
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE)


def ids(plan: Plan) -> list[str]:
    return [i.id for i in plan.indicators]


# ------------------------------------------------------------------ in force by month


@pytest.mark.parametrize(
    ("month", "title", "effective", "expected_ids", "ksi_target"),
    [
        ("2013-04", "original plan", "2013-04", ORIGINAL_IDS, 40),
        ("2015-03", "original plan", "2013-04", ORIGINAL_IDS, 40),  # the month before
        ("2015-04", "April 2015 revision", "2015-04", APRIL_2015_IDS, 35),  # on
        ("2015-11", "April 2015 revision", "2015-04", APRIL_2015_IDS, 35),  # after
        ("2016-03", "April 2015 revision", "2015-04", APRIL_2015_IDS, 35),
        ("2016-04", "April 2016 revision", "2016-04", APRIL_2016_IDS, 35),
        ("2019-06", "April 2016 revision", "2016-04", APRIL_2016_IDS, 35),  # past the end
        ("2014/15", "original plan", "2013-04", ORIGINAL_IDS, 40),  # ends 2015-03
        ("2015/16", "April 2015 revision", "2015-04", APRIL_2015_IDS, 35),  # ends 2016-03
        ("2016/17 Q1", "April 2016 revision", "2016-04", APRIL_2016_IDS, 35),
    ],
)
def test_register_in_force(plan, month, title, effective, expected_ids, ksi_target):
    revised = plan.in_force(month)
    assert ids(revised) == expected_ids
    assert revised.indicator("ksi_casualties").target.value == ksi_target
    assert revised.indicator("ksi_casualties").target.period == "2017"
    assert revised.revised_by.title == title
    assert revised.revised_by.effective == effective
    assert revised.revisions == []
    version = plan.revision_for(month)
    assert (version.title, version.effective) == (title, effective)
    assert revised.register()["indicator_id"].tolist() == expected_ids


def test_revisions_leave_the_rest_alone(plan):
    before, after = plan.in_force("2015-03"), plan.in_force("2016-04")
    # Everything not named in a change is as first published.
    for indicator_id in ("asb_rate", "needles_collected", "violence_recorded"):
        assert after.indicator(indicator_id) == before.indicator(indicator_id)
    ksi = after.indicator("ksi_casualties")
    assert (ksi.baseline.value, ksi.baseline.period, ksi.direction) == (58, "2012", "reduce")
    idva = after.indicator("idva_engagement")
    assert (idva.baseline.value, idva.baseline.period) == (60.0, "2014/15")
    assert (idva.target.value, idva.target.period, idva.direction) == (70.0, "2017/18", "increase")
    da = next(p for p in after.priorities if p.name == "Domestic abuse")
    assert [i.id for i in da.indicators] == [
        "da_repeat_victims",
        "marac_police_referrals",
        "idva_engagement",
    ]
    nte_before = next(p for p in before.priorities if p.name == NTE)
    nte_after = next(p for p in after.priorities if p.name == NTE)
    assert nte_before.description == NTE_OLD
    assert nte_after.description == NTE_NEW
    assert (
        nte_after.lead == nte_before.lead == "District Commander, Exampleshire Police (fictional)"
    )
    assert [p.name for p in after.priorities] == [p.name for p in before.priorities]


def test_plan_as_loaded_is_the_original_register(plan):
    plan.in_force("2016-04")  # pure: asking for a revision changes nothing
    assert ids(plan) == ORIGINAL_IDS
    assert plan.indicator("ksi_casualties").target.value == 40
    assert len(plan.revisions) == 2
    assert plan.revised_by is None
    assert (plan.start_month, plan.end_month) == ("2013-04", "2018-03")
    assert plan.revisions[1].effective == "2016/17"
    assert plan.revisions[1].effective_month == "2016-04"
    table = plan.revisions_table()
    assert table["effective"].tolist() == ["2015-04", "2016-04"]
    assert table["revision"].tolist() == ["April 2015 revision", "April 2016 revision"]
    assert table["changes"].tolist() == [2, 2]


def test_month_before_the_plan_or_not_a_month(plan):
    with pytest.raises(ParameterError, match=r"2013-03 is before the plan starts \(2013-04"):
        plan.in_force("2013-03")
    with pytest.raises(ParameterError, match="before the plan starts"):
        plan.revision_for("2012/13")
    with pytest.raises(ParameterError, match="not one of"):
        plan.in_force("April 2015")
    with pytest.raises(ParameterError, match="is after"):
        plan.changes_between("2016-04", "2015-04")


def test_plan_without_revisions(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del data["revisions"]
    plan = Plan.model_validate(data)
    assert ids(plan.in_force("2017-01")) == ORIGINAL_IDS
    assert plan.revision_for("2017-01").original
    assert plan.changes_between("2013-04", "2018-03").columns.tolist() == CHANGE_COLUMNS
    assert plan.changes_between("2013-04", "2018-03").empty
    assert plan.latest_revision_changes("2017-01").empty


# ------------------------------------------------------------------ the changes table

KSI_NAME = "Road users killed or seriously injured (KSI casualties)"
IDVA_NAME = "High-risk domestic abuse victims engaging with an IDVA (%)"
DDP_NAME = "Residents who see drug dealing as a problem in their area (%)"
WHY_2015 = (
    "Mid-plan review after two years: the county road safety strategy set a tougher "
    "casualty target, and the domestic abuse forum asked for a measure of support."
)
WHY_2016 = (
    "Annual refresh: the residents' survey was discontinued and the night-time economy "
    "priority now covers violence against women and girls."
)
ROWS_2015 = [
    [
        "2015-04",
        "April 2015 revision",
        "move_target",
        "Road safety",
        "ksi_casualties",
        KSI_NAME,
        "40 by 2017",
        "35 by 2017",
        "Exampleshire's road safety strategy (2015) asks every district for 40% fewer KSI.",
    ],
    [
        "2015-04",
        "April 2015 revision",
        "add_indicator",
        "Domestic abuse",
        "idva_engagement",
        IDVA_NAME,
        None,
        "baseline 60 in 2014/15; target 70 by 2017/18 (increase)",
        WHY_2015,  # the change gives no reason of its own
    ],
]
ROWS_2016 = [
    [
        "2016-04",
        "April 2016 revision",
        "retire_indicator",
        "Reduce anti-social behaviour",
        "drug_dealing_perception",
        DDP_NAME,
        "baseline 27 in 2012/13; target 24 by 2017/18 (reduce)",
        "retired",
        "The residents' survey ended in 2015; no comparable source replaces it.",
    ],
    [
        "2016-04",
        "April 2016 revision",
        "change_priority",
        NTE,
        None,
        None,
        f"description: {NTE_OLD}",
        f"description: {NTE_NEW}",
        WHY_2016,
    ],
]


def expected(rows: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def same(actual: pd.DataFrame, rows: list[list[Any]]) -> None:
    want = expected(rows)
    assert actual.columns.tolist() == CHANGE_COLUMNS
    assert actual.astype(object).where(actual.notna(), None).values.tolist() == (
        want.astype(object).where(want.notna(), None).values.tolist()
    )


def test_changes_between(plan):
    same(plan.changes_between("2013-04", "2018-03"), ROWS_2015 + ROWS_2016)
    same(plan.changes_between("2015-03", "2015-04"), ROWS_2015)  # on the month: included
    same(plan.changes_between("2015-04", "2016-03"), [])  # the start month is excluded
    same(plan.changes_between("2015-04", "2016-04"), ROWS_2016)
    same(plan.changes_between("2014/15", "2016/17"), ROWS_2015 + ROWS_2016)


def test_latest_revision_changes(plan):
    same(plan.latest_revision_changes("2015-02"), [])
    same(plan.latest_revision_changes("2015-04"), ROWS_2015)
    same(plan.latest_revision_changes("2016-03"), ROWS_2015)
    same(plan.latest_revision_changes("2017-09"), ROWS_2016)


# ------------------------------------------------------------------ every change kind

APRIL_2017 = {
    "effective": "2017-04",
    "title": "April 2017 revision",
    "why": "Last-year refresh.",
    "changes": [
        {"kind": "rename_priority", "from": "Road safety", "to": "Safer roads"},
        # Later changes in the same revision see the new name.
        {
            "kind": "change_priority",
            "priority": "Safer roads",
            "lead": "Road Safety Manager, Exampleshire County Council (fictional)",
        },
        {
            "kind": "change_baseline",
            "indicator_id": "ksi_casualties",
            "baseline": {"value": 60, "period": "2012"},
            "why": "STATS19 revised for late-reported casualties.",
        },
        {"kind": "retire_priority", "priority": "Reduce reoffending and youth offending"},
        {
            "kind": "add_priority",
            "priority": {
                "name": "Modern slavery",
                "lead": "Safeguarding Lead, Exampleton Borough Council (fictional)",
                "indicators": [
                    {
                        "id": "slavery_referrals",
                        "name": "National Referral Mechanism referrals",
                        "source": "partner",
                        "partner_indicator": "nrm_referrals",
                        "unit": "count",
                        "baseline": {"value": 10, "period": "2016/17"},
                        "target": {"value": 20, "period": "2017/18"},
                        "direction": "increase",
                    }
                ],
            },
        },
    ],
}


@pytest.fixture(scope="module")
def plan_2017() -> Plan:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["revisions"].append(APRIL_2017)
    return Plan.model_validate(data)


def test_every_kind_of_change(plan_2017):
    before, after = plan_2017.in_force("2017-03"), plan_2017.in_force("2017-04")
    assert ids(before) == APRIL_2016_IDS
    assert ids(after) == [
        "asb_rate",
        "needles_collected",
        "da_repeat_victims",
        "marac_police_referrals",
        "idva_engagement",
        "ksi_casualties",
        "violence_recorded",
        "slavery_referrals",
    ]
    assert [p.name for p in after.priorities] == [
        "Reduce anti-social behaviour",
        "Domestic abuse",
        "Safer roads",
        NTE,
        "Modern slavery",
    ]
    roads = after.priorities[2]
    assert roads.lead == "Road Safety Manager, Exampleshire County Council (fictional)"
    ksi = after.indicator("ksi_casualties")
    assert (ksi.baseline.value, ksi.target.value) == (60, 35)  # new baseline, moved target
    assert before.indicator("ksi_casualties").baseline.value == 58

    rows = [
        [
            "2017-04",
            "April 2017 revision",
            "rename_priority",
            "Safer roads",
            None,
            None,
            "Road safety",
            "Safer roads",
            "Last-year refresh.",
        ],
        [
            "2017-04",
            "April 2017 revision",
            "change_priority",
            "Safer roads",
            None,
            None,
            "lead: Road Safety Officer, Exampleshire County Council (fictional)",
            "lead: Road Safety Manager, Exampleshire County Council (fictional)",
            "Last-year refresh.",
        ],
        [
            "2017-04",
            "April 2017 revision",
            "change_baseline",
            "Safer roads",
            "ksi_casualties",
            KSI_NAME,
            "58 in 2012",
            "60 in 2012",
            "STATS19 revised for late-reported casualties.",
        ],
        [
            "2017-04",
            "April 2017 revision",
            "retire_priority",
            "Reduce reoffending and youth offending",
            None,
            None,
            "lead: Head of Service, Exampleshire Youth Justice and Probation (fictional); "
            "indicators: first_time_entrants, proven_reoffending",
            "retired",
            "Last-year refresh.",
        ],
        [
            "2017-04",
            "April 2017 revision",
            "add_priority",
            "Modern slavery",
            None,
            None,
            None,
            "lead: Safeguarding Lead, Exampleton Borough Council (fictional); "
            "indicators: slavery_referrals",
            "Last-year refresh.",
        ],
    ]
    same(plan_2017.latest_revision_changes("2017-04"), rows)
    same(plan_2017.changes_between("2016-04", "2018-03"), rows)
    same(plan_2017.changes_between("2013-04", "2018-03"), ROWS_2015 + ROWS_2016 + rows)


# ------------------------------------------------------------------ progress in force


def by_id(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["indicator_id"]: row for row in table.to_dict("records")}


def test_moved_target_is_used_from_its_effective_month(plan):
    # KSI 50 in 2014 (58 at baseline, 2012): 8 fewer. Time elapsed, end of 2012 to end of
    # 2014 out of end of 2012 to end of 2017: 730 / 1,826 = 0.400.
    reading = {"ksi_casualties": {"value": 50, "period": "2014"}}
    old = by_id(progress_in_force(plan, "2015-03", reading))["ksi_casualties"]
    new = by_id(progress_in_force(plan, "2015-04", reading))["ksi_casualties"]
    assert (old["target_value"], new["target_value"]) == (40, 35)
    assert old["status"] == "on track"  # 8 / 18 = 0.444 of the way to 40 >= 0.400
    assert new["status"] == "off track"  # 8 / 23 = 0.348 of the way to 35 < 0.400
    assert old["revision"] == "original plan"
    assert new["revision"] == "April 2015 revision"
    p = stats.binomtest(50, 108, 0.5).pvalue  # conditional Poisson, 50 of 108
    assert old["p_value"] == pytest.approx(p) and new["p_value"] == pytest.approx(p)
    assert old["rag"] == new["rag"] == "amber"  # not significant either way
    # The documented equivalent for one indicator:
    direct = indicator_progress(plan.in_force("2015-04").indicator("ksi_casualties"), 50, "2014")
    assert direct.status == "off track"
    assert direct.progress_fraction == pytest.approx(8 / 23)
    days = (date(2014, 12, 31) - date(2012, 12, 31)).days
    assert direct.elapsed_fraction == pytest.approx(days / 1826)


def test_added_indicator_appears_from_its_effective_month(plan):
    # IDVA engagement 132 / 200 = 66% in 2015/16 against 60% (120 / 200) in 2014/15.
    reading = {
        "idva_engagement": {
            "value": 66.0,
            "period": "2015/16",
            "numerator": 132,
            "denominator": 200,
        }
    }
    early = progress_in_force(plan, "2015-03", reading)
    assert "idva_engagement" not in early["indicator_id"].tolist()  # added later: not shown
    assert early["indicator_id"].tolist() == ORIGINAL_IDS
    row = by_id(progress_in_force(plan, "2016-03", reading))["idva_engagement"]
    assert row["priority"] == "Domestic abuse"
    assert row["change_pct"] == pytest.approx(10.0)
    # 6 of 10 points (0.6) after 366 of 1,096 days (0.334): on track.
    assert row["status"] == "on track"
    pooled = 252 / 400
    z = (0.66 - 0.60) / math.sqrt(pooled * (1 - pooled) * (2 / 200))
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(z))  # 0.214
    assert row["rag"] == "amber"


def test_retired_indicator_is_reported_as_retired(plan):
    reading = {
        "drug_dealing_perception": {
            "value": 25.0,
            "period": "2015/16",
            "numerator": 250,
            "denominator": 1000,
        }
    }
    judged = by_id(progress_in_force(plan, "2016-03", reading))["drug_dealing_perception"]
    assert judged["status"] == "on track"  # 2 of 3 points after 3 of 5 years
    assert judged["latest_value"] == 25.0
    table = progress_in_force(plan, "2016-04", reading)
    assert table["indicator_id"].tolist() == [*APRIL_2016_IDS, "drug_dealing_perception"]
    gone = by_id(table)["drug_dealing_perception"]
    assert (gone["status"], gone["rag"]) == ("retired", "retired")
    assert pd.isna(gone["latest_value"])  # the reading is not judged
    assert gone["rag_reason"] == (
        "retired by revision 'April 2016 revision' (2016-04): The residents' survey ended "
        "in 2015; no comparable source replaces it."
    )
    others = table[table["indicator_id"] != "drug_dealing_perception"]
    assert set(others["status"]) == {"no data"}
    assert set(others["revision"]) == {"April 2016 revision"}


def test_indicators_retired_with_their_priority(plan_2017):
    table = by_id(progress_in_force(plan_2017, "2017-06", {}))
    for indicator_id in ("first_time_entrants", "proven_reoffending"):
        row = table[indicator_id]
        assert row["status"] == "retired"
        assert row["priority"] == "Reduce reoffending and youth offending"
        assert "retired with its priority: Last-year refresh." in row["rag_reason"]
    assert table["slavery_referrals"]["status"] == "no data"


def test_reading_for_an_indicator_the_plan_never_had(plan):
    with pytest.raises(ParameterError, match=r"never had indicator.*'ksi'"):
        progress_in_force(plan, "2016-04", {"ksi": {"value": 1, "period": "2015"}})


# ------------------------------------------------------------------ bad revisions


def written(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    edit(data["revisions"])
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def set_key(i: int, j: int | None, key: str, value: Any):
    def edit(revisions: list[dict[str, Any]]) -> None:
        target = revisions[i] if j is None else revisions[i]["changes"][j]
        target[key] = value

    return edit


def drop_key(i: int, j: int, key: str):
    def edit(revisions: list[dict[str, Any]]) -> None:
        del revisions[i]["changes"][j][key]

    return edit


def later_revision(change: dict[str, Any]):
    def edit(revisions: list[dict[str, Any]]) -> None:
        revisions.append(
            {
                "effective": "2017-04",
                "title": "April 2017 revision",
                "why": "x",
                "changes": [change],
            }
        )

    return edit


def added_indicator(key: str, value: Any):
    def edit(revisions: list[dict[str, Any]]) -> None:
        revisions[0]["changes"][1]["indicator"][key] = value

    return edit


def retire_ksi_instead(revisions: list[dict[str, Any]]) -> None:
    revisions[1]["changes"][0]["indicator_id"] = "ksi_casualties"


def same_title(revisions: list[dict[str, Any]]) -> None:
    revisions[1]["title"] = revisions[0]["title"]


@pytest.mark.parametrize(
    ("edit", "key_path", "expected"),
    [
        (
            set_key(0, 0, "indicator_id", "ksi_casualty"),
            "revisions[0].changes[0].indicator_id",
            "no indicator 'ksi_casualty' in force on 2015-04 (did you mean 'ksi_casualties'?)",
        ),
        (
            set_key(1, None, "effective", "2015-01"),
            "revisions[1].effective",
            "revisions must be in date order, each later than the one before: 2015-01 is not "
            "after 2015-04 (revisions[0], 'April 2015 revision')",
        ),
        (
            set_key(1, None, "effective", "2015/16"),  # 2015-04 again: not later
            "revisions[1].effective",
            "2015-04 is not after 2015-04",
        ),
        (
            set_key(0, None, "effective", "2012/13"),
            "revisions[0].effective",
            "2012-04 is before the plan starts (2013-04",
        ),
        (
            set_key(0, None, "effective", "spring 2015"),
            "revisions[0].effective",
            "is not one of YYYY-MM",
        ),
        (
            set_key(0, 1, "kind", "add_measure"),
            "revisions[0].changes[1].kind",
            "unknown change kind 'add_measure'; expected one of add_indicator, retire_indicator",
        ),
        (
            drop_key(0, 1, "kind"),
            "revisions[0].changes[1].kind",
            "required key 'kind' is missing",
        ),
        (
            drop_key(1, 0, "why"),
            "revisions[1].changes[0].why",
            "required key 'why' is missing",
        ),
        (
            drop_key(0, 0, "target"),
            "revisions[0].changes[0].target",
            "required key 'target' is missing",
        ),
        (
            drop_key(1, 1, "description"),
            "revisions[1].changes[1]",
            "give the new description and/or the new lead",
        ),
        (
            set_key(0, 0, "target", {"value": 60, "period": "2017"}),
            "revisions[0].changes[0].target",
            "indicator 'ksi_casualties' with this target: direction 'reduce' needs a target "
            "below the baseline (60.0 >= 58.0)",
        ),
        (
            set_key(0, 0, "target", {"value": 35, "period": "2011"}),
            "revisions[0].changes[0].target",
            "target period 2011 must end after baseline period 2012",
        ),
        (
            set_key(0, 1, "priority", "Domestic Abuse"),
            "revisions[0].changes[1].priority",
            "no priority 'Domestic Abuse' in force on 2015-04 (did you mean 'Domestic abuse'?)",
        ),
        (
            added_indicator("id", "marac_police_referrals"),
            "revisions[0].changes[1].indicator.id",
            "indicator id 'marac_police_referrals' is already in force",
        ),
        (
            added_indicator("unit", "percentage"),
            "revisions[0].changes[1].indicator.unit",
            "'count', 'rate_per_1000'",
        ),
        (
            later_revision(
                {
                    "kind": "move_target",
                    "indicator_id": "drug_dealing_perception",
                    "target": {"value": 20, "period": "2017/18"},
                }
            ),
            "revisions[2].changes[0].indicator_id",
            "indicator 'drug_dealing_perception' is not in force on 2017-04: it was retired by "
            "revision 'April 2016 revision' (2016-04)",
        ),
        (
            later_revision({"kind": "rename_priority", "from": "Domestic abuse", "to": NTE}),
            "revisions[2].changes[0].to",
            f"priority '{NTE}' is already in force",
        ),
        (
            later_revision({"kind": "retire_priority", "priority": "Road safety", "reason": "x"}),
            "revisions[2].changes[0].reason",
            "unknown key 'reason'",
        ),
        (
            retire_ksi_instead,
            "revisions[1].changes",
            "priority 'Road safety' has no indicators left after this revision",
        ),
        (
            same_title,
            "revisions[1].title",
            "title 'April 2015 revision' is also revisions[0]'s",
        ),
    ],
)
def test_bad_revision_names_file_key_path_and_expectation(tmp_path, edit, key_path, expected):
    path = written(tmp_path, edit)
    with pytest.raises(ParameterError) as info:
        load_plan(path)
    message = str(info.value)
    assert str(path) in message
    assert f"key {key_path}:" in message
    assert expected in message
    assert info.value.line is not None


def test_line_points_at_the_offending_key(tmp_path):
    path = written(tmp_path, set_key(0, 0, "indicator_id", "ksi_casualty"))
    with pytest.raises(ParameterError) as info:
        load_plan(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "indicator_id: ksi_casualty" in lines[info.value.line - 1]


def test_misspelt_key_in_a_change_lists_both_problems(tmp_path):
    def edit(revisions):
        change = revisions[0]["changes"][0]
        change["targt"] = change.pop("target")

    with pytest.raises(ParameterError, match="2 problems") as info:
        load_plan(written(tmp_path, edit))
    message = str(info.value)
    assert "revisions[0].changes[0].target (line " in message
    assert "required key 'target' is missing" in message
    assert "revisions[0].changes[0].targt (line " in message
    assert "unknown key 'targt' (did you mean 'target'?)" in message


def test_problems_in_one_revision_are_listed_together(tmp_path):
    def edit(revisions):
        revisions[1]["changes"][0]["indicator_id"] = "drug_dealing"
        revisions[1]["changes"][1]["priority"] = "Night-time economy"

    with pytest.raises(ParameterError, match="2 problems") as info:
        load_plan(written(tmp_path, edit))
    message = str(info.value)
    assert "revisions[1].changes[0].indicator_id (line " in message
    assert "revisions[1].changes[1].priority (line " in message


def test_validating_without_a_file_still_names_the_key_path():
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    bad = copy.deepcopy(data)
    bad["revisions"][0]["changes"][0]["indicator_id"] = "nope"
    with pytest.raises(ValueError, match=r"revisions\[0\]\.changes\[0\]\.indicator_id: no "):
        Plan.model_validate(bad)
