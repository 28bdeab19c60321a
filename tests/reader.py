"""Read a report as a board member does: its visible text, split into the body and the
methods note, its tables and its alt text; and list what a reader must never meet.

The rules (issue "Reports a board can trust"): plain English in the body (no p-values,
no method names, no code names, no peer-group ids, no ISO months in prose, no area
codes), no force ids or file paths anywhere (names instead), summary
sentences of at most 30 words, no share of a change outside -100..100%. Method names and
p-values belong in the methods note: the part of the report from the first level-2
heading that starts with "Methods" or "Sources and methods" to the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from csplib.schema import FORCES

#: Words a board member would have to look up: allowed only in the methods note.
METHOD_WORDS = (
    "Benjamini", "Hochberg", "Byar", "Gi*", "Getis", "XmR", "Poisson", "Wilson",
    "Spiegelhalter", "chi-squared", "z-score", "Z =", "p-value", "sigma", "Mann-Kendall",
)  # fmt: skip
#: Text that is never right anywhere in a shared report: a p-value written two ways at
#: once ("p = < 0.001"), double brackets, Python's words for nothing.
NEVER = ("p = 0.000", "p=0.000", "csplib.", "nan%", "NaN", "None", "= <", "((", ".).")
P_VALUE = re.compile(r"\bp\s*[=<>]\s*0?\.\d")
ISO_MONTH = re.compile(r"\b(19|20)\d{2}-(0[1-9]|1[0-2])\b")
CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z0-9]+(?:-[a-z0-9]+)*-msg\b")
#: A force's id ("city-of-london", "synthshire"), where its name belongs ("metropolitan"
#: left out: it is also an English word).
FORCE_ID = re.compile(
    r"\b(?:" + "|".join(sorted((re.escape(f) for f in FORCES if f != "metropolitan"),
                               key=len, reverse=True)) + r")\b(?![-\w])"
)  # fmt: skip
#: A file's path (the plan's register, a parameter file), where the plan's name belongs.
FILE_PATH = re.compile(r"[\w./-]+\.(?:ya?ml|csv|json|parquet)\b")
#: An ONS or synthetic area code ("E01032739", "X01000281") standing in for a name: a
#: place is named, its code only in brackets after the name, so the row can be found again
#: ("High Street ward, Maidstone (E01024001)").
AREA_CODE = re.compile(r"(?<!\()\b[EWSX]\d{8}\b")
#: Python's not-a-number as a word.
NAN_WORD = re.compile(r"\bnan\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "div", "caption", "figcaption", "br", "tr", "table"}


@dataclass
class Table:
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Report:
    """The visible text of a report, split where the methods note begins."""

    body: str
    methods: str
    summary: str
    tables: list[Table]
    alts: list[str]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[tuple[str, str]] = []  # (where, text) where = body/methods/summary
        self.where = "body"
        self.heading: list[str] | None = None
        self.tables: list[Table] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.in_caption = False
        self.in_thead = False
        self.alts: list[str] = []
        self.row_th = False

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        if tag == "img":
            alt = dict(attrs).get("alt") or ""
            self.alts.append(alt)
            self.parts.append((self.where, "\n" + alt + "\n"))
        if tag == "h2":
            self.heading = []
        if tag == "table":
            self.tables.append(Table())
        if tag == "caption":
            self.in_caption = True
        if tag == "thead":
            self.in_thead = True
        if tag == "tr":
            self.row = []
            self.row_th = True
        if tag in ("td", "th"):
            self.cell = []
            self.row_th = self.row_th and tag == "th"
            self.parts.append((self.where, " | "))
        if tag in BLOCKS:
            self.parts.append((self.where, "\n"))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
        if tag == "h2" and self.heading is not None:
            text = "".join(self.heading).strip()
            if self.where != "methods":
                if text.startswith(("Methods", "Sources and methods")):
                    self.where = "methods"
                elif text == "Summary":
                    self.where = "summary"
                else:
                    self.where = "body"
            self.heading = None
        if tag == "caption":
            self.in_caption = False
        if tag == "thead":
            self.in_thead = False
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        if tag == "tr" and self.row is not None and self.tables:
            t = self.tables[-1]
            if self.in_thead or (not t.header and not t.rows and self.row_th):
                t.header = self.row
            else:
                t.rows.append(self.row)
            self.row = None
        if tag in BLOCKS:
            self.parts.append((self.where, "\n"))

    def handle_data(self, data):
        if self.skip:
            return
        if self.heading is not None:
            self.heading.append(data)
        if self.in_caption and self.tables:
            self.tables[-1].caption += data
        if self.cell is not None:
            self.cell.append(data)
        self.parts.append((self.where, data))


def read_report(path: str | Path) -> Report:
    """Parse ``report.html`` into the body, the summary, the methods note, tables and
    alt text."""
    r = _Reader()
    r.feed(Path(path).read_text(encoding="utf-8"))

    def text(*where: str) -> str:
        raw = "".join(t for w, t in r.parts if w in where)
        return re.sub(r"\n\s*\n+", "\n", raw)

    return Report(
        body=text("body", "summary"),
        methods=text("methods"),
        summary=text("summary"),
        tables=r.tables,
        alts=r.alts,
    )


def _lines_with(text: str, pattern: re.Pattern | str) -> list[str]:
    out = []
    for line in text.splitlines():
        hit = pattern.search(line) if isinstance(pattern, re.Pattern) else pattern in line
        if hit:
            out.append(line.strip()[:200])
    return out


def plain_english_problems(report: Report) -> list[str]:
    """Everything in the body (not the methods note) that breaks the plain-English rules,
    one line each; an empty list when there is none."""
    problems = []
    for word in METHOD_WORDS:
        problems += [f"method word {word!r}: {x}" for x in _lines_with(report.body, word)]
    for bad in NEVER:
        problems += [f"never {bad!r}: {x}" for x in _lines_with(report.body, bad)]
        problems += [f"never {bad!r}: {x}" for x in _lines_with(report.methods, bad)]
    problems += [f"p-value in the body: {x}" for x in _lines_with(report.body, P_VALUE)]
    problems += [f"ISO month: {x}" for x in _lines_with(report.body, ISO_MONTH)]
    problems += [f"code name: {x}" for x in _lines_with(report.body, CODE_NAME)]
    problems += [f"area code: {x}" for x in _lines_with(report.body, AREA_CODE)]
    for text in (report.body, report.methods):
        problems += [f"force id: {x}" for x in _lines_with(text, FORCE_ID)]
        problems += [f"file path: {x}" for x in _lines_with(text, FILE_PATH)]
        problems += [f"nan: {x}" for x in _lines_with(text, NAN_WORD)]
    return problems


def long_summary_sentences(report: Report, most: int = 30) -> list[str]:
    """Sentences of the summary's prose (not its tables) longer than ``most`` words."""
    prose = "\n".join(line for line in report.summary.splitlines() if "|" not in line)
    sentences = [s for chunk in prose.splitlines() for s in SENTENCE_END.split(chunk)]
    return [s for s in sentences if len(s.split()) > most]


def share_problems(report: Report) -> list[str]:
    """Cells of any column headed "share ..." whose percentage leaves -100..100."""
    out = []
    for t in report.tables:
        for i, head in enumerate(t.header):
            if "share" not in head.lower():
                continue
            for row in t.rows:
                if i < len(row):
                    m = re.fullmatch(r"([+-−]?[\d,.]+)%", row[i].replace("−", "-"))
                    if m and abs(float(m.group(1).replace(",", ""))) > 100:
                        out.append(f"{t.caption.strip()}: {head} = {row[i]}")
    return out


def page_titles(path: str | Path) -> tuple[str, list[str]]:
    """(the page's <title>, the text of every <h1>) of a report, entities decoded."""
    import html

    text = Path(path).read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", text, re.S)

    def plain(x: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", x)).split())

    return (plain(title[1]) if title else ""), [plain(x) for x in h1s]
