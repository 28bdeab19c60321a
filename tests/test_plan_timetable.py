"""The assessment year's timetable: default dates from the year, changes from a file,
what is due next on a day, consultation responses outside the window, and ``csp
timetable``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from csplib.cli import main
from csplib.errors import ParameterError
from csplib.paths import ROOT
from csplib.plan.timetable import (
    due_next,
    load_timetable,
    responses_outside_window,
    timetable,
)
from csplib.sources.consultation import load_consultation

TEMPLATE = ROOT / "data" / "templates" / "timetable_template.yaml"


def test_default_dates_follow_the_committee_cycle():
    # The assessment of 2023/24 (April 2023 to March 2024): draft December 2024,
    # consultation 1 January to 28 February 2025, approval March, cabinet and council
    # April, launch May 2025.
    t = timetable("2023/24")
    got = {m.id: (m.start, m.end) for m in t.milestones}
    assert got == {
        "draft": (date(2024, 12, 1), date(2024, 12, 31)),
        "consultation": (date(2025, 1, 1), date(2025, 2, 28)),
        "approval": (date(2025, 3, 1), date(2025, 3, 31)),
        "cabinet": (date(2025, 4, 1), date(2025, 4, 30)),
        "council": (date(2025, 4, 1), date(2025, 4, 30)),
        "launch": (date(2025, 5, 1), date(2025, 5, 31)),
    }
    assert [m.id for m in t.milestones] == [
        "draft", "consultation", "approval", "cabinet", "council", "launch",
    ]  # fmt: skip
    # 2028 is a leap year: the consultation runs to the end of February, the 29th.
    assert timetable("2026/27").consultation == (date(2028, 1, 1), date(2028, 2, 29))


def test_due_next_on_a_day_in_the_consultation():
    due = due_next(timetable("2023/24"), date(2025, 1, 15))
    assert list(due.table["status"]) == ["done", "now", "next", "later", "later", "later"]
    # 15 January to 28 February is 44 days; to 1 March, 45.
    assert due.sentences == (
        "Under way: Public consultation on the priorities (1 January to 28 February 2025); "
        "it ends in 44 days.",
        "Next: Final approval of the assessment and plan, from 1 March 2025 (in 45 days).",
    )


def test_two_milestones_starting_together_are_both_next():
    due = due_next(timetable("2023/24"), date(2025, 3, 31))
    assert list(due.table["status"]) == ["done", "done", "now", "next", "next", "later"]
    assert due.sentences[-1] == (
        "Next: Cabinet and Adoption of the revised plan, from 1 April 2025 (in 1 day)."
    )
    after = due_next(timetable("2023/24"), date(2025, 6, 1))
    assert after.next is None and after.now == ()
    assert after.sentences == ("Every milestone of the 2023/24 timetable has passed.",)


def test_file_changes_dates_and_adds_a_milestone():
    t = load_timetable(TEMPLATE, "2024/25")
    assert t.consultation == (date(2026, 1, 5), date(2026, 2, 27))
    council = t.milestone("council")
    assert (council.start, council.who) == (date(2026, 4, 22), "Full council, 22 April meeting")
    assert council.title == "Adoption of the revised plan"  # untouched keys keep defaults
    ids = [m.id for m in t.milestones]
    assert ids.index("scrutiny") == ids.index("approval") + 1  # 10 March, inside March


def test_file_for_another_year_is_refused():
    with pytest.raises(ParameterError, match="the timetable is for 2024/25, not 2023/24"):
        load_timetable(TEMPLATE, "2023/24")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("milestones:\n  scrutiny:\n    start: 2025-03-10\n", "a new milestone needs title"),
        ("milestones:\n  consultation:\n    start: 2025-31-01\n", "is not a real date"),
        ("milestones:\n  consultation:\n    start: 31-01-2025\n", "is not a date"),
        ("milestones:\n  consultation:\n    strat: 2025-01-05\n", "did you mean 'start'"),
        ("milestones:\n  draft:\n    start: 2025-01-05\n", "ends (2024-12-31) before it starts"),
    ],
)
def test_bad_timetable_files(tmp_path, body, message):
    path = tmp_path / "t.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_timetable(path, "2023/24")
    assert message in str(err.value)
    assert str(path) in str(err.value)


CONSULTATION = """\
respondent_id,respondent_type,area,priority,rank,comment,date
R1,resident,X,ASB,1,,2024-12-20
R1,resident,X,Drugs,2,,2024-12-20
R2,resident,X,Drugs,1,,2025-01-01
R3,business,X,Shoplifting,,,
R4,partner,X,Violence,1,,01/03/2025
R5,partner,X,Violence,1,,2025-02-28
"""


def test_responses_outside_the_window(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CONSULTATION, encoding="utf-8")
    frame = load_consultation(path).frame
    dates = [None if pd.isna(d) else d for d in frame["date"]]
    assert dates == ["2024-12-20", "2024-12-20", "2025-01-01", None, "2025-03-01", "2025-02-28"]
    result = responses_outside_window(frame, timetable("2023/24"))
    # Respondents: R1 (20 December, before), R2 and R5 (first and last day: inside),
    # R4 (1 March, after), R3 undated.
    assert (result.dated, result.undated) == (4, 1)
    assert list(result.outside["respondent_id"]) == ["R1", "R4"]
    assert list(result.outside["when"]) == ["before", "after"]
    assert list(result.outside["source_line"]) == [2, 6]
    assert result.sentences[0].startswith("2 of 4 dated responses fall outside")
    assert result.sentences[1] == "1 response carries no date."


def test_bad_response_date_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CONSULTATION.replace("2025-01-01", "next week"), encoding="utf-8")
    result = load_consultation(path)
    assert list(result.rejects["source_line"]) == [4]
    assert result.rejects["reason"].iloc[0] == "date is not a date (write 2025-01-31)"


def test_undated_table_says_so():
    frame = pd.DataFrame({"respondent_id": ["A", "B"], "priority": ["Drugs", "ASB"]})
    result = responses_outside_window(frame, timetable("2023/24"))
    assert result.outside.empty and result.undated == 2
    assert "carry no dates" in result.sentences[0]


def test_cli_lists_what_is_due(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text(CONSULTATION, encoding="utf-8")
    rc = main(["timetable", "--year", "2023/24", "--date", "2025-03-31",
               "--consultation", str(path)])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    assert "Timetable for the strategic assessment of 2023/24 (on 31 March 2025)" in out
    assert "  now    March 2025" in out
    assert "Next: Cabinet and Adoption of the revised plan, from 1 April 2025" in out
    assert f"{path}, line 6: R4 dated 1 March 2025, after the window" in out


def test_cli_reads_a_parameter_file(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text(
        "report: strategic_assessment\narea: Synthchester\nperiod: 2024/25\n"
        f"plan_year:\n  timetable_file: {TEMPLATE}\n",
        encoding="utf-8",
    )
    assert main(["timetable", "--params", str(params), "--date", "2026-01-05"]) == 0
    assert "5 January to 27 February 2026" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["timetable"], "no year given"),
        (["timetable", "--year", "2023"], "'2023' is not a financial year"),
        (["timetable", "--year", "2023/24", "--date", "tomorrow"], "is not a date"),
    ],
)
def test_cli_errors_are_plain(capsys, args, error):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert error in err and "Traceback" not in err


def test_template_header_has_the_date_column():
    header = (ROOT / "data/templates/consultation_template.csv").read_text().splitlines()[0]
    assert header.split(",")[-1] == "date"
