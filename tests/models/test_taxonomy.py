import re
from pathlib import Path

import pytest

from models.taxonomy import OTHER, load_taxonomy

EXPECTED = [
    "bilateral_relations",
    "multilateral_diplomacy",
    "conflict_security",
    "mediation_peace",
    "economic_diplomacy",
    "humanitarian_aid",
    "disputes_sanctions",
    "consular_affairs",
    "international_law_rights",
    "other",
]


def test_taxonomy_version_1_has_the_ten_topics_in_order():
    taxonomy = load_taxonomy()
    assert taxonomy.version == 1
    assert list(taxonomy.ids) == EXPECTED


def test_every_topic_has_names_description_and_mapping():
    for topic in load_taxonomy().topics:
        assert re.search("[\u0600-\u06ff]", topic.ar), topic.id
        assert topic.en and topic.description
        if topic.id != OTHER:
            assert topic.cameo and topic.plover_event_types, topic.id
            assert topic.diplomatic
    assert not load_taxonomy()[OTHER].diplomatic


def test_specificity_order_follows_the_tie_break_rule():
    order = load_taxonomy().specificity_order
    for specific in (
        "mediation_peace",
        "humanitarian_aid",
        "consular_affairs",
        "international_law_rights",
        "economic_diplomacy",
        "disputes_sanctions",
    ):
        assert order.index(specific) < order.index("bilateral_relations")
        assert order.index(specific) < order.index("multilateral_diplomacy")
    assert order.index("conflict_security") < order.index(OTHER)


def test_unknown_topic_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="bilateral_relations"):
        load_taxonomy().validate("sports")


def test_article_schema_documents_every_topic():
    schema = (Path(__file__).parents[2] / "schemas/avro/marsad.Article.avsc").read_text(encoding="utf-8")
    for topic in EXPECTED:
        assert topic in schema
