"""Fetching published data: data.police.uk archives and API (``csp fetch police-uk``).

``http`` moves bytes (retries, rate limit, resumable files), ``cache`` remembers what
arrived, ``archive`` and ``api`` are the two routes, ``months`` says what became of
each requested month and ``police_uk`` puts them together.
"""

from csplib.fetch.police_uk import (
    FetchResult,
    fetch_police_uk,
    ingest_fetched,
    record_coverage,
    resolve_base_url,
)

__all__ = [
    "FetchResult",
    "fetch_police_uk",
    "ingest_fetched",
    "record_coverage",
    "resolve_base_url",
]
