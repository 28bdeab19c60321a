"""County agreement register: loading with located errors, and the matrix of the
partnership's priorities against the county's priorities and themes, worked by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from csplib.errors import ParameterError
from csplib.paths import PARAMETERS, ROOT
from csplib.plan import load_plan
from csplib.plan.county import NO_THEME, align, load_county

TEMPLATES = ROOT / "data" / "templates"

#: A two-priority plan register (the smallest a test can reason about).
PLAN = textwrap.dedent(
    """\
    name: Testford plan
    partnership: Testford CSP
    period: "2022-25"
    priorities:
      - name: Domestic abuse
        lead: DA lead
        indicators:
          - {id: da, name: DA repeats, source: partner, partner_indicator: DA, unit: count,
             baseline: {value: 10, period: "2021/22"}, target: {value: 8, period: "2024/25"},
             direction: reduce}
      - name: Night-time violence
        lead: Police
        indicators:
          - {id: nte, name: Violence, source: police, police: {all_crime: true}, unit: count,
             baseline: {value: 100, period: "2021/22"}, target: {value: 90, period: "2024/25"},
             direction: reduce}
      - name: Road safety
        lead: Roads
        indicators:
          - {id: ksi, name: KSI, source: partner, partner_indicator: KSI, unit: count,
             baseline: {value: 50, period: "2021"}, target: {value: 40, period: "2024"},
             direction: reduce}
    """
)

COUNTY = textwrap.dedent(
    """\
    county: Testshire
    agreement: Testshire Agreement
    priorities:
      - {id: da, name: Domestic abuse}
      - {id: soc, name: Serious and organised crime}
      - {id: roads, name: Road safety}
    themes:
      - {id: prevent, name: Prevention}
      - {id: vulnerable, name: Safeguarding}
    pcc_plan:
      name: Testshire PCC plan
      priorities:
        - {id: victims, name: Victims first}
        - {id: fraud, name: Tackle fraud}
    alignment:
      - partnership_priority: Domestic abuse
        county_priorities: [da]
        themes: [prevent, vulnerable]
        pcc_priorities: [victims]
      - partnership_priority: Night-time violence
        county_priorities: []
        themes: [prevent]
    """
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def plan(tmp_path):
    return load_plan(write(tmp_path, "plan.yaml", PLAN))


def test_matrix_by_hand(tmp_path, plan):
    a = align(load_county(write(tmp_path, "county.yaml", COUNTY)), plan)
    # Domestic abuse serves the county's domestic abuse priority under both themes; Road
    # safety is in the plan but not in the alignment, so the roads row stays empty.
    assert list(a.matrix.columns) == ["County priority", "Prevention", "Safeguarding"]
    rows = a.matrix.set_index("County priority").to_dict("index")
    assert rows["Domestic abuse"] == {
        "Prevention": "Domestic abuse",
        "Safeguarding": "Domestic abuse",
    }
    assert rows["Serious and organised crime"] == {"Prevention": "", "Safeguarding": ""}
    assert rows["Road safety"] == {"Prevention": "", "Safeguarding": ""}
    assert len(a.links) == 2
    # Night-time violence is aligned to no county priority; Road safety is not aligned.
    assert a.no_county_counterpart == ("Night-time violence", "Road safety")
    assert a.not_aligned == ("Road safety",)
    assert a.county_not_addressed == ("Serious and organised crime", "Road safety")
    assert a.pcc.to_dict("records") == [
        {"pcc_priority": "Victims first", "partnership_priorities": "Domestic abuse"},
        {"pcc_priority": "Tackle fraud", "partnership_priorities": ""},
    ]
    assert a.pcc_not_addressed == ("Tackle fraud",)
    text = " ".join(a.sentences)
    assert "3 priorities; between them they serve 1 of the 3 county priorities" in text
    assert "addresses Serious and organised crime and Road safety" in text
    assert "serve 1 of the 2 priorities of the Testshire PCC plan; none serves Tackle fraud" in text
    assert a.figures["county_not_addressed"] == ["Serious and organised crime", "Road safety"]


def test_link_without_theme_gets_its_own_column(tmp_path, plan):
    text = COUNTY.replace("themes: [prevent, vulnerable]", "themes: []")
    a = align(load_county(write(tmp_path, "county.yaml", text)), plan)
    assert a.matrix.columns[-1] == NO_THEME
    assert a.matrix.loc[0, NO_THEME] == "Domestic abuse"
    assert a.matrix.loc[0, "Prevention"] == ""


def test_unknown_partnership_priority_names_the_closest(tmp_path, plan):
    text = COUNTY.replace(
        "- partnership_priority: Domestic abuse", "- partnership_priority: Domestic abse"
    )
    with pytest.raises(ParameterError) as err:
        align(load_county(write(tmp_path, "county.yaml", text)), plan)
    assert "alignment[0]: 'Domestic abse' is not a priority of Testford plan" in str(err.value)
    assert "did you mean 'Domestic abuse'" in str(err.value)


def test_unknown_theme_id_is_located(tmp_path):
    text = COUNTY.replace("themes: [prevent, vulnerable]", "themes: [prevent, vulnerabel]")
    path = write(tmp_path, "county.yaml", text)
    with pytest.raises(ParameterError) as err:
        load_county(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "'vulnerabel' is not one of the theme ids (did you mean 'vulnerable'?)" in msg
    assert "compare with data/templates/county_agreement_example.yaml" in msg


def test_misspelt_key_points_at_its_line(tmp_path):
    text = COUNTY.replace("    themes: [prevent]\n", "    theme: [prevent]\n")
    path = write(tmp_path, "county.yaml", text)
    with pytest.raises(ParameterError) as err:
        load_county(path)
    line = text.splitlines().index("    theme: [prevent]") + 1
    assert err.value.line == line
    assert "alignment[1].theme: unknown key 'theme' (did you mean 'themes'?)" in str(err.value)


def test_duplicate_ids_and_aligned_twice_are_refused(tmp_path):
    dup = COUNTY.replace("{id: roads, name: Road safety}", "{id: da, name: Road safety}")
    with pytest.raises(ParameterError, match="county priority id 'da' is used twice"):
        load_county(write(tmp_path, "a.yaml", dup))
    twice = COUNTY + "  - partnership_priority: domestic abuse\n    county_priorities: [da]\n"
    with pytest.raises(ParameterError, match="aligned twice"):
        load_county(write(tmp_path, "b.yaml", twice))


def test_template_and_example_load():
    assert load_county(TEMPLATES / "county_agreement_template.yaml").county == "Your county"
    a = align(
        load_county(TEMPLATES / "county_agreement_example.yaml"),
        load_plan(PARAMETERS / "plan_example.yaml"),
    )
    assert a.no_county_counterpart == ("Violent crime and the night-time economy",)
