"""Progress against the plan: where an indicator stands against its baseline and target
(status), whether the change is more than chance (RAG), and every indicator judged
against the register in force in a month."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from csplib.errors import ParameterError
from csplib.plan.model import Plan
from csplib.plan.periods import as_month, period_bounds
from csplib.plan.register import UNIT_SCALE, Indicator
from csplib.plan.revisions import Retired

#: The columns that open every progress table: which indicator, and its baseline.
INDICATOR_COLUMNS = [
    "priority",
    "indicator_id",
    "name",
    "unit",
    "direction",
    "baseline_value",
    "baseline_period",
]

#: The verdict columns every progress table has, in this order.
VERDICT_COLUMNS = ["change_pct", "status", "rag", "rag_reason"]

#: Columns of :func:`progress_in_force`.
PROGRESS_IN_FORCE_COLUMNS = [
    *INDICATOR_COLUMNS,
    "target_value",
    "target_period",
    "latest_value",
    "latest_period",
    *VERDICT_COLUMNS,
    "p_value",
    "revision",
]


def indicator_row(priority: str, indicator: Indicator) -> dict[str, Any]:
    """The cells of a progress table that come from the register: the priority, the
    indicator, its baseline and its target."""
    return {
        "priority": priority,
        "indicator_id": indicator.id,
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "baseline_value": indicator.baseline.value,
        "baseline_period": indicator.baseline.period,
        "target_value": indicator.target.value,
        "target_period": indicator.target.period,
    }


@dataclass
class IndicatorProgress:
    """Where one indicator stands. See :func:`indicator_progress`."""

    indicator_id: str
    name: str
    unit: str
    direction: str
    baseline_value: float
    baseline_period: str
    latest_value: float
    latest_period: str
    target_value: float
    target_period: str
    county_value: float | None
    change_abs: float
    change_pct: float
    elapsed_fraction: float
    progress_fraction: float
    status: str
    rag: str
    rag_reason: str
    test: str | None
    p_value: float | None
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def judgement(self) -> dict[str, Any]:
        """The latest reading and the verdict on it, as cells of a progress table."""
        return {
            "latest_value": self.latest_value,
            "latest_period": self.latest_period,
            "change_pct": self.change_pct,
            "status": self.status,
            "rag": self.rag,
            "rag_reason": self.rag_reason,
            "test": self.test,
            "p_value": self.p_value,
        }


def progress_table(progress: list[IndicatorProgress]) -> pd.DataFrame:
    """Progress results as a table, one row per indicator."""
    return pd.DataFrame([p.to_dict() for p in progress])


def _whole(x: float | None) -> bool:
    return x is not None and float(x) >= 0 and float(x).is_integer()


def _significance(
    indicator: Indicator,
    latest_value: float,
    latest_numerator: float | None,
    latest_denominator: float | None,
    baseline_numerator: float | None,
    baseline_denominator: float | None,
) -> tuple[str | None, float | None, str]:
    """(test name, p-value, why no test) for baseline versus latest."""
    from statsmodels.stats.proportion import proportions_ztest
    from statsmodels.stats.rates import test_poisson_2indep

    unit = indicator.unit
    if baseline_numerator is None:
        baseline_numerator = indicator.baseline.numerator
        baseline_denominator = indicator.baseline.denominator
    if unit == "count":
        b, c = indicator.baseline.value, latest_value
        if not (_whole(b) and _whole(c)):
            return None, None, "counts are not whole numbers"
        # The latest period is as long as the baseline period: equal exposure.
        res = test_poisson_2indep(int(c), 1.0, int(b), 1.0, method="exact-cond")
        return "poisson exact-cond", float(res.pvalue), ""
    if unit in ("rate_per_1000", "rate_per_100000"):
        if None in (latest_numerator, latest_denominator, baseline_numerator, baseline_denominator):
            return None, None, "counts and populations for baseline and latest are needed"
        if not (_whole(latest_numerator) and _whole(baseline_numerator)):
            return None, None, "counts are not whole numbers"
        res = test_poisson_2indep(
            int(latest_numerator),
            float(latest_denominator),
            int(baseline_numerator),
            float(baseline_denominator),
            method="exact-cond",
        )
        return "poisson exact-cond", float(res.pvalue), ""
    if unit == "percent":
        if None in (latest_numerator, latest_denominator, baseline_numerator, baseline_denominator):
            return None, None, "numerators and denominators for baseline and latest are needed"
        _, p = proportions_ztest(
            [latest_numerator, baseline_numerator], [latest_denominator, baseline_denominator]
        )
        return "two-proportion z (pooled)", float(p), ""
    return None, None, f"no significance test for unit '{unit}'"


def _latest(
    indicator: Indicator,
    latest_value: float | None,
    latest_numerator: float | None,
    latest_denominator: float | None,
) -> float:
    """The latest value in the indicator's unit, from the value or its numerator and
    denominator, checked against each other where both are given."""
    scale = UNIT_SCALE.get(indicator.unit)
    if latest_value is None:
        if scale is None or latest_numerator is None or not latest_denominator:
            raise ParameterError(
                f"indicator {indicator.id}: give latest_value, or latest_numerator and "
                "latest_denominator for a rate or percentage"
            )
        latest_value = latest_numerator / latest_denominator * scale
    elif indicator.unit in ("count", "score") and (
        latest_numerator is not None or latest_denominator is not None
    ):
        raise ParameterError(
            f"indicator {indicator.id}: numerator and denominator do not apply to unit "
            f"'{indicator.unit}'; pass the latest value only"
        )
    elif scale is not None and latest_numerator is not None and latest_denominator:
        implied = latest_numerator / latest_denominator * scale
        if abs(implied - latest_value) > max(0.005 * abs(latest_value), 0.01):
            raise ParameterError(
                f"indicator {indicator.id}: latest numerator / denominator gives "
                f"{implied:.4g} {indicator.unit}, not the latest value {latest_value}"
            )
    return float(latest_value)


@dataclass(frozen=True)
class _Status:
    change_abs: float
    change_pct: float
    elapsed: float
    progress: float
    status: str


def _status(indicator: Indicator, latest_value: float, latest_end: date) -> _Status:
    """Change from baseline, the share of time and of the way to target covered, and the
    status against the target (see :func:`indicator_progress`)."""
    base, target = indicator.baseline.value, indicator.target.value
    change_abs = latest_value - base
    change_pct = 100.0 * change_abs / base if base else math.nan

    base_end = period_bounds(indicator.baseline.period)[1]
    target_end = period_bounds(indicator.target.period)[1]
    elapsed = (latest_end - base_end).days / (target_end - base_end).days
    elapsed = min(max(elapsed, 0.0), 1.0)
    progress = change_abs / (target - base) if target != base else math.nan

    direction = indicator.direction
    if direction == "reduce":
        achieved = latest_value <= target
    elif direction == "increase":
        achieved = latest_value >= target
    else:
        tolerance = abs(target) * indicator.maintain_tolerance_pct / 100.0
        achieved = abs(latest_value - target) <= tolerance
    if achieved:
        status = "achieved"
    elif direction != "maintain" and progress >= elapsed:
        status = "on track"
    else:
        status = "off track"
    return _Status(change_abs, change_pct, elapsed, progress, status)


def _rag(
    direction: str, status: str, change_abs: float, p: float | None, why: str, alpha: float
) -> tuple[str, str]:
    """(RAG, reason in words): a change is called only when the test says it is real."""
    if p is None:
        return "amber", f"not tested ({why}): a change cannot be called"
    if p >= alpha:
        if direction == "maintain":
            return "green", f"no significant change (p = {p:.3f}): level maintained"
        return "amber", f"no significant change (p = {p:.3f})"
    improving = (change_abs < 0) if direction == "reduce" else (change_abs > 0)
    word = "fall" if change_abs < 0 else "rise"
    if direction == "maintain":
        return "red", f"significant {word} (p = {p:.3f}) from a level to maintain"
    if not improving:
        return "red", f"significant {word} (p = {p:.3f}), against the target"
    if status in ("achieved", "on track"):
        return "green", f"significant {word} (p = {p:.3f}), {status}"
    return "amber", f"significant {word} (p = {p:.3f}) but behind the pro-rata path to target"


def indicator_progress(
    indicator: Indicator,
    latest_value: float | None,
    latest_period: str,
    *,
    latest_numerator: float | None = None,
    latest_denominator: float | None = None,
    baseline_numerator: float | None = None,
    baseline_denominator: float | None = None,
    alpha: float = 0.05,
) -> IndicatorProgress:
    """Progress of one indicator from its baseline towards its target.

    ``latest_value`` is in the indicator's unit (it may be None when ``latest_numerator``
    and ``latest_denominator`` are given: value = numerator / denominator x 1,000,
    100,000 or 100). The latest period must be as long as the baseline period (a year
    against a year); ``latest_period`` dates it for the pro-rata path. Numerators and
    denominators make the RAG testable: a ``count`` is its own numerator; for a rate
    give the count and the population, for a percentage the cases and the total.
    Baseline numerator and denominator default to those in the register.

    **Status** (against the target):

    * ``'achieved'``: the target is met in the target direction (reduce: latest <=
      target; increase: latest >= target; maintain: latest within
      ``maintain_tolerance_pct`` % of the target).
    * ``'on track'``: not achieved, but the share of the way from baseline to target
      covered, (latest - baseline) / (target - baseline), is at least the share of the
      time elapsed from the end of the baseline period to the end of the target period
      (pro rata; both measured to the period ends, time clipped to 0-1).
    * ``'off track'``: otherwise (including every 'maintain' outside its tolerance).

    **RAG** (is the change from baseline real?). Counts and rates: Poisson two-sample
    exact conditional test (``test_poisson_2indep(method='exact-cond')``, the
    conditional binomial); percentages: two-proportion pooled z test
    (``proportions_ztest``). Then, at level ``alpha``:

    * not significant -> ``'amber'`` ("no significant change"), whatever the percentage
      change; for 'maintain' this is ``'green'`` (the level held);
    * significant and in the target direction -> ``'green'`` if achieved or on track,
      else ``'amber'`` (real improvement, but behind the pro-rata path);
    * significant and against the target direction (or any significant change for
      'maintain') -> ``'red'``;
    * no test possible (no counts supplied, or a score) -> ``'amber'`` with the reason:
      a change that cannot be tested is not called.

    ``rag_reason`` says which rule applied, in words fit for a report.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha}")
    latest_value = _latest(indicator, latest_value, latest_numerator, latest_denominator)
    try:
        latest_end = period_bounds(latest_period)[1]
    except ValueError as exc:
        raise ParameterError(f"indicator {indicator.id}: {exc}") from None
    s = _status(indicator, latest_value, latest_end)
    test, p, why = _significance(
        indicator,
        latest_value,
        latest_numerator,
        latest_denominator,
        baseline_numerator,
        baseline_denominator,
    )
    rag, reason = _rag(indicator.direction, s.status, s.change_abs, p, why, alpha)
    return IndicatorProgress(
        indicator_id=indicator.id,
        name=indicator.name,
        unit=indicator.unit,
        direction=indicator.direction,
        baseline_value=indicator.baseline.value,
        baseline_period=indicator.baseline.period,
        latest_value=latest_value,
        latest_period=str(latest_period),
        target_value=indicator.target.value,
        target_period=indicator.target.period,
        county_value=indicator.county.value if indicator.county else None,
        change_abs=s.change_abs,
        change_pct=s.change_pct,
        elapsed_fraction=s.elapsed,
        progress_fraction=s.progress,
        status=s.status,
        rag=rag,
        rag_reason=reason,
        test=test,
        p_value=p,
        alpha=alpha,
    )


