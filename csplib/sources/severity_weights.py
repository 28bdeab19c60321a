"""ONS Crime Severity Score weights, per Home Office offence code -> ``severity_weights``.

The user supplies the weights as ONS publishes them ("Offence code", "Offence", "Weight"
or the template ``data/templates/severity_weights_template.csv``: offence_code,
offence_description, weight). The workbook ships no real weights; the sample's are
synthetic and say so in their ``source`` column.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import LoadResult, make_rejects, read_path_bytes, read_table

TABLE = "severity_weights"
COLUMNS = ["offence_code", "offence_description", "weight", "source"]
KEY = ["offence_code"]


def _norm(h: str) -> str:
    return re.sub(r"[^a-z]+", "_", h.strip().casefold()).strip("_")


_CODE = ("offence_code", "code", "home_office_offence_code", "ho_offence_code")
_WEIGHT = ("weight", "severity_weight", "css_weight", "crime_severity_weight")
_DESC = ("offence_description", "offence", "description", "offence_name")


def is_weights_table(header: list[str]) -> bool:
    keys = {_norm(h) for h in header}
    return bool(keys & set(_CODE)) and bool(keys & set(_WEIGHT))


def normalise_code(code: object) -> str:
    """Offence codes compare as text without spaces or leading zeros ('008N' = '8N')."""
    text = re.sub(r"\s+", "", str(code)).upper()
    return text.lstrip("0") or text


def load_severity_weights(path: Path | str, data: bytes | None = None) -> LoadResult:
    path = Path(path)
    text = read_table(read_path_bytes(path) if data is None else data, path.name)
    by_key = {_norm(h): h for h in text.header}
    code = next((by_key[k] for k in _CODE if k in by_key), None)
    weight = next((by_key[k] for k in _WEIGHT if k in by_key), None)
    if code is None or weight is None:
        raise InputFormatError(
            "this does not look like severity weights: it needs an offence code and a weight column",
            file=path.name,
            line=1,
            fix="use data/templates/severity_weights_template.csv",
        )
    desc = next((by_key[k] for k in _DESC if k in by_key), None)
    f = text.frame
    values = pd.to_numeric(f[weight].str.replace(",", "").str.strip(), errors="coerce")
    codes = f[code].fillna("").str.strip()
    bad = values.isna() | (values < 0) | (codes == "")
    rejects = make_rejects(
        path.name,
        f.loc[bad, "source_line"],
        "weight is not a number of 0 or more, or no code",
        weight,
        f.loc[bad, weight],
    )
    source = f["source"] if "source" in by_key else pd.Series(path.name, index=f.index)
    frame = pd.DataFrame(
        {
            "offence_code": codes.map(normalise_code),
            "offence_description": f[desc].str.strip() if desc else "",
            "weight": values.astype(float),
            "source": source,
        }
    )[~bad]
    frame = frame.drop_duplicates("offence_code", keep="last").reset_index(drop=True)
    return LoadResult(
        TABLE,
        frame.astype({"offence_code": "str", "offence_description": "str", "source": "str"}),
        rejects,
        str(path),
        Counter(),
    )
