"""Reading a plan register (or any register validated by a pydantic model) from YAML,
with errors a person can act on: the file, the line, the key path and what is expected."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from csplib.errors import ParameterError
from csplib.plan.changes import CHANGE_KINDS
from csplib.plan.messages import RevisionProblems, describe, key_path
from csplib.plan.model import Plan
from csplib.yamlfile import read_yaml_mapping


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the change kind pydantic puts in a tagged union's error location
    (``revisions.0.changes.1.move_target.target`` -> ``revisions.0.changes.1.target``)."""
    out: list[Any] = []
    for part in loc:
        if part in CHANGE_KINDS and len(out) >= 2 and out[-2] == "changes":
            continue
        out.append(part)
    return tuple(out)


def _located_errors(exc: ValidationError) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(key path, error) for each problem, revision problems unpacked."""
    out: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(tuple(error["loc"]))
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, RevisionProblems):
            for sub_loc, message in inner.problems:
                out.append((loc + sub_loc, {"type": "value_error", "msg": message}))
        elif error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            out.append(((*loc, "kind"), error))
        else:
            out.append((loc, error))
    return out


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest YAML node along ``loc``."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def load_model(
    path: str | Path,
    model: type[BaseModel],
    *,
    what: str,
    example: str,
    keys: Iterable[str] | None = None,
) -> Any:
    """Read a YAML file (``yaml.safe_load``) and validate it as ``model``.

    ``what`` names the file's kind in messages ("plan register"), ``example`` the file to
    start from or compare with, ``keys`` the keys the file may use (for "did you mean"
    hints; the plan register's by default). Raises
    :class:`csplib.errors.ParameterError` naming the file, the line, the key path (e.g.
    ``priorities[1].indicators[0].target.value``) and what is expected.
    """
    path = Path(path)
    data, text = read_yaml_mapping(path, what=what, fix=f"start from {example}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Composing (not constructing) with the safe loader only maps keys to lines.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        located = [
            (key_path(loc), _node_line(root, loc), describe(e, keys))
            for loc, e in _located_errors(exc)
        ]
        if len(located) == 1:
            key, line, problem = located[0]
            message = f"{what} key {key}: {problem}"
        else:
            line = None
            message = f"{len(located)} problems in the {what}: " + "; ".join(
                f"{key}" + (f" (line {ln})" if ln else "") + f": {problem}"
                for key, ln, problem in located
            )
        raise ParameterError(message, file=path, line=line, fix=f"compare with {example}") from None


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan register (YAML, read with ``yaml.safe_load``).

    Raises :class:`csplib.errors.ParameterError` naming the file, the line, the key path
    (e.g. ``priorities[1].indicators[0].target.value``) and what is expected.
    """
    return load_model(
        path,
        Plan,
        what="plan register",
        example="parameters/plan_example.yaml (name, partnership, period, priorities, ...)",
    )
