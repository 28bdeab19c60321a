"""The explorer's exports: the current view's table (CSV and Excel, suppressed as shown)
and chart (PNG), and the ``csp`` command that builds the matching report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from csplib import paths
from csplib.periods import parse_period
from csplib.report import html as h
from csplib.report.explore.options import Selection, fquarter_of
from csplib.safecsv import safe_frame, write_csv

if TYPE_CHECKING:
    from csplib.report.explore.explorer import Explorer


def briefing_command(ex: Explorer, sel: Selection) -> str:
    """The ``csp`` command that builds the report matching ``sel``."""
    sel = ex.check(sel)
    p = sel.parsed()
    a = ex._area(sel.area)
    gid = ex.peer_group(a)[0]
    peer = f" --peer-group {gid}" if gid else ""
    if p.kind == "fyear":
        return f'csp assessment --area "{sel.area}" --year "{p.label}"'
    if p.kind == "fquarter":
        return f'csp briefing --area "{sel.area}" --quarter "{p.label}"{peer}'
    # Briefings are quarterly: the financial quarter holding the period's last month.
    q = parse_period(fquarter_of(p.end))
    return f'csp briefing --area "{sel.area}" --quarter "{q.label}"{peer}'


def export(ex: Explorer, sel: Selection, folder: str | Path | None = None) -> dict[str, Path]:
    """Write the current view's table (CSV through :mod:`csplib.safecsv` and Excel,
    suppressed as shown) and chart (PNG labelled with the licence, and the
    synthetic-data notice when it applies) to ``folder`` (default
    ``reports/explore/<area>-<period>-<view>``); also ``command.txt``. Returns the
    paths written."""
    sel = ex.check(sel)
    result = ex.view(sel)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{sel.area}-{sel.period}-{sel.view}").strip("-")
    out = Path(folder) if folder else paths.ROOT / "reports" / "explore" / slug.lower()
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if result.table is not None:
        write_csv(out / "table.csv", result.table)
        written["csv"] = out / "table.csv"
        about = pd.DataFrame({"About this table": [
            result.table_title, f"Counts of 1-{ex.threshold - 1} are shown as "
            f"<{ex.threshold}.", h.LICENCE,
            *([h.SYNTHETIC_NOTICE] if ex.synthetic else []),
        ]})  # fmt: skip
        with pd.ExcelWriter(out / "table.xlsx", engine="openpyxl") as xl:
            safe_frame(result.table).to_excel(xl, sheet_name="Table", index=False)
            safe_frame(about).to_excel(xl, sheet_name="About", index=False)
        written["xlsx"] = out / "table.xlsx"
    if result.chart is not None:
        import matplotlib.pyplot as plt

        fig, _ = result.chart()
        labels = [h.LICENCE] + ([h.SYNTHETIC_NOTICE] if ex.synthetic else [])
        fig.text(0.01, 0.005, "\n".join(labels), fontsize=7, va="bottom", ha="left",
                 color="#7a0019" if ex.synthetic else "#4a4a4a", wrap=True)  # fmt: skip
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set"):  # the house theme's layout
            engine.set(rect=(0, 0.12, 1, 0.88))  # leave the labels their strip
        else:
            fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, 0.22))
        fig.savefig(out / "chart.png", dpi=110)
        plt.close(fig)
        written["png"] = out / "chart.png"
    (out / "command.txt").write_text(ex.briefing_command(sel) + "\n", encoding="utf-8")
    written["command"] = out / "command.txt"
    return written
