"""Input kinds for the analyses tables, and their loaders, for ``csplib.ingest``.

Population by ethnicity, the LSOA-to-ward lookup, severity weights and STATS19
collisions and casualties. ``kind_of(header)`` recognises them from a file's header;
``LOADERS`` maps each kind to its loader (each returns a ``LoadResult`` whose table is
a keyed table of ``csplib.store.KEYS``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from csplib.sources import ethnicity, severity_weights, stats19, wards
from csplib.sources.base import LoadResult

LOADERS: dict[str, Callable[[Path], LoadResult]] = {
    "population_ethnicity": ethnicity.load_population_ethnicity,
    "ward_lookup": wards.load_ward_lookup,
    "severity_weights": severity_weights.load_severity_weights,
    "stats19_collision": stats19.load_collisions,
    "stats19_casualty": stats19.load_casualties,
}

#: Keyed tables these loaders write -> the columns that identify a row.
KEYS = {
    ethnicity.TABLE: ethnicity.KEY,
    wards.TABLE: wards.KEY,
    severity_weights.TABLE: severity_weights.KEY,
    stats19.COLLISIONS: stats19.COLLISION_KEY,
    stats19.CASUALTIES: stats19.CASUALTY_KEY,
}


def kind_of(header: list[str]) -> str | None:
    """The kind of an analyses input from its header, or None. A ward lookup is checked
    before anything that would read it as a plain LSOA list."""
    kind = stats19.stats19_kind(header)
    if kind:
        return kind
    if wards.is_ward_lookup(header):
        return "ward_lookup"
    if ethnicity.is_ethnicity_table(header):
        return "population_ethnicity"
    if severity_weights.is_weights_table(header):
        return "severity_weights"
    return None
