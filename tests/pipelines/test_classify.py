import apache_beam as beam
from apache_beam.testing.util import assert_that

from pipelines.transforms.classify import ClassifyTopic, TopicModelHandler
from pipelines.transforms.normalize import normalize_article
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline
from tests.pipelines.test_normalize import article

LOADS: list[str] = []


class CountingHandler(TopicModelHandler):
    def load_model(self):
        LOADS.append(self.version or "champion")
        return super().load_model()


def test_articles_are_classified_in_batches_with_one_model_load(trained_registry):
    LOADS.clear()
    articles = [
        normalize_article(
            article(f"وزير الخارجية يستقبل السفير {i}", "بحث الجانبان العلاقات الثنائية", url=f"https://n.example/{i}")
        )
        for i in range(40)
    ]
    handler = CountingHandler(trained_registry.root, min_batch_size=4, max_batch_size=8)
    champion = trained_registry.champion()
    with in_process_pipeline() as p:
        out = p | beam.Create(articles) | ClassifyTopic(handler)
        assert_that(
            out["classified"],
            fields_equal(
                [(champion, True, True)] * 40,
                lambda c: (
                    c.model_version,
                    abs(sum(c.topic_scores.values()) - 1) < 1e-3,
                    c.topic in c.topic_scores and c.confidence == c.topic_scores[c.topic],
                ),
            ),
            label="Classified",
        )
        assert_that(out["failed"], fields_equal([], lambda f: f), label="NoFailures")
    assert LOADS == ["champion"]


class BrokenHandler(TopicModelHandler):
    def run_inference(self, batch, model, inference_args=None):
        if any("قنبلة" in a.title for a in batch):
            raise ValueError("model exploded")
        return super().run_inference(batch, model, inference_args)


def test_inference_errors_become_dead_letters(trained_registry):
    good = normalize_article(article("وزير الخارجية يستقبل السفير", "نص", url="https://n.example/g"))
    bad = normalize_article(article("قنبلة", "نص", url="https://n.example/b", feed="bad"))
    handler = BrokenHandler(trained_registry.root, min_batch_size=1, max_batch_size=1)
    with in_process_pipeline() as p:
        out = p | beam.Create([good, bad]) | ClassifyTopic(handler)
        assert_that(out["classified"], fields_equal([("f",)], lambda c: (c.article.feed_id,)), label="Good")
        assert_that(
            out["failed"],
            fields_equal([("bad", "classify", "item")], lambda f: (f.feed_id, f.stage, f.level)),
            label="Failed",
        )


def test_model_path_update_switches_version(trained_registry):
    handler = TopicModelHandler(trained_registry.root)
    handler.update_model_path(trained_registry.path("20990101T000000-abcdef"))
    assert handler.version == "20990101T000000-abcdef"
