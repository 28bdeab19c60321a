"""Safe sharing: what a report built from hostile or small-number data must never publish.

A small store is built from hand-made files (``tests/badinput/stores.py``): a Location
holding ``<script>`` and an ``<img onerror>``, an LSOA name and a partnership name with
markup, and offence groups, LSOAs and snap points with 1 to 4 crimes in the quarter.
Then the real quarterly briefing notebook runs on it and its outputs are read back:

* every string from the data reaches the HTML as text, never as markup (checked in the
  file and in a headless browser);
* no count of 1-4 can be read or worked out from any table, chart label or the
  ``figures.json`` beside the report;
* YAML files are read with the safe loader only.

Exempt from suppression, by design: totals for a whole partnership or force in a
quarter (total crime, ASB, victim-based and non-victim-based only where both are 5 or
more, peer and county rows, rates per 1,000): they are published in police.uk's own
totals and are never small in practice; and the data-quality notes (rows without a
location, rows outside the force's area), which count rows of the whole force, not
crimes in a place or category.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from badinput import stores

from csplib.errors import ParameterError
from csplib.report.params import ReportParams
from csplib.report.run import run_report

pytestmark = pytest.mark.slow

THRESHOLD = 5


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The quarterly briefing of Alpha for 2024/25 Q1, with a peer group and a map."""
    root = tmp_path_factory.mktemp("sharing")
    store = stores.report_store(root)
    peers = stores.write_peer_groups(root / "peers.yaml")
    params = ReportParams(area="Alpha", period=stores.QUARTER, store=str(store),
                          peer_group="test-msg", peer_groups_file=str(peers))  # fmt: skip
    result = run_report(params, root / "reports")
    assert result.status == "ok"
    html = (result.out_dir / "report.html").read_text(encoding="utf-8")
    figures = json.loads((result.out_dir / "figures.json").read_text(encoding="utf-8"))
    return result, html, figures


# --- (a) strings from the data are text, never markup ----------------------------------


def test_data_strings_are_escaped_in_the_html(report):
    _, html, _ = report
    for raw in (stores.XSS_SCRIPT, stores.XSS_IMG, stores.BOLD_LSOA_NAME, stores.ODD_CSP):
        assert raw not in html
    assert "<script" not in html.casefold() and "<img src=x" not in html
    assert "On or near &lt;script&gt;window.__xss=true&lt;/script&gt;" in html
    # nbconvert re-serialises the output: quotes in text may come back unescaped.
    assert re.search(r'On or near &lt;img src=x onerror=(&quot;|")window.__xss=true\1&gt;', html)
    assert "Alpha &lt;b&gt;001B&lt;/b&gt;" in html
    assert "Beta &amp; &lt;u&gt;Gamma&lt;/u&gt;" in html


def test_browser_shows_the_markup_as_text_and_runs_nothing(report, tmp_path):
    from browser import find_browser, open_report

    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    result, _, _ = report
    page = open_report(result.out_dir / "report.html", tmp_path / "shot.png", browser)
    assert page["xss"] is False
    assert page["scripts"] == 0
    assert page["console_errors"] == []
    text = page["text"]
    assert f"On or near {stores.XSS_SCRIPT}" in text
    assert f"On or near {stores.XSS_IMG}" in text
    assert stores.BOLD_LSOA_NAME in text and stores.ODD_CSP in text


# --- (b) small numbers cannot be read or worked out ------------------------------------


