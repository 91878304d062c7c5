import apache_beam as beam
from apache_beam.testing.util import assert_that

from pipelines.records import ClassifiedArticle
from pipelines.transforms.normalize import normalize_article
from pipelines.transforms.tag_actors import TagActors, TagActorsFn
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline
from tests.pipelines.test_normalize import article


def classified(title: str, summary: str) -> ClassifiedArticle:
    return ClassifiedArticle(
        article=normalize_article(article(title, summary)),
        topic="bilateral_relations",
        topic_scores={},
        secondary_topics=(),
        confidence=0.9,
        needs_review=False,
        model_version="m",
    )


def test_countries_and_organizations_are_tagged():
    items = [
        classified("وزير الخارجية السعودي يستقبل نظيره الكويتي", "بحث الجانبان التنسيق في الجامعة العربية"),
        classified("الهلال يفوز", "فاز الهلال في الدوري"),
    ]
    with in_process_pipeline() as p:
        out = p | beam.Create(items) | TagActors()
        assert_that(
            out["tagged"],
            fields_equal([(("KWT", "SAU"), ("ARAB_LEAGUE",)), ((), ())], lambda c: (c.countries, c.organizations)),
            label="Tagged",
        )
        assert_that(out["failed"], fields_equal([], lambda f: f), label="NoFailures")


def test_gazetteer_loads_once_per_instance(monkeypatch):
    import pipelines.transforms.tag_actors as module

    calls = []
    real = module.load_gazetteer
    monkeypatch.setattr(module, "load_gazetteer", lambda: calls.append(1) or real())
    fn = TagActorsFn()
    fn.setup()
    for _ in range(3):
        list(fn.process(classified("قمة في القاهرة", "بحث الزعماء")))
    fn.teardown()
    assert calls == [1]
