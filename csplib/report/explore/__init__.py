"""Interactive exploration for analysts in JupyterLab: controls over the same indicator
functions and report sections the briefings use.

``Explorer.load(store=...)`` reads the store once. ``Explorer.view(selection)`` returns one
view as HTML for an area, a period (a month, financial quarter, financial year, rolling 12
months or a custom run of months), a measure and a comparison (the same period last year
or the previous period):

* **Overview**: the headline, the trend over every month in the store (the period and its
  comparison shaded; a missing month is a gap) and the breakdown table;
* **Places**: the neighbourhoods (LSOAs) with the most crime, names, codes, counts and
  rates (:mod:`csplib.report.sections.places`);
* **Map** and **Rate map**: LSOA choropleths of counts and (with LSOA populations) of
  rates per 1,000 residents from the boundaries in the store, drawn offline, with the
  neighbourhoods the Places view lists outlined as the hot spots; a small count is not
  shaded on the rate map;
* **County**: every partnership of the county side by side, the selected one marked
  (:mod:`csplib.report.sections.county`);
* **Peers**: the funnel plot and table of the area's peer group
  (:mod:`csplib.report.sections.peers`);
* **Outcomes** and **Stop and search**: the strategic assessment's sections for any
  period (:mod:`.analyses`, built by :mod:`csplib.report.sections.outcomes` and
  :mod:`csplib.report.sections.stop_search`), with a warning when a period is too recent
  for its outcomes to be compared.

``Explorer.controls(...)`` wraps the views in dropdowns whose callbacks redraw them, an
export button (the current table as CSV and Excel, the chart as PNG, and the ``csp``
command that builds the matching report) and a note that shows itself when the kernel
restarts. :func:`start` is what the notebook calls: a parameter that is not exactly an
option is matched case-insensitively where that is unambiguous, else it is a one-line
error naming the parameter and the valid values.

A gap is never a change: a period with a missing or incomplete month, or whose
comparison has one or falls before the store begins, is labelled in the period list and
no change is stated for it.

The package: :mod:`.options` (what the controls offer and hold: measures, periods, the
:class:`Selection`), :mod:`.explorer` (the :class:`Explorer`), :mod:`.views` (one function
per view), :mod:`.exports` (the table, chart and command export) and :mod:`.widgets` (the
controls and :func:`start`). Everything is importable from here.
"""

from csplib.report.explore.explorer import STYLE, Explorer
from csplib.report.explore.options import (
    ALL_CRIME,
    ASB_LABEL,
    COLUMNS,
    COMPARISONS,
    GROUP_PREFIX,
    PERIOD_KINDS,
    PREVIOUS_PERIOD,
    SAME_PERIOD,
    TYPE_PREFIX,
    VIEWS,
    MonthSpan,
    Selection,
    ViewResult,
    agree,
    group_display_name,
    match_option,
    measure_name,
    measure_options,
    parse_selection_period,
    period_value,
    select_measure,
)
from csplib.report.explore.widgets import RESTART_NOTE, Controls, controls, start

__all__ = [
    "ALL_CRIME", "ASB_LABEL", "COLUMNS", "COMPARISONS", "GROUP_PREFIX", "PERIOD_KINDS",
    "PREVIOUS_PERIOD", "RESTART_NOTE", "SAME_PERIOD", "STYLE", "TYPE_PREFIX", "VIEWS",
    "Controls", "Explorer", "MonthSpan", "Selection", "ViewResult", "agree", "controls",
    "group_display_name", "match_option", "measure_name", "measure_options",
    "parse_selection_period", "period_value", "select_measure", "start",
]  # fmt: skip
