"""TagActors: add the countries and organizations each article names (gazetteer loaded once per worker)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import apache_beam as beam

from models.actors import Gazetteer, load_gazetteer
from pipelines.records import ClassifiedArticle
from pipelines.transforms.failures import ToFailures


class TagActorsFn(beam.DoFn):  # type: ignore[misc]
    """Tag one classified article; the gazetteer is built in ``setup()``, once per DoFn instance."""

    def __init__(self) -> None:
        self._gazetteer: Gazetteer | None = None

    def setup(self) -> None:
        self._gazetteer = load_gazetteer()

    def teardown(self) -> None:
        self._gazetteer = None

    def process(self, item: ClassifiedArticle) -> Iterable[ClassifiedArticle]:
        assert self._gazetteer is not None, "setup() was not called"
        a = item.article
        text = f"{a.summary}\n{a.body}" if a.body else a.summary
        actors = self._gazetteer.tag(text, title=a.title)
        yield replace(item, countries=actors.countries, organizations=actors.organizations, dateline=actors.dateline)


class TagActors(beam.PTransform):  # type: ignore[misc]
    """``ClassifiedArticle`` → the same with ``countries`` and ``organizations`` set; crashes → ``failed``."""

    def expand(self, classified: beam.PCollection) -> dict[str, Any]:
        result = classified | "TagActors" >> beam.ParDo(TagActorsFn()).with_exception_handling()
        return {"tagged": result.good, "failed": result.bad | "TagErrors" >> ToFailures("tag")}
