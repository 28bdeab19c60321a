"""Decision paper: the analyst's wording with the assessment's figures, never typed or
recomputed; reasons drawn from a figures dict written out by hand."""

from __future__ import annotations

import pytest

from csplib.errors import ParameterError
from csplib.paths import ROOT
from csplib.plan.decision import build_decision, load_decision_text, render

TEMPLATE = ROOT / "data" / "templates" / "decision_template.yaml"

#: A figures.json as the assessment writes it, cut to the keys the paper reads.
FIGURES = {
    "area": "Testford",
    "period": "2023/24",
    "previous_period": "2022/23",
    "synthetic": False,
    "total_crime": {"current": 13520, "previous": 13000, "pct_change": 4.0,
                    "significance": "significant rise", "months": 11},
    "asb": {"current": 4000, "previous": 4100, "pct_change": -2.439,
            "significance": "no significant change", "months": 12},
    "priorities": {"recommended": ["Shoplifting", "Robbery"]},
    "plan": {"rag_counts": {"green": 3, "amber": 2, "red": 1, "no data": 2, "retired": 1}},
    "consultation": {"respondents": 420, "top_said": ["Anti-social behaviour", "Drugs", "Violence"]},
}  # fmt: skip


def test_reasons_come_from_the_figures():
    paper = build_decision(load_decision_text(TEMPLATE), FIGURES)
    r = paper.reasons
    # 13,520 against 13,000 is +520, 4.0%; 4,000 against 4,100 is -100, 2.4% (2.439).
    assert r[0] == (
        "Recorded crime (not counting anti-social behaviour) rose 4.0% in 2023/24 against "
        "2022/23, from 13,000 to 13,520 over the 11 months complete in both years: a change "
        "too large to be chance."
    )
    # A change that could be chance is not called a fall.
    assert r[1] == (
        "Anti-social behaviour incidents: no real change in 2023/24 against 2022/23, from "
        "4,100 to 4,000 (-2.4%); a change this size could be chance."
    )
    assert (
        r[2]
        == "The 2 priorities the assessment recommends from the evidence: Shoplifting and Robbery."
    )
    # 3 + 2 + 1 = 6 judged; no data and retired are not judged.
    assert r[3] == (
        "Of the plan's 6 indicators with data: 3 on track (green), 2 needing attention "
        "(amber) and 1 off track (red); 2 without data yet."
    )
    assert r[4].startswith("420 people and organisations answered the consultation")
    # The analyst's reason, its placeholders filled from the figures.
    assert (
        r[5]
        == "The priorities recommended for 2023/24 follow the evidence: Shoplifting and Robbery."
    )
    assert paper.recommendations == ("That the revised Community Safety Plan be adopted.",)
    assert list(paper.signatories.columns) == ["Authority", "Name", "Role", "Signature", "Date"]


def test_what_respondents_ranked_is_set_beside_what_is_recommended():
    """Respondents ranked ASB, Drugs and Violence highest; of the crime types recommended
    (Shoplifting, Robbery, Violence and sexual offences), only the last measures one of
    them (Violence). With none in common the paper says so."""
    scores = [{"candidate": "Shoplifting", "consultation_priority": "Shoplifting", "recommended": True},
              {"candidate": "Violence and sexual offences", "consultation_priority": "Violence",
               "recommended": True},
              {"candidate": "Drugs", "consultation_priority": "Drugs", "recommended": False}]  # fmt: skip
    figures = FIGURES | {"priorities": {"recommended": ["Shoplifting", "Violence and sexual "
                                                        "offences"], "scores": scores}}  # fmt: skip
    said = build_decision(load_decision_text(TEMPLATE), figures).reasons[4]
    assert said == (
        "420 people and organisations answered the consultation; they ranked Anti-social "
        "behaviour, Drugs and Violence highest. Of them, Violence is among the priorities "
        "the assessment recommends."
    )
    scores[1]["recommended"] = False
    said = build_decision(load_decision_text(TEMPLATE), figures).reasons[4]
    assert said.endswith("None of them is among the priorities the assessment recommends.")


def test_missing_figures_give_fewer_reasons_not_invented_ones():
    paper = build_decision(load_decision_text(TEMPLATE), {"period": "2023/24",
                                                          "priorities": {"recommended": ["Robbery"]}})  # fmt: skip
    assert paper.reasons == (
        "The priority the assessment recommends from the evidence: Robbery.",
        "The priorities recommended for 2023/24 follow the evidence: Robbery.",
    )


def refused(tmp_path, old: str, new: str) -> str:
    """The error loading the template with ``old`` replaced by ``new``."""
    path = tmp_path / "d.yaml"
    path.write_text(TEMPLATE.read_text().replace(old, new), encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_decision_text(path)
    return str(err.value)


def test_a_typed_number_in_a_reason_is_refused(tmp_path):
    err = refused(tmp_path, "follow the evidence:", "fell by 520:")
    assert "reasons[0] types the number 520" in err
    assert "{total_crime.current}" in err


def test_an_unknown_placeholder_names_the_key():
    text = load_decision_text(TEMPLATE).model_copy(
        update={"reasons": ["See {total_crim.current}."]}
    )
    with pytest.raises(
        ParameterError, match=r"reasons\[0\]: \{total_crim.current\} is not a figure"
    ):
        build_decision(text, FIGURES, source="d.yaml")


def test_missing_recommendation_is_located(tmp_path):
    err = refused(tmp_path, "recommendations:", "recommendation:")
    assert "did you mean 'recommendations'" in err


def test_render_escapes_the_analysts_text():
    text = load_decision_text(TEMPLATE).model_copy(update={"issue": "<script>x</script> & co"})
    html = str(render(build_decision(text, FIGURES)))
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in html and "<script>" not in html
    assert "<h3>Alternatives considered and not recommended</h3>" in html
    assert "from 13,000 to 13,520" in html
