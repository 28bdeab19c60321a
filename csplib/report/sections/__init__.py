"""Report sections, one module each.

Every section has a pure ``build(ctx, ...) -> Result`` and a ``render(result) -> Html``:

* ``ctx`` is the loaded data with the report's parameters (:class:`~.context.Quarter`
  for the quarterly briefing, :class:`~.context.Year` for the strategic assessment);
  some builders also take the results of the sections they depend on (the priority
  score takes the county position and the consultation ranking).
* A ``Result`` is a frozen dataclass of figures (the JSON-able piece of ``figures.json``
  the section owns, if any), tables and chart data. It holds no markup.
* ``render`` only formats the result (suppressing small numbers through
  :mod:`~.cells`, escaping through :mod:`csplib.report.html`) and draws its charts.

The briefing (:mod:`csplib.report.briefing`), the assessment
(:mod:`csplib.report.assessment`) and their ``figures.json`` take the same results, so a
figure cannot differ between them. A module that serves both reports has a pair for
each: ``build_quarter``/``render_quarter`` and ``build_year``/``render_year``.
"""
