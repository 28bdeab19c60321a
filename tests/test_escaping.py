"""Escaping by construction: text from any input reaches a report as text, never markup.

Two layers:

* ``csplib.report.html`` is the one builder. Only it may mark a string as markup
  (``trusted``); every other module passes text, which the builders escape. A static
  check holds the report layer to that, and each builder is fed the hostile corpus.
* End to end: the synthetic sample with the hostile corpus written into the text fields
  of its inputs (the ONS lookup's partnership and force names, LSOA names in the lookup,
  population and police.uk files, police.uk locations, the Home Office table's CSP and
  force names, partner indicator names and sources, consultation comments, plan YAML
  text, the peer group's name and the area parameter) is ingested, and the real
  briefing and assessment notebooks run on it. Their HTML is parsed: no element or
  attribute the workbook does not make, no script, no ``javascript:`` URL, and the
  hostile strings are there as text. Where Chromium exists the pages are opened too:
  no dialog, no script run.

Not in the corpus: police.uk ``Crime type`` (a type outside the published list is
rejected at ingest, so it never reaches a report; tests/test_badinput.py covers that).
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csplib.report import html as h
from csplib.report.params import ReportParams

#: Hostile strings: script, attribute breakers, javascript: URLs, template syntax,
#: a style breaker, right-to-left and zero-width characters, a very long string.
CORPUS = [
    "Elms<script>alert(1)</script>wick",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "{{ 7*7 }} {% if 1 %}x{% endif %} ${7*7}",
    "</style><script>alert(1)</script>",
    "</textarea></title><svg onload=alert(1)>",
    "\u202eevil\u202c \u200b\u200d\ufeff",
    "<!-- x --><![CDATA[ y ]]>",
    "&lt;script&gt; already escaped &amp;",
    "<b>" * 2000 + "long",
]

#: Every element and attribute the workbook's own markup uses (html.py, the notebook
#: export and its template).
ALLOWED = {
    "html": {"lang"}, "head": set(), "meta": {"charset", "name", "content"},
    "title": set(), "style": set(), "body": set(), "main": set(), "footer": set(),
    "div": {"class", "role", "id"}, "p": {"class"}, "strong": set(), "h1": {"id"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "ul": set(), "li": set(), "table": set(),
    "caption": set(), "thead": set(), "tbody": set(), "tr": set(),
    "th": {"scope", "class"}, "td": {"class"}, "figure": set(), "figcaption": set(),
    "img": {"src", "alt"}, "a": {"class", "href"},
}  # fmt: skip


class _Markup(HTMLParser):
    """Elements, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> _Markup:
    p = _Markup()
    p.feed(markup)
    p.close()
    return p


def assert_only_workbook_markup(markup: str) -> str:
    """Fail on any element or attribute outside :data:`ALLOWED`, any script, any
    ``javascript:`` or non-image URL; return the page's text."""
    p = parse(markup)
    for tag, attrs in p.elements:
        assert tag in ALLOWED, f"element <{tag}> {attrs}"
        assert set(attrs) <= ALLOWED[tag], f"<{tag}> attributes {sorted(attrs)}"
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,"), attrs["src"][:80]
        if tag == "a":
            assert attrs.get("href", "#").startswith("#"), attrs
    return "".join(p.text)


# --- the builder --------------------------------------------------------------------


def test_only_the_builder_marks_strings_as_markup():
    """No module of the report layer but html.py calls trusted(), Html() or Markup()."""
    root = Path(__file__).resolve().parents[1] / "csplib"
    pattern = re.compile(r"\b(trusted|Html|Markup)\(")
    offenders = [
        f"{p.relative_to(root)}:{n}"
        for p in sorted(root.rglob("*.py"))
        if p.name != "html.py" or p.parent.name != "report"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("text", CORPUS)
def test_every_builder_escapes_text(text):
    import matplotlib.pyplot as plt

    frame = pd.DataFrame({text: [text, None], "n": ["1", text]})
    fig, _ = plt.subplots()
    parts = [
        h.heading(text, 1), h.paragraph(text, "subtitle"), h.bullet_list([text, text]),
        h.callout(text, "warning"), h.table(frame, text, numeric=["n"], row_header=text, note=text),
        h.figure(fig, text, text), h.esc(text), h.paragraph("x") + text,
        h.join([text, h.paragraph(text)]), h.element("p", text, class_=text),
    ]  # fmt: skip
    page = h.page(text, str(h.join(parts)), synthetic=True)
    shown = assert_only_workbook_markup(page)
    assert shown.count(text) >= 10
    assert all(tag != "script" for tag, _ in parse(page).elements)


def test_markup_the_workbook_makes_is_kept():
    inner = h.paragraph("a & b")
    assert str(h.callout("x") + inner).endswith("<p>a &amp; b</p>")
    assert str(h.element("div", inner, "<i>")) == "<div><p>a &amp; b</p>&lt;i&gt;</div>"


# --- end to end: hostile inputs through the real notebooks -------------------------------

AREA = "Synthchester"
#: Substring of the sample's text -> hostile text, applied to every text field of every
#: input file (so names still match across files: lookup, population, partner, plan).
REPLACE = {
    AREA: "Synth<script>alert(1)</script>chester",
    "Northvale": 'North"><img src=x onerror=alert(1)>vale',
    "Ambermoor": "Amber{{ 7*7 }}</style><script>alert(1)</script>moor",
    "On or near ": "On or near javascript:alert(1) <svg onload=alert(1)> \u202e\u200b",
    "(synthetic)": "(synthetic) <iframe src=javascript:alert(1)></iframe>",
    "Discarded": "Discarded <img src=x onerror=alert(1)>",
    "Annual refresh": "Annual refresh " + "<b>" * 500,
}
HOSTILE_AREA = REPLACE[AREA]
GROUP = 'msg"><script>alert(1)</script>'
COMMENT = "</textarea><script>alert(1)</script> \u202eevil"


def _swap(value):
    if isinstance(value, str):
        for old, new in REPLACE.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {_swap(k): _swap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v) for v in value]
    return value


