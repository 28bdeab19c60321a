"""The explorer's controls in JupyterLab: ipywidgets dropdowns over a live view, their
callbacks, an export button, a note that shows itself when the kernel restarts, and
:func:`start`, what the notebook calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csplib.errors import CspError
from csplib.report import html as h
from csplib.report.explore.explorer import STYLE, Explorer
from csplib.report.explore.options import (
    ALL_CRIME,
    COMPARISONS,
    PERIOD_KINDS,
    SAME_PERIOD,
    VIEWS,
    Selection,
    match_option,
    measure_options,
    parse_selection_period,
)

#: Shown inside the controls only once the kernel has gone (ipywidgets marks a view whose
#: kernel connection closed with the class ``jupyter-widgets-disconnected``).
RESTART_NOTE = (
    "The kernel restarted: these controls are no longer connected. Run all cells "
    "(Run > Run All Cells) to rebuild them."
)
_RESTART_HTML = (
    "<style>.csp-restart-note{display:none}"
    ".jupyter-widgets-disconnected .csp-restart-note{display:block;background:#fff4ce;"
    "color:#4a3b00;border-left:6px solid #8a6d00;padding:0.5rem 1rem;margin:0.5rem 0}"
    "</style><div class='csp-restart-note' role='alert'><strong>{}</strong></div>"
)


@dataclass
class Controls:
    """The controls, the output they redraw, and the box that shows them."""

    area: Any
    kind: Any
    period: Any
    start: Any
    end: Any
    measure: Any
    comparison: Any
    view: Any
    export: Any
    output: Any
    messages: Any
    box: Any
    render: Any
    explorer: Explorer

    def selection(self) -> Selection:
        if self.kind.value == "custom":
            period = f"{self.start.value} to {self.end.value}"
        else:
            period = self.period.value
        return Selection(self.area.value, period, self.measure.value, self.comparison.value,
                         self.view.value)  # fmt: skip

    def _repr_mimebundle_(self, **kwargs):
        return self.box._repr_mimebundle_(**kwargs)


def controls(
    explorer: Explorer,
    area: str | None = None,
    period: str | None = None,
    measure: str = ALL_CRIME,
    comparison: str = SAME_PERIOD,
    view: str = "Overview",
) -> Controls:
    """Dropdowns for area, period kind, period (or a custom month range), measure,
    comparison and view over a live view, and an export button. Values are matched to
    the options first (:func:`match_option`): a mistyped one raises a ParameterError."""
    sel, kind = _starting_selection(explorer, area, period, measure, comparison, view)
    c = _build(explorer, sel, kind)
    callbacks = _Callbacks(c)
    c.render = callbacks.render
    callbacks.show_custom(kind == "custom")
    _wire(c, callbacks)
    c.box = _layout(c)
    c.render()
    return c


def _starting_selection(
    explorer: Explorer, area: str | None, period: str | None, measure: str, comparison: str,
    view: str,
) -> tuple[Selection, str]:  # fmt: skip
    """The controls' first selection, each value matched to an option, and its period
    kind (the latest financial quarter whose change can be stated when no period is
    given)."""
    areas = explorer.areas
    if not areas:
        raise CspError("the store holds no areas", fix="ingest the ONS lookup and crimes")
    area = match_option("area", area or areas[0], areas)
    measure = match_option("measure", measure, measure_options())
    comparison = match_option("comparison", comparison, COMPARISONS)
    view = match_option("view", view, VIEWS)
    if period is None:
        kind = "fquarter"
        period = explorer.default_period(area, kind, comparison)
    else:
        period = explorer.check(Selection(area, period, measure, comparison, view)).period
        kind = parse_selection_period(period).kind
        kind = kind if kind in PERIOD_KINDS.values() else "fquarter"
    # The period is None when the area has no months in the store.
    return Selection(area, period, measure, comparison, view), kind  # type: ignore[arg-type]


def _build(explorer: Explorer, sel: Selection, kind: str) -> Controls:
    """The widgets set to ``sel`` (not yet wired, laid out or drawn)."""
    import ipywidgets as w

    style = {"description_width": "initial"}

    def layout(width: str = "21rem") -> Any:
        return w.Layout(width=width, max_width="100%")

    months = explorer.month_options(sel.area)
    span = parse_selection_period(sel.period) if sel.period else None
    custom = kind == "custom"
    period_options = explorer.period_options(
        sel.area, "fquarter" if custom else kind, sel.comparison
    )
    return Controls(
        area=w.Dropdown(options=explorer.areas, value=sel.area, description="Area",
                        style=style, layout=layout()),
        kind=w.Dropdown(options=list(PERIOD_KINDS.items()), value=kind, description="Period",
                        style=style, layout=layout("15rem")),
        period=w.Dropdown(options=period_options, value=None if custom else sel.period,
                          description="", layout=layout("19rem")),
        start=w.Dropdown(options=months, value=span.start if span else months[0][1],
                         description="From", style=style, layout=layout("12rem")),
        end=w.Dropdown(options=months, value=span.end if span else months[-1][1],
                       description="to", style=style, layout=layout("11rem")),
        measure=w.Dropdown(options=measure_options(), value=sel.measure,
                           description="Measure", style=style, layout=layout()),
        comparison=w.Dropdown(options=COMPARISONS, value=sel.comparison,
                              description="Compare with", style=style, layout=layout("19rem")),
        view=w.ToggleButtons(options=VIEWS, value=sel.view, description="View", style=style),
        export=w.Button(description="Export table, chart and command",
                        layout=layout("17rem"), icon="download"),
        output=w.Output(),
        messages=w.Output(),
        box=None,
        render=None,
        explorer=explorer,
    )  # fmt: skip


class _Callbacks:
    """What the widgets call. ``busy`` is set while a callback resets an option list, so
    the values it sets on the way do not each redraw the view."""

    def __init__(self, c: Controls) -> None:
        self.c = c
        self.busy = False

    def show_custom(self, on: bool) -> None:
        """Show the From/to months for a custom period, else the period dropdown."""
        self.c.period.layout.display = "none" if on else None
        self.c.start.layout.display = None if on else "none"
        self.c.end.layout.display = None if on else "none"

    def render(self, _change: object = None) -> None:
        if self.busy:
            return
        # Set the Output widget's outputs directly rather than "with output:", so the
        # view renders the same in JupyterLab, headless (papermill) and in tests.
        try:
            html = self.c.explorer.view(self.c.selection()).html
        except CspError as err:
            html = h.callout(str(err), "warning")
        self.c.output.outputs = ()
        self.c.output.append_display_data(html)

    def refresh_periods(self, _change: object = None) -> None:
        """New area, period kind or comparison: reset the month and period lists, keeping
        the period shown when the new list holds it."""
        c, explorer = self.c, self.c.explorer
        a, k, comp = c.area.value, c.kind.value, c.comparison.value
        self.busy = True
        try:
            month_opts = explorer.month_options(a)
            if c.start.options != tuple(month_opts):
                c.start.options, c.end.options = month_opts, month_opts
                c.start.value, c.end.value = month_opts[0][1], month_opts[-1][1]
            if k != "custom":
                options = explorer.period_options(a, k, comp)
                values = [v for _, v in options]
                keep = c.period.value if c.period.value in values else None
                c.period.options = options
                c.period.value = keep or explorer.default_period(a, k, comp)
            self.show_custom(k == "custom")
        finally:
            self.busy = False
        self.render()

    def fix_range(self, change: dict) -> None:
        """A custom run of months whose start passed its end: move the other end to it."""
        if self.busy:
            return
        c = self.c
        if c.start.value and c.end.value and c.start.value > c.end.value:
            self.busy = True
            try:
                if change["owner"] is c.start:
                    c.end.value = c.start.value
                else:
                    c.start.value = c.end.value
            finally:
                self.busy = False
        self.render()

    def export(self, _button: object) -> None:
        c = self.c
        c.messages.outputs = ()
        try:
            written = c.explorer.export(c.selection())
            lines = [f"{k.upper()}: {p}" for k, p in written.items() if k != "command"]
            lines.append("Build the matching report: "
                         + c.explorer.briefing_command(c.selection()))  # fmt: skip
            html = h.callout(" | ".join(lines), "note")
        except CspError as err:
            html = h.callout(str(err), "warning")
        c.messages.append_display_data(html)


def _wire(c: Controls, callbacks: _Callbacks) -> None:
    """Each widget to the callback its change calls."""
    c.area.observe(callbacks.refresh_periods, names="value")
    c.kind.observe(callbacks.refresh_periods, names="value")
    c.comparison.observe(callbacks.refresh_periods, names="value")
    c.start.observe(callbacks.fix_range, names="value")
    c.end.observe(callbacks.fix_range, names="value")
    for widget in (c.period, c.measure, c.view):
        widget.observe(callbacks.render, names="value")
    c.export.on_click(callbacks.export)


def _layout(c: Controls) -> Any:
    """The box showing the controls in rows, the restart note above them and the export
    messages and view below."""
    import ipywidgets as w

    restart = w.HTML(_RESTART_HTML.replace("{}", str(h.esc(RESTART_NOTE))))
    wrap = w.Layout(flex_flow="row wrap", align_items="center")
    box = w.VBox([
        restart,
        w.HBox([c.area, c.measure, c.comparison], layout=wrap),
        w.HBox([c.kind, c.period, c.start, c.end], layout=wrap),
        w.HBox([c.view, c.export], layout=wrap),
        c.messages, c.output,
    ])  # fmt: skip
    box.add_class("csp-explorer-controls")
    return box


def start(
    store: str | Path = "data/processed",
    area: str | None = None,
    period: str | None = None,
    measure: str = ALL_CRIME,
    comparison: str = SAME_PERIOD,
    view: str = "Overview",
    threshold: int = 5,
) -> Controls | h.Html:
    """What the notebook calls: load the store and show the controls; a problem the user
    can fix (no store, a mistyped parameter) is shown as a one-line message instead of a
    traceback."""
    try:
        explorer = Explorer.load(store=store, threshold=threshold)
        return explorer.controls(area, period, measure, comparison, view)
    except CspError as err:
        return h.element("div", h.element("style", STYLE), h.callout(str(err), "warning"),
                         class_="csp-explore")  # fmt: skip
