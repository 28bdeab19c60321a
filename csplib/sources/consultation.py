"""Consultation responses (what residents, partners and businesses said) -> the
``consultation`` table.

The regulations ask the strategic assessment to set out the priorities residents and
partners want. Responses come in the documented template
``data/templates/consultation_template.csv``: one row per respondent and priority
chosen, with its rank when the survey asked for one. Free text is kept in the store
but stays out of shared reports unless a report enables it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from csplib.plan.periods import parse_date
from csplib.sources.base import (
    LoadResult,
    check_columns,
    empty_rejects,
    make_rejects,
    read_path_bytes,
    read_table,
)

TABLE = "consultation"
COLUMNS = ["respondent_id", "respondent_type", "area", "priority", "rank", "comment", "date"]
REQUIRED = ["respondent_id", "respondent_type", "area", "priority"]
RESPONDENT_TYPES = ("resident", "partner", "business")
HINT = (
    "start from data/templates/consultation_template.csv (columns "
    + ", ".join(COLUMNS)
    + "; see data/templates/README.md)"
)

#: Priorities respondents may name -> the police.uk crime types that measure them.
#: A priority not listed here (e.g. "Road safety") is kept; it simply has no police
#: measure to compare with.
PRIORITY_CRIME_TYPES: dict[str, list[str]] = {
    "Anti-social behaviour": ["Anti-social behaviour"],
    "Violence": ["Violence and sexual offences"],
    "Burglary": ["Burglary"],
    "Drugs": ["Drugs"],
    "Shoplifting": ["Shoplifting"],
    "Vehicle crime": ["Vehicle crime"],
    "Criminal damage": ["Criminal damage and arson"],
    "Robbery": ["Robbery"],
    "Theft": ["Other theft", "Theft from the person", "Bicycle theft"],
    "Weapons": ["Possession of weapons"],
    "Public order": ["Public order"],
}


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


_PRIORITY_NAMES = {_key(k): k for k in PRIORITY_CRIME_TYPES}
_PRIORITY_NAMES.update({"asb": "Anti-social behaviour", "antisocial behaviour": "Anti-social behaviour",
                        "anti social behaviour": "Anti-social behaviour",
                        "violent crime": "Violence", "drug dealing": "Drugs", "drug use": "Drugs"})  # fmt: skip


def normalise_priority(text: str) -> str:
    """The standard name of a priority ("ASB" -> "Anti-social behaviour"); others as typed."""
    return _PRIORITY_NAMES.get(_key(text), re.sub(r"\s+", " ", str(text)).strip())


def _row_problem(row: dict[str, str], rtype: str) -> tuple:
    """(reason, column, day, rank) of one row on its own: the first rule it breaks
    (reason None when none), its date and its rank."""
    reason = column = None
    if not row["respondent_id"]:
        reason, column = "respondent_id is empty", "respondent_id"
    elif rtype not in RESPONDENT_TYPES:
        reason, column = (
            f"respondent_type is not one of {', '.join(RESPONDENT_TYPES)}",
            "respondent_type",
        )
    elif not row["area"]:
        reason, column = "area is empty", "area"
    elif not row["priority"]:
        reason, column = "priority is empty", "priority"
    day = parse_date(row["date"]) if row["date"] else None
    if reason is None and row["date"] and day is None:
        reason, column = "date is not a date (write 2025-01-31)", "date"
    rank = None
    if reason is None and row["rank"]:
        if not re.fullmatch(r"\d+", row["rank"]) or int(row["rank"]) < 1:
            reason, column = "rank is not a whole number of 1 or more", "rank"
        else:
            rank = int(row["rank"])
    return reason, column, day, rank


def _repeat_problem(rid, type_area, priority, rank, who, seen_priority, seen_rank) -> tuple:
    """(reason, column, related line) of a row against the respondent's earlier rows:
    a different type or area, a priority or a rank given twice; (None, None, None)."""
    if rid in who and who[rid][:2] != type_area:
        return ("respondent's type or area differs from an earlier line", "respondent_type",
                who[rid][2])  # fmt: skip
    if (rid, priority.casefold()) in seen_priority:
        return ("priority repeated for this respondent", "priority",
                seen_priority[(rid, priority.casefold())])  # fmt: skip
    if rank is not None and (rid, rank) in seen_rank:
        return "rank used twice by this respondent", "rank", seen_rank[(rid, rank)]
    return None, None, None


def load_consultation(path: Path | str) -> LoadResult:
    """Validate a consultation responses CSV.

    Rejected with a reason and line: an unknown respondent type, an empty respondent,
    area or priority, a date (optional column: the day of the response) that is not a
    date, a rank that is not a whole number of 1 or more, the same
    priority twice for one respondent, two priorities with the same rank for one
    respondent, and a respondent whose type or area differs between rows.
    """
    path = Path(path)
    name = str(path)
    text = read_table(read_path_bytes(path), name)
    header = [_key(h) for h in text.header]
    check_columns(header, REQUIRED, name, "a consultation responses table", HINT)
    frame = text.frame
    col = {c: text.header[header.index(c)] for c in COLUMNS if c in header}
    kept, bad = [], []
    seen_priority: dict[tuple[str, str], int] = {}
    seen_rank: dict[tuple[str, int], int] = {}
    who: dict[str, tuple[str, str, int]] = {}
    for rec in frame.to_dict("records"):
        line = int(rec["source_line"])
        row = {
            c: str(rec[col[c]]).strip() if c in col and rec[col[c]] is not None else ""
            for c in COLUMNS
        }
        rtype = row["respondent_type"].casefold()
        reason, column, day, rank = _row_problem(row, rtype)
        related = None
        priority = normalise_priority(row["priority"])
        rid = row["respondent_id"]
        if reason is None:
            reason, column, related = _repeat_problem(
                rid, (rtype, row["area"]), priority, rank, who, seen_priority, seen_rank
            )
        if reason is not None:
            bad.append(
                make_rejects(
                    name,
                    [line],
                    reason,
                    column,
                    [row.get(column, "")],
                    None if related is None else [related],
                )
            )
            continue
        who.setdefault(rid, (rtype, row["area"], line))
        seen_priority[(rid, priority.casefold())] = line
        if rank is not None:
            seen_rank[(rid, rank)] = line
        kept.append({"respondent_id": rid, "respondent_type": rtype, "area": row["area"],
                     "priority": priority, "rank": rank, "comment": row["comment"] or None,
                     "date": day.isoformat() if day else None, "source_file": name, "source_line": line})  # fmt: skip
    out = pd.DataFrame(kept, columns=[*COLUMNS, "source_file", "source_line"]).astype(
        {"rank": "Int64", "source_line": "int64"}
    )
    rejects = pd.concat([text.rejects, *bad], ignore_index=True) if bad else text.rejects
    if rejects is None or rejects.empty:
        rejects = empty_rejects()
    flags = Counter()
    if out["comment"].notna().any():
        flags["free-text comments stored (kept out of shared reports unless enabled)"] = int(
            out["comment"].notna().sum()
        )
    return LoadResult(TABLE, out, rejects, name, flags)
