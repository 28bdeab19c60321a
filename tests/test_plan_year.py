"""The sample's year on paper: the files csp sample writes, read through the assessment's
parameter file, with counts taken from the files by hand; ingest leaves the action plan
out of the store."""

from __future__ import annotations

import csv
from datetime import date

from csplib.ingest import ingest
from csplib.paths import PARAMETERS
from csplib.plan import load_plan
from csplib.plan.year import build_plan_year
from csplib.report.params import load_params
from csplib.sample_planyear import write_plan_year


def test_sample_plan_year_through_the_parameter_file(tmp_path):
    written = write_plan_year(tmp_path)
    assert sorted(written) == [
        "plan/action_plan.csv", "plan/county_agreement.yaml", "plan/timetable.yaml",
    ]  # fmt: skip
    params = load_params(PARAMETERS / "synthchester_2023-24.yaml")
    assert params.plan_year is not None and params.pdf is False

    def resolve(name: str):
        return tmp_path / name.removeprefix("data/sample/") if name.startswith("data/sample/") \
            else params.project_path(name)  # fmt: skip

    year = build_plan_year(params.plan_year, load_plan(params.project_path(params.plan_file)),
                           params.period, resolve)  # fmt: skip
    # By hand from the CSV: actions due 1 April 2023 to 31 March 2024, not withdrawn, and
    # those completed on or before 31 March 2024.
    with open(tmp_path / "plan/action_plan.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    due = [
        r for r in rows if "2023-04-01" <= r["due"] <= "2024-03-31" and r["status"] != "withdrawn"
    ]
    done = [r for r in due if r["completed_on"] and r["completed_on"] <= "2024-03-31"]
    late = [r for r in rows if r["due"] < "2024-03-31" and not r["completed_on"]
            and r["status"] != "withdrawn"]  # fmt: skip
    assert (len(due), len(done), len(late)) == (12, 8, 2)
    a = year.actions
    assert (a.figures["actions"], a.figures["completed"], a.figures["overdue"]) == (12, 8, 2)
    assert a.year_label == "year two of the plan" and a.as_of == date(2024, 3, 31)
    assert set(a.overdue["action_id"]) == {r["action_id"] for r in late}
    c = year.alignment
    assert c.county_not_addressed == ("Exploitation of children and vulnerable adults",)
    assert c.no_county_counterpart == ("Shop theft and acquisitive crime",)
    assert c.pcc_not_addressed == ("Tackle rural crime",)
    tt = year.timetable
    assert tt.milestone("council").start == date(2025, 4, 23)
    assert tt.consultation == (date(2025, 1, 1), date(2025, 2, 28))  # the default kept
    assert [m["id"] for m in year.figures["timetable"]][:3] == ["draft", "consultation", "scrutiny"]


def test_ingest_leaves_the_action_plan_out(tmp_path):
    write_plan_year(tmp_path / "in")
    report = ingest([tmp_path / "in"], tmp_path / "store")
    assert report.ok
    (entry,) = [f for f in report.files if f.name.endswith("action_plan.csv")]
    assert entry.kind == "action_plan" and "plan_year.actions_file" in entry.not_read
