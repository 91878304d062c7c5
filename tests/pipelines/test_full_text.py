import apache_beam as beam
from apache_beam.testing.util import assert_that

from pipelines.sources.http import FetchLimits
from pipelines.transforms.full_text import FetchFullText
from pipelines.transforms.normalize import normalize_article
from tests.feedserver import Route, serve
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline
from tests.pipelines.test_normalize import article

PAGE = """<!doctype html><html><head><title>خبر</title></head><body>
<nav>الرئيسية | سياسة | اقتصاد | رياضة</nav>
<article><h1>وزير الخارجية يستقبل نظيره</h1>
<p>استقبل وزير الخارجية اليوم نظيره العماني في مقر الوزارة، وبحث الجانبان العلاقات الثنائية بين البلدين الشقيقين
وسبل تعزيزها في مختلف المجالات، إضافة إلى تطورات الأوضاع الإقليمية والدولية ذات الاهتمام المشترك.</p>
<p>وأكد الوزيران خلال اللقاء أهمية مواصلة التنسيق والتشاور المستمر بين البلدين، وتبادلا وجهات النظر حول عدد من
القضايا المطروحة على الساحتين الإقليمية والدولية، واتفقا على عقد اجتماع للجنة المشتركة خلال الأشهر المقبلة.</p>
</article><footer>جميع الحقوق محفوظة</footer></body></html>"""


def test_full_text_is_extracted_and_failures_keep_the_summary():
    limits = FetchLimits(allow_private_networks=True, total_timeout=3)
    with serve({"/page": Route(body=PAGE.encode(), content_type="text/html; charset=utf-8")}) as s:
        good = normalize_article(article("وزير الخارجية يستقبل نظيره", "ملخص قصير", url=s.url("/page"), feed="ft"))
        broken = normalize_article(article("خبر آخر", "ملخص", url=s.url("/gone"), feed="ft"))
        other_feed = normalize_article(article("خبر", "ملخص", url=s.url("/page"), feed="plain"))
        with in_process_pipeline() as p:
            out = p | beam.Create([good, broken, other_feed]) | FetchFullText(limits, frozenset({"ft"}))
            assert_that(
                out,
                fields_equal(
                    [("ft", True, ()), ("ft", False, ("full_text_failed",)), ("plain", False, ())],
                    lambda a: (
                        a.feed_id,
                        bool(a.body and "للجنة المشتركة" in a.body and "جميع الحقوق" not in a.body),
                        a.flags,
                    ),
                ),
            )
        assert s.hits("/page") == 1  # the feed without full_text is not fetched
