"""Reading the workbook's YAML files (parameters, peer groups, plan registers) safely.

Only ``yaml.safe_load`` is used, so a tag such as ``!!python/object`` is refused and no
value is ever run as code. Every problem becomes a ParameterError naming the file and,
where YAML knows it, the line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from csplib.errors import ParameterError


def read_yaml_mapping(path: Path | str, *, what: str, fix: str) -> tuple[dict, str]:
    """The top-level mapping of a YAML file and its text.

    ``what`` names the file's kind in messages ("parameter file"); ``fix`` says where
    an example lives.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"{what} not found", file=path, fix=f"check the path; {fix}") from None
    except IsADirectoryError:
        raise ParameterError(f"expected a {what}, got a folder", file=path) from None
    except UnicodeDecodeError as err:
        raise ParameterError(
            f"not UTF-8 text ({err.reason})",
            file=path,
            fix="save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)",
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise ParameterError(
            f"not valid YAML ({problem})",
            file=path,
            line=mark.line + 1 if mark else None,
            fix="check indentation and quoting near that line; values with ':' need quotes",
        ) from None
    except ValueError as err:  # a value YAML reads as a date but is none: 2025-31-01
        raise ParameterError(
            f"a value written like a date is not a real date ({err})",
            file=path,
            fix="write dates as year-month-day, e.g. 2025-01-31",
        ) from None
    if not isinstance(doc, dict):
        raise ParameterError(f"a {what} must be a mapping of keys to values", file=path, fix=fix)
    return doc, text
