"""Problems in a plan register, said the way a person fixes them: a key path such as
``priorities[1].indicators[0].target.value`` and what is expected there."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from typing import Any

from csplib.plan.changes import CHANGE_KINDS, CHANGE_MODELS
from csplib.plan.register import Comparison, Indicator, Measure, PoliceSpec, Priority


@cache
def _all_keys() -> list[str]:
    """Every key a register may use, for "did you mean" hints."""
    # Plan's module applies revisions, which report problems with this module: the Plan
    # model is imported on first use to keep the imports one way.
    from csplib.plan.changes import Revision
    from csplib.plan.model import Plan

    return sorted(
        {
            name
            for model in (Measure, Comparison, PoliceSpec, Indicator, Priority, Plan, Revision)
            for name in model.model_fields
        }
        | {
            field.alias or name
            for model in CHANGE_MODELS
            for name, field in model.model_fields.items()
        }
    )


def key_path(loc: tuple[Any, ...]) -> str:
    """``('priorities', 1, 'lead')`` -> ``'priorities[1].lead'``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def describe(error: dict[str, Any], keys: Iterable[str] | None = None) -> str:
    """One pydantic error in words, with a "did you mean" for a misspelt key (among
    ``keys``; by default the plan register's)."""
    kind = error["type"]
    loc = tuple(error.get("loc", ()))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, list(keys or _all_keys()), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "union_tag_invalid":
        return f"unknown change kind {error['ctx']['tag']!r}; expected one of " + ", ".join(
            CHANGE_KINDS
        )
    if kind == "union_tag_not_found":
        return "required key 'kind' is missing: say which change this is, one of " + ", ".join(
            CHANGE_KINDS
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and "input" in error:
        message += f" (got {error['input']!r})"
    return message


class RevisionProblems(ValueError):
    """Revisions that cannot be applied: ``problems`` is a list of (key path, message).

    Raised inside the Plan validator; :func:`csplib.plan.load_plan` unpacks it into one
    located problem each (pydantic keeps the exception in the error's ``ctx``)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key_path(loc)}: {msg}" for loc, msg in problems))


class Problem(Exception):
    """One change that cannot be applied, at ``loc`` within the change."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        self.loc = loc
        self.message = message
        super().__init__(message)
