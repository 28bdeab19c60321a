"""The one way text meets HTML in the reports: escaped tables with captions, charts with
alt text, banners, and the self-contained page that wraps an exported notebook.

:class:`Html` is a :class:`markupsafe.Markup`: adding a plain string to it, or formatting
one into it, escapes the string (quotes included). Every builder here takes plain text
and escapes it; a builder that takes children keeps :class:`Html` children as they are.
The only way to mark a string as markup without escaping it is :func:`trusted`, for
markup the workbook itself makes (the element builders below and the notebook export);
``tests/test_escaping.py`` checks no other module calls it.

Nothing here links to anything outside the page: styles are inline and images are
embedded as data URIs, so a report opens on a locked-down machine with no network.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd
from markupsafe import Markup

LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."
SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: this report was built from the workbook's invented sample data. "
    "The places, codes and figures are not real and must not be used for decisions."
)


class Html(Markup):
    """A fragment of HTML that Jupyter displays as HTML (and nbconvert keeps as is).

    Built only by the functions of this module. ``Html + "text"`` escapes the text."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: object) -> Html:
        """Escape ``s`` as the standard library does (``&``, ``<``, ``>``, ``"``, ``'``);
        markup (anything with ``__html__``) is kept."""
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(html.escape("" if s is None else str(s), quote=True))

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # the plain-text view of an output: short, not the markup
        return f"<Html fragment, {len(self):,} characters>"

    @property
    def markup(self) -> str:
        return str(self)


def trusted(markup: str) -> Html:
    """Markup the workbook made itself, kept as is. Never pass text from data here."""
    return Html(markup)


def esc(value: object) -> Html:
    """Text for HTML, escaped (quotes included)."""
    return Html.escape(value)


def element(tag: str, *children: object, **attrs: object) -> Html:
    """``<tag attrs>children</tag>``: text children and attribute values are escaped,
    :class:`Html` children kept. ``class_`` gives ``class``; a ``None`` attribute is left
    out. ``tag`` and attribute names are the workbook's own, never data."""
    attr = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None
    )
    inner = "".join(str(esc(c)) for c in children)
    return trusted(f"<{tag}{attr}>{inner}</{tag}>")


def join(parts: Iterable[object]) -> Html:
    """Fragments one after another (plain strings among them escaped)."""
    return Html("").join(parts)


def heading(text: str, level: int = 2) -> Html:
    return element(f"h{int(level)}", text)


def paragraph(text: str, cls: str | None = None) -> Html:
    return element("p", text, class_=cls)


def bullet_list(items: Sequence[str]) -> Html:
    return element("ul", *(element("li", i) for i in items))


def callout(text: str, kind: str = "note") -> Html:
    """A boxed note: kind 'note', 'warning' or 'synthetic' (role=note for screen readers)."""
    return element("div", element("p", text), class_=f"callout {kind}", role="note")


def synthetic_banner() -> Html:
    return element(
        "div", element("strong", SYNTHETIC_NOTICE), class_="banner synthetic", role="alert"
    )


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def fmt_int(x: object) -> str:
    if _missing(x):
        return ""
    try:
        return f"{int(x):,}"
    except (TypeError, ValueError):
        return str(x)


def fmt_signed(x: object, digits: int = 0) -> str:
    if _missing(x):
        return ""
    return f"{float(x):+,.{digits}f}"


def fmt_pct(x: object, digits: int = 1) -> str:
    if _missing(x):
        return "n/a"
    return f"{float(x):+.{digits}f}%"


def fmt_display(value: str) -> str:
    """A suppressed display string with thousands separators on plain counts."""
    return f"{int(value):,}" if value.isdigit() else value


def fmt_month(month: str) -> str:
    """'2024-07' -> 'Jul 2024'."""
    return pd.Period(month, freq="M").strftime("%b %Y")


def fmt_float(x: object, digits: int = 2) -> str:
    if _missing(x):
        return ""
    return f"{float(x):,.{digits}f}"


