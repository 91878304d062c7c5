"""The feed list: a YAML file (or a folder of feed files) validated into ``FeedSpec`` values.

YAML format::

    allow_private_networks: false      # optional; also --allow-private-networks on the command line
    feeds:
      - id: spa-politics               # unique, letters/digits/-/_
        url: https://example.org/rss   # http(s) URL, or a local path (relative to this file)
        outlet: Saudi Press Agency
        country: SAU                   # optional ISO 3166-1 alpha-3 of the outlet
        language: ar                   # optional, default ar
        full_text: false               # optional: fetch and extract each article page
        enabled: true                  # optional
        poll_interval: 300             # optional, seconds (streaming)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FEED_FILE_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


class FeedListError(ValueError):
    """The feed list cannot be used; the message names the file and the bad entry."""


@dataclass(frozen=True)
class FeedSpec:
    """One feed to read (a plain frozen value, cheap to ship to Beam workers)."""

    id: str
    url: str
    outlet: str
    country: str | None = None
    language: str = "ar"
    full_text: bool = False
    enabled: bool = True
    poll_interval: float | None = None

    @property
    def is_local(self) -> bool:
        """Whether the feed is a local file rather than an http(s) URL."""
        return not re.match(r"^https?://", self.url, re.IGNORECASE)


class _FeedEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
    url: str = Field(min_length=1)
    outlet: str = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    language: str = Field(default="ar", pattern=r"^[a-z]{2,3}$")
    full_text: bool = False
    enabled: bool = True
    poll_interval: float | None = Field(default=None, gt=0)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
        if scheme and scheme.group(1).lower() not in ("http", "https", "file"):
            raise ValueError(f"url must be http(s) or a local path, not {scheme.group(1)}://")
        return value


class _FeedList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_private_networks: bool = False
    feeds: list[dict[str, Any]]


@dataclass(frozen=True)
class FeedList:
    """A validated feed list."""

    feeds: tuple[FeedSpec, ...]
    allow_private_networks: bool = False
    source: str = ""

    @property
    def enabled(self) -> tuple[FeedSpec, ...]:
        """The feeds to read."""
        return tuple(f for f in self.feeds if f.enabled)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def load_feed_list(path: str | Path) -> FeedList:
    """Read a YAML feed list, or a folder of feed files (its ``feeds.yaml`` when it has one).

    Raises:
        FeedListError: with a one-line message naming the file and the bad entry.
    """
    path = Path(path)
    if path.is_dir():
        listed = path / "feeds.yaml"
        return load_feed_list(listed) if listed.exists() else _from_folder(path)
    if not path.exists():
        raise FeedListError(f"feed list {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FeedListError(f"feed list {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if isinstance(raw, list):
        raw = {"feeds": raw}
    if not isinstance(raw, dict) or "feeds" not in raw:
        raise FeedListError(f"feed list {path} must be a mapping with a 'feeds' list")
    try:
        top = _FeedList.model_validate(raw)
    except ValidationError as exc:
        raise FeedListError(f"feed list {path}: {_describe(exc)}") from exc
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    for n, item in enumerate(top.feeds):
        label = f"entry {n + 1}" + (f" (id {item.get('id')!r})" if isinstance(item, dict) and item.get("id") else "")
        if not isinstance(item, dict):
            raise FeedListError(f"feed list {path}: {label} must be a mapping")
        try:
            entry = _FeedEntry.model_validate(item)
        except ValidationError as exc:
            raise FeedListError(f"feed list {path}: {label}: {_describe(exc)}") from exc
        if entry.id in seen:
            raise FeedListError(f"feed list {path}: {label}: duplicate feed id {entry.id!r}")
        seen.add(entry.id)
        url = entry.url
        if url.lower().startswith("file://"):
            url = url[len("file://") :]
        if not re.match(r"^https?://", url, re.IGNORECASE):
            local = Path(url) if Path(url).is_absolute() else (path.parent / url)
            url = str(local.resolve())
        feeds.append(FeedSpec(**{**entry.model_dump(), "url": url}))
    if not feeds:
        raise FeedListError(f"feed list {path} has no feeds")
    return FeedList(feeds=tuple(feeds), allow_private_networks=top.allow_private_networks, source=str(path))


def _from_folder(folder: Path) -> FeedList:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FEED_FILE_SUFFIXES and p.is_file())
    if not files:
        raise FeedListError(f"feed folder {folder} has no feed files ({', '.join(FEED_FILE_SUFFIXES)})")
    feeds = tuple(
        FeedSpec(id=re.sub(r"[^A-Za-z0-9_.-]", "-", p.stem)[:80] or "feed", url=str(p.resolve()), outlet=p.stem)
        for p in files
    )
    return FeedList(feeds=feeds, source=str(folder))