class _Tables(HTMLParser):
    """Every table (caption, header, rows of cell text) and every image's alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.alts: list[str] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "lines": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th", "caption"):
            self._text = []
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption") and self._text is not None:
            text = "".join(self._text).strip()
            if tag == "caption":
                self.tables[-1]["caption"] = text
            elif self._row is not None:
                self._row.append(text)
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["lines"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    for t in p.tables:
        t["header"], t["rows"] = t["lines"][0], t["lines"][1:]
    return p


def _table(tables: _Tables, caption_start: str) -> dict:
    hits = [t for t in tables.tables if t["caption"].startswith(caption_start)]
    assert len(hits) == 1, [t["caption"] for t in tables.tables]
    return hits[0]


def _number(cell: str) -> int | None:
    text = cell.replace(",", "")
    return int(text) if text.isdigit() else None


HIDDEN = {"<5": (1, THRESHOLD - 1), "[c]": (THRESHOLD, 10**9)}
DERIVED = ("Change", "Change %", "Per day", "Share of total change", "Is it real?",
           "Share of the area's crime", "Rate per 1,000", "Crimes per 1,000 residents")  # fmt: skip


def _pinned(cells: list[str], total: int) -> list[int]:
    """Hidden cells whose value the shown cells and the published total pin down (each
    '<5' holds 1-4, each '[c]' 5 or more, the cells add up to ``total``)."""
    shown = sum(_number(c) or 0 for c in cells if c not in HIDDEN)
    hidden = [i for i, c in enumerate(cells) if c in HIDDEN]
    rest = total - shown
    pinned = []
    for i in hidden:
        others = [HIDDEN[cells[j]] for j in hidden if j != i]
        lo = max(HIDDEN[cells[i]][0], rest - sum(hi for _, hi in others))
        hi = min(HIDDEN[cells[i]][1], rest - sum(lo for lo, _ in others))
        if lo == hi:
            pinned.append(i)
    return pinned


def _check_rows(table: dict, count_columns: list[str]) -> None:
    """No shown count of 1-4; in a row with a hidden count every derived figure is hidden."""
    header = table["header"]
    for row in table["rows"]:
        cells = dict(zip(header, row, strict=True))
        for col in count_columns:
            n = _number(cells[col])
            assert n is None or not 0 < n < THRESHOLD, (table["caption"], row)
        if any(cells[c] in HIDDEN for c in count_columns):
            for col in DERIVED:
                if col in cells:
                    assert cells[col] in ("[c]", "", "n/a"), (table["caption"], col, row)


def test_small_counts_cannot_be_read_or_worked_out_from_the_html(report):
    _result, html, _figures = report
    tables = parse(html)
    cur, prev = "2024/25 Q1", "2023/24 Q1"

    # A partnership's offence-group and class counts are published by ONS and the Home
    # Office (docs/disclosure.md): the one disclosure policy shows them in full, small
    # ones included, in the table exactly as figures.json carries them.
    figures = report[2]
    summary = _table(tables, "Crime and ASB in Alpha")
    rows = {r[0]: dict(zip(summary["header"], r, strict=True)) for r in summary["rows"]}
    total = rows["Total recorded crime (excluding ASB)"]
    nvb = rows["Non-victim-based crime (other crimes against society)"]
    assert nvb[cur] == f"{figures['non_victim_based']['current']:,}"

    groups = _table(tables, "Offence groups")
    body = {r[0]: dict(zip(groups["header"], r, strict=True)) for r in groups["rows"]}
    assert {"Robbery", "Drug offences"} <= set(body)
    for g in figures["by_group"]:
        assert body[g["group"]][cur] == f"{g['current']:,}", g
        assert body[g["group"]][prev] == f"{g['previous']:,}", g

    # The LSOA and snap point tables list every place with crime here (fewer than ten):
    # with the area's total published above, their cells add up to it.
    area_total = _number(total[cur])
    for caption in ("Neighbourhoods (LSOAs) with the most crime", "Repeat locations"):
        t = _table(tables, caption)
        _check_rows(t, ["Crimes"])
        assert len(t["rows"]) < 10
        crimes = [dict(zip(t["header"], r, strict=True))["Crimes"] for r in t["rows"]]
        assert any(c in HIDDEN for c in crimes), "the test data has small places"
        assert not _pinned(crimes, area_total), (caption, crimes)
    by_rate = _table(tables, "Neighbourhoods with the highest crime rate")
    _check_rows(by_rate, ["Crimes"])
    assert all(r[2] not in HIDDEN for r in by_rate["rows"])  # a rate would reveal it

    _check_rows(_table(tables, "Every partnership in"), ["Crimes"])

    # Chart labels: the map's alt text gives no small-area count of 1-4.
    shown_map = next(a for a in tables.alts if a.startswith("Map of"))
    counts = (
        re.search(r"The highest counts are in .*? \(([^)]*)\)\.", shown_map).group(1).split(", ")
    )
    assert all(c in HIDDEN or (_number(c) or 0) >= THRESHOLD for c in counts), shown_map


def test_figures_json_takes_the_report_policy(report):
    """figures.json is shared too, under the same policy as the HTML: a partnership's
    offence groups (Robbery 1/3, Drug offences 2/0) are published counts, shown as they
    are, and the policy is written into the file."""
    _, _, figures = report
    robbery = next(g for g in figures["by_group"] if g["group"] == "Robbery")
    assert (robbery["current"], robbery["previous"]) == (1, 3)
    assert "ONS and the Home Office already publish them" in figures["suppression"]["rule"]


def test_figures_json_exempt_fields_are_area_totals(report):
    """What figures.json may carry unsuppressed: whole-area totals and rates."""
    _, _, figures = report
    assert figures["total_crime"]["current"] >= THRESHOLD
    assert figures["asb"]["current"] >= THRESHOLD
    assert figures["rate_per_1000"]["population"] == stores.LAD_POPULATION["X07000001"]
    assert figures["drivers"] == ""  # no significant change: no group named


# --- (c) YAML is read safely -----------------------------------------------------------

EVIL = "!!python/object/apply:os.system ['touch {flag}']"


def test_parameter_peer_group_and_plan_files_refuse_python_tags(tmp_path):
    from csplib.plan import load_plan
    from csplib.report.params import load_params, load_peer_group

    flag = tmp_path / "pwned"
    evil = EVIL.format(flag=flag)
    params = tmp_path / "params.yaml"
    params.write_text(f"area: {evil}\nperiod: 2024/25 Q1\n")
    peers = tmp_path / "peers.yaml"
    peers.write_text(f"groups:\n  g:\n    members: [{evil}, B]\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"name: {evil}\n")
    for load, path in ((load_params, params), (lambda p: load_peer_group(p, "g"), peers),
                       (load_plan, plan)):  # fmt: skip
        with pytest.raises(ParameterError) as info:
            load(path)
        assert path.name in str(info.value)
    assert not flag.exists()


def test_the_library_only_uses_the_safe_yaml_loader():
    root = Path(__file__).resolve().parent.parent / "csplib"
    unsafe = re.compile(r"yaml\.(load|load_all|full_load|unsafe_load|compose)\s*\(")
    for path in root.rglob("*.py"):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if unsafe.search(line):
                assert "SafeLoader" in line, f"{path}:{i}: {line.strip()}"
