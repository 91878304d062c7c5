"""Avro schemas of Marsad's outputs, parsed once.

``schemas/avro/<full_name>.avsc`` holds the current version of each record type; ``schemas/history/<N>/`` holds
every released version, the newest being identical to the current one (a test checks that and pins each
version's fingerprint). Nothing else in Marsad calls ``fastavro.parse_schema``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from fastavro import parse_schema

ARTICLE = "marsad.Article"
DEAD_LETTER = "marsad.DeadLetter"
RECORD_TYPES = (ARTICLE, DEAD_LETTER)


def _root() -> Any:
    return resources.files("schemas")


def raw_schema(name: str, version: str | None = None) -> dict[str, Any]:
    """The JSON of a schema: the current one, or a released ``version`` from ``schemas/history``."""
    folder = _root().joinpath("avro") if version is None else _root().joinpath("history", version)
    return json.loads(folder.joinpath(f"{name}.avsc").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def parsed_schema(name: str, version: str | None = None) -> Any:
    """The parsed schema (cached), ready for ``fastavro.writer`` or as a ``reader_schema``."""
    return parse_schema(raw_schema(name, version))


def history_versions() -> list[str]:
    """Released schema versions, oldest first."""
    return sorted((p.name for p in _root().joinpath("history").iterdir() if p.name.isdigit()), key=int)


def current_version() -> str:
    """The schema version written by this Marsad (the newest released one)."""
    return history_versions()[-1]


def field_names(name: str) -> list[str]:
    """Field names of the current schema of a record type."""
    return [f["name"] for f in raw_schema(name)["fields"]]