def table(
    frame: pd.DataFrame,
    caption: str,
    *,
    numeric: Sequence[str] = (),
    row_header: str | None = None,
    note: str | None = None,
) -> Html:
    """An accessible table: a caption, column headers with scope, every cell escaped.

    ``frame`` should hold display strings already (formatted and suppressed);
    ``numeric`` columns are right-aligned; ``row_header`` names the column whose cells
    are row headers.
    """
    cols = list(frame.columns)

    def cls(c: object) -> str | None:
        return "num" if c in numeric else None

    head = [element("th", c, scope="col", class_=cls(c)) for c in cols]
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            text = "" if v is None or (isinstance(v, float) and v != v) else v
            if c == row_header:
                cells.append(element("th", text, scope="row", class_=cls(c)))
            else:
                cells.append(element("td", text, class_=cls(c)))
        rows.append(element("tr", *cells))
    foot = element("p", note, class_="table-note") if note else ""
    grid = element(
        "table",
        element("caption", caption),
        element("thead", element("tr", *head)),
        element("tbody", *rows),
    )
    return element("div", grid, foot, class_="table-wrap")


def figure(fig, alt: str, caption: str) -> Html:
    """A matplotlib figure embedded as PNG, with alt text and a visible caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    img = trusted(f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">')
    return element("figure", img, element("figcaption", caption))


CSS = """
:root { --ink: #1b1b1b; --muted: #4a4a4a; --rule: #b8b8b8; --accent: #00405f;
        --warn-bg: #fff4ce; --warn-ink: #4a3b00; --syn-bg: #7a0019; }
html { font-size: 16px; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: var(--ink);
       background: #ffffff; line-height: 1.5; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { color: var(--accent); font-size: 2rem; margin: 0.5rem 0 0.25rem; }
h2 { color: var(--accent); font-size: 1.45rem; border-bottom: 2px solid var(--accent);
     padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.15rem; margin-top: 1.5rem; }
p, li { max-width: 48rem; }
.subtitle { color: var(--muted); font-size: 1.05rem; margin-top: 0; }
.headline { font-size: 1.15rem; font-weight: 600; }
.banner.synthetic { background: var(--syn-bg); color: #ffffff; padding: 0.75rem 1rem;
                    margin: 0 0 1rem; border-radius: 4px; }
.callout { border-left: 6px solid var(--accent); background: #eef4f8; padding: 0.5rem 1rem;
           margin: 1rem 0; }
.callout.warning { border-left-color: #8a6d00; background: var(--warn-bg); color: var(--warn-ink); }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.95rem; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; color: var(--ink); }
th, td { border-bottom: 1px solid var(--rule); padding: 0.3rem 0.6rem; text-align: left;
         vertical-align: top; overflow-wrap: break-word; hyphens: auto; }
thead th { border-bottom: 2px solid var(--ink); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-note { font-size: 0.85rem; color: var(--muted); margin-top: 0.2rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: var(--muted); }
footer { border-top: 1px solid var(--rule); margin-top: 3rem; padding-top: 0.5rem;
         font-size: 0.85rem; color: var(--muted); }
a { color: var(--accent); }
/* Narrow screens and A4 (794 px): wide tables (the consultation's ten columns, the action
   plan's long names) wrap their text in a smaller font rather than run off the page (a
   number has no space in it, so a figure is never broken). */
@media screen and (max-width: 62rem) {
  main { padding: 1rem 0.75rem 3rem; }
  table { font-size: 0.85rem; }
  th, td { padding: 0.25rem 0.35rem; }
}
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  table { font-size: 8.5pt; }
  th, td { padding: 2pt 4pt; }
  h2 { page-break-after: avoid; }
  table, figure { page-break-inside: avoid; }
  .banner.synthetic { border: 3px solid #000; color: #000; background: #fff; }
  .table-wrap { overflow: visible; }
}
"""


def page(
    title: str, body: str, *, synthetic: bool, lang: str = "en-GB", produced: date | None = None
) -> str:
    """The whole report page: one <main>, inline styles, a footer with the licence and,
    once, the day it was produced (``produced``, default today: "3 December 2026").

    ``body`` is the exported notebook (markup the workbook made, its data escaped by the
    builders above). A report from synthetic data gets the banner at the top unless its
    body already opens with it (the notebook's title section shows it too)."""
    # nbconvert re-serialises the notebook's HTML (quotes unescaped), so look for the
    # banner's class rather than its exact markup.
    has_banner = 'class="banner synthetic"' in body
    banner = synthetic_banner() if synthetic and not has_banner else ""
    day = produced or date.today()
    footer = element(
        "footer",
        element("p", LICENCE),
        element("p", f"Produced {day.day} {day:%B %Y} with CSP Workbook."),
    )
    return str(
        trusted(
            '<!DOCTYPE html>\n<html lang="{}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n"
            "<main>\n{}{}\n{}\n</main>\n</body>\n</html>\n"
        ).format(lang, title, trusted(CSS), banner, trusted(body), footer)
    )
