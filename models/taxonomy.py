"""The diplomatic topic taxonomy (version 1), loaded once from ``models/data/taxonomy.yaml``.

Everything in Marsad that names a topic (the classifier, the Avro schemas, the CLI and the reports) takes the
ids from here, so the taxonomy has a single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy."""

    id: str
    ar: str
    en: str
    description: str
    cameo: tuple[str, ...]
    plover_event_types: tuple[str, ...]
    plover_contexts: tuple[str, ...]

    @property
    def diplomatic(self) -> bool:
        """Whether the topic is one of the diplomatic topics (everything but ``other``)."""
        return self.id != OTHER


@dataclass(frozen=True)
class Taxonomy:
    """The whole taxonomy: its version, its topics in a fixed order and the tie-break order."""

    version: int
    topics: tuple[Topic, ...]
    specificity_order: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Topic ids in the taxonomy's fixed order."""
        return tuple(t.id for t in self.topics)

    def __getitem__(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"unknown topic {topic_id!r}; known topics: {', '.join(self.ids)}")

    def validate(self, topic_id: str) -> str:
        """Return ``topic_id`` when it is a known topic, else raise a ``ValueError`` naming the known ones."""
        if topic_id not in self.ids:
            raise ValueError(f"unknown topic {topic_id!r}; known topics: {', '.join(self.ids)}")
        return topic_id


OTHER = "other"


@cache
def load_taxonomy() -> Taxonomy:
    """Load and check the bundled taxonomy file (parsed once per process)."""
    raw = yaml.safe_load(resources.files("models").joinpath("data/taxonomy.yaml").read_text(encoding="utf-8"))
    topics = tuple(
        Topic(
            id=t["id"],
            ar=t["ar"],
            en=t["en"],
            description=" ".join(t["description"].split()),
            cameo=tuple(t["cameo"]),
            plover_event_types=tuple(t["plover"]["event_types"]),
            plover_contexts=tuple(t["plover"]["contexts"]),
        )
        for t in raw["topics"]
    )
    taxonomy = Taxonomy(version=int(raw["version"]), topics=topics, specificity_order=tuple(raw["specificity_order"]))
    if sorted(taxonomy.specificity_order) != sorted(taxonomy.ids) or OTHER not in taxonomy.ids:
        raise ValueError("taxonomy.yaml: specificity_order must list every topic exactly once, including 'other'")
    return taxonomy


def topic_ids() -> tuple[str, ...]:
    """Topic ids of the bundled taxonomy, in its fixed order."""
    return load_taxonomy().ids