def _reading(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(key)
    return getattr(value, key, None)


def _check_known(plan: Plan, values: Mapping[str, Any]) -> None:
    """A reading for an id the plan never had (in any revision) is a mistake."""
    ever = {
        i.id for _, priorities in plan._state().stages for p in priorities for i in p.indicators
    }
    unknown = sorted(set(values) - ever)
    if unknown:
        raise ParameterError(
            "progress_in_force: the plan never had indicator(s) "
            + ", ".join(repr(u) for u in unknown),
            fix="check the ids against the register and its revisions",
        )


def _retired_row(gone: Retired) -> dict[str, Any]:
    return indicator_row(gone.priority, gone.indicator) | {
        "status": "retired",
        "rag": "retired",
        "rag_reason": f"retired by revision '{gone.revision}' ({gone.effective}): {gone.why}",
        "revision": gone.revision,
    }


def progress_in_force(
    plan: Plan, month: str, values: Mapping[str, Any], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Progress of every indicator judged against the register in force in ``month``
    (:meth:`Plan.in_force`): its baseline and target as revised by then.

    ``values`` maps an indicator id to its latest reading: a mapping (or an object, such
    as :class:`csplib.indicators.plan_values.LatestValue`) with ``value`` and ``period``,
    and optionally ``numerator`` and ``denominator``; each goes to
    :func:`indicator_progress` with the in-force indicator. ``month`` is the month the
    judgement is made in, usually the last month of the data (a period stands for its
    last month).

    One row per indicator (columns :data:`PROGRESS_IN_FORCE_COLUMNS`), in plan order:

    * every indicator in force in ``month``; with no reading, status and RAG
      ``'no data'``;
    * then every indicator retired on or before ``month``, with status and RAG
      ``'retired'`` and the revision and reason in ``rag_reason`` (a reading given for
      it is not judged);
    * an indicator that a later revision adds is not reported (a reading for it is
      ignored); a reading for an id the plan never had is a :class:`ParameterError`.

    ``revision`` names the version judged against (for a retired row, the revision that
    retired it). Equivalent, for one indicator:
    ``indicator_progress(plan.in_force(month).indicator(id), value, period)``.
    """
    in_force = plan.in_force(month)
    version = in_force.revised_by
    assert version is not None
    m = as_month(month, "progress_in_force", last=True)
    _check_known(plan, values)
    rows = []
    for priority in in_force.priorities:
        for ind in priority.indicators:
            row = indicator_row(priority.name, ind) | {"revision": version.title}
            reading = values.get(ind.id)
            value = None if reading is None else _reading(reading, "value")
            if value is None:
                rows.append(row | {"status": "no data", "rag": "no data",
                                   "rag_reason": "no value given"})  # fmt: skip
                continue
            p = indicator_progress(
                ind,
                value,
                str(_reading(reading, "period")),
                latest_numerator=_reading(reading, "numerator"),
                latest_denominator=_reading(reading, "denominator"),
                alpha=alpha,
            )
            rows.append(row | p.judgement())
    rows += [_retired_row(g) for g in plan._state().retired.values() if g.effective <= m]
    return pd.DataFrame(rows, columns=PROGRESS_IN_FORCE_COLUMNS)
