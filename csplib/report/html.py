"""HTML pieces for shared reports: escaped tables with captions, charts with alt text,
banners, and the self-contained page that wraps an exported notebook.

Everything that comes from data goes through ``html.escape``. Nothing here links to
anything outside the page: styles are inline and images are embedded as data URIs, so
a report opens on a locked-down machine with no network.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence

import pandas as pd

LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."
SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: this report was built from the workbook's invented sample data. "
    "The places, codes and figures are not real and must not be used for decisions."
)


class Html:
    """A fragment of HTML that Jupyter displays as HTML (and nbconvert keeps as is)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __add__(self, other: Html) -> Html:
        return Html(self.markup + other.markup)


def esc(value: object) -> str:
    """Text for HTML, escaped (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def join(parts: Iterable[Html]) -> Html:
    return Html("".join(p.markup for p in parts))


def heading(text: str, level: int = 2) -> Html:
    return Html(f"<h{level}>{esc(text)}</h{level}>")


def paragraph(text: str, cls: str | None = None) -> Html:
    attr = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<p{attr}>{esc(text)}</p>")


def bullet_list(items: Sequence[str]) -> Html:
    return Html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def callout(text: str, kind: str = "note") -> Html:
    """A boxed note: kind 'note', 'warning' or 'synthetic' (role=note for screen readers)."""
    return Html(f'<div class="callout {esc(kind)}" role="note"><p>{esc(text)}</p></div>')


def synthetic_banner() -> Html:
    return Html(
        f'<div class="banner synthetic" role="alert"><strong>{esc(SYNTHETIC_NOTICE)}</strong></div>'
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
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if c in numeric else ""}>{esc(c)}</th>' for c in cols)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            text = "" if v is None or (isinstance(v, float) and v != v) else esc(v)
            cls = ' class="num"' if c in numeric else ""
            if c == row_header:
                cells.append(f'<th scope="row"{cls}>{text}</th>')
            else:
                cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    foot = f'<p class="table-note">{esc(note)}</p>' if note else ""
    return Html(
        f'<div class="table-wrap"><table><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{foot}</div>"
    )


def figure(fig, alt: str, caption: str) -> Html:
    """A matplotlib figure embedded as PNG, with alt text and a visible caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Html(
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


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
         vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-note { font-size: 0.85rem; color: var(--muted); margin-top: 0.2rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: var(--muted); }
footer { border-top: 1px solid var(--rule); margin-top: 3rem; padding-top: 0.5rem;
         font-size: 0.85rem; color: var(--muted); }
a { color: var(--accent); }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; }
  table, figure { page-break-inside: avoid; }
  .banner.synthetic { border: 3px solid #000; color: #000; background: #fff; }
  .table-wrap { overflow: visible; }
}
"""


def page(title: str, body: str, *, synthetic: bool, lang: str = "en-GB") -> str:
    """The whole report page: one <main>, inline styles, a footer with the licence.

    A report from synthetic data gets the banner at the top unless its body already
    opens with it (the notebook's title section shows it too)."""
    # nbconvert re-serialises the notebook's HTML (quotes unescaped), so look for the
    # banner's class rather than its exact markup.
    has_banner = 'class="banner synthetic"' in body
    banner = synthetic_banner().markup if synthetic and not has_banner else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<main>\n{banner}{body}\n<footer><p>{esc(LICENCE)}</p>"
        f"<p>Produced with CSP Workbook.</p></footer>\n</main>\n</body>\n</html>\n"
    )