def _rewrite_csv(src: Path, dst: Path, consultation: bool = False) -> None:
    encoding = "utf-8-sig" if src.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8"
    with open(src, newline="", encoding=encoding) as fh:
        rows = list(csv.reader(fh))
    rows = [rows[0], *([_swap(c) for c in r] for r in rows[1:])]
    if consultation:  # three of the area's respondents leave a hostile comment
        ours = [r for r in rows[1:] if r[2] == HOSTILE_AREA][:3]
        for r in ours:
            r[5] = COMMENT
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture(scope="module")
def hostile(sample_store, tmp_path_factory):
    """The sample with the hostile corpus in its text fields, ingested, and the
    briefing and assessment built from it by the real notebooks."""
    from csplib.ingest import ingest
    from csplib.paths import ROOT
    from csplib.report.run import run_report

    _, manifest = sample_store
    sample = Path(manifest["out_dir"])
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    for src in sample.rglob("*"):
        dst = raw / src.relative_to(sample)
        if src.suffix == ".csv":
            _rewrite_csv(src, dst, consultation=src.parent.name == "consultation")
        elif src.suffix == ".geojson":
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(json.dumps(_swap(json.loads(src.read_text(encoding="utf-8")))))
    report = ingest([raw], root / "store")
    assert report.ok, report.render()
    plan = yaml.safe_load((ROOT / "parameters" / "plan_synthchester.yaml").read_text("utf-8"))
    (root / "plan.yaml").write_text(yaml.safe_dump(_swap(plan), allow_unicode=True), "utf-8")
    members = [HOSTILE_AREA, REPLACE["Northvale"], REPLACE["Ambermoor"], "Brackenford"]
    groups = {"groups": {GROUP: {"name": GROUP, "description": CORPUS[1], "members": members}}}
    (root / "peers.yaml").write_text(yaml.safe_dump(groups, allow_unicode=True), "utf-8")
    common = {"area": HOSTILE_AREA, "store": str(root / "store")}
    briefing = ReportParams(report="quarterly_briefing", period="2024/25 Q2", peer_group=GROUP,
                            peer_groups_file=str(root / "peers.yaml"), **common)  # fmt: skip
    assessment = ReportParams(report="strategic_assessment", period="2023/24",
                              plan_file=str(root / "plan.yaml"), show_comments=True, **common)  # fmt: skip
    out = {}
    for name, params in (("briefing", briefing), ("assessment", assessment)):
        result = run_report(params, root / "reports")
        assert result.status == "ok"
        out[name] = result.out_dir / "report.html"
    return out


@pytest.mark.slow
@pytest.mark.parametrize("report", ["briefing", "assessment"])
def test_hostile_inputs_reach_the_report_only_as_text(hostile, report):
    page = hostile[report].read_text(encoding="utf-8")
    text = assert_only_workbook_markup(page)
    assert "<script" not in page.casefold()
    # The hostile strings are there, as text: the area in the title, the places named.
    kind = "quarterly crime briefing" if report == "briefing" else "strategic assessment"
    assert f"{HOSTILE_AREA} {kind}, " in text  # the one title pattern
    assert REPLACE["Northvale"] in text  # the county table
    if report == "briefing":
        assert GROUP in text and REPLACE["On or near "] in text  # peers, snap points
    else:
        assert COMMENT in text  # show_comments is set: printed, as text
        assert REPLACE["Discarded"] in text  # partner and plan indicator names
        assert "Annual refresh <b><b><b>" in text  # the plan revision's reason
        assert "Amber{{ 7*7 }}" in text and "Amber49" not in text  # no template ran


@pytest.mark.slow
@pytest.mark.parametrize("report", ["briefing", "assessment"])
def test_hostile_inputs_run_nothing_in_a_browser(hostile, report, tmp_path):
    from browser import find_browser, open_report

    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    page = open_report(hostile[report], tmp_path / "shot.png", browser)
    assert page["dialogs"] == []
    assert page["scripts"] == 0
    assert page["xss"] is False
    assert HOSTILE_AREA in page["text"]
