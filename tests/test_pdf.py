"""Print-ready PDF: A4 pages with page numbers, extractable text carrying the figures,
headings kept with their tables and no table row split across pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from csplib import pdf as pdf_module
from csplib.errors import CspError
from csplib.pdf import find_browser, print_pdf
from csplib.report import html as h

pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDFs back")
needs_browser = pytest.mark.skipif(
    find_browser() is None, reason="no Chromium on this machine (.ci/run installs it)"
)


def pages_text(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


@needs_browser
def test_long_table_prints_on_numbered_a4_pages(tmp_path):
    rows = pd.DataFrame(
        {"Area": [f"District {i:03d}" for i in range(150)],
         "Crimes": [f"{10_000 + 7 * i:,}" for i in range(150)]}
    )  # fmt: skip
    body = h.join([
        h.heading("Summary"), h.paragraph("Recorded crime rose 4.0%, from 13,000 to 13,520."),
        h.heading("Crimes by district"), h.table(rows, "Crimes by district", numeric=["Crimes"]),
    ])  # fmt: skip
    page = tmp_path / "report.html"
    page.write_text(h.page("Test report", str(body), synthetic=False), encoding="utf-8")
    out = print_pdf(page, tmp_path / "report.pdf", title="Strategic assessment: Testford")
    reader = pypdf.PdfReader(out)
    n = len(reader.pages)
    assert n > 1
    # A4 is 210 x 297 mm: 595 x 842 points.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    texts = pages_text(out)
    assert "from 13,000 to 13,520" in texts[0]
    for k, text in enumerate(texts, start=1):
        assert f"Page {k} of {n}" in text
        assert "Strategic assessment: Testford" in text
    # Every row whole on one page: its name and its count together (none clipped or split).
    for i in range(150):
        row = f"District {i:03d} {10_000 + 7 * i:,}"
        assert sum(row in t for t in texts) == 1, row
    # The heading is on the page where its table starts.
    first = next(k for k, t in enumerate(texts) if "District 000" in t)
    assert "Crimes by district" in texts[first].split("District 000")[0]


def test_no_browser_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "find_browser", lambda: None)
    page = tmp_path / "r.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(CspError) as err:
        print_pdf(page, tmp_path / "r.pdf")
    assert "writing PDF needs Chromium" in str(err.value)
    assert "apt-get install chromium" in str(err.value)


def test_csp_chromium_pointing_nowhere_is_no_browser(monkeypatch):
    monkeypatch.setenv("CSP_CHROMIUM", "/nonexistent/chromium")
    assert find_browser() is None


@needs_browser
@pytest.mark.slow
def test_briefing_pdf_carries_the_headline_figures(sample_store, tmp_path):
    from csplib.cli import main

    store, manifest = sample_store
    rc = main(["briefing", "--area", manifest["main_partnership"], "--quarter",
               manifest["latest_complete_quarter"], "--store", str(store),
               "--out", str(tmp_path), "--pdf"])  # fmt: skip
    assert rc == 0
    folder = next(tmp_path.rglob("report.pdf")).parent
    figures = json.loads((folder / "figures.json").read_text())
    texts = pages_text(folder / "report.pdf")
    text = re.sub(r"\s+", " ", " ".join(texts))
    total = figures["total_crime"]
    assert f"{total['current']:,}" in text and f"{total['previous']:,}" in text
    assert f"Page 1 of {len(texts)}" in texts[0]
    assert "SYNTHETIC DATA" in text
