import pytest

from pipelines.sources.feed_parser import (
    FeedRejected,
    canonical_url,
    decode_document,
    html_to_text,
    parse_document,
)
from tests.fixtures import feeds


def test_rss_entries_are_cleaned_and_dated_in_utc():
    entries, recovered = parse_document(feeds.RSS_UTF8.encode())
    assert not recovered
    first = entries[0]
    assert first.title == "وزير الخارجية السعودي يستقبل نظيره الكويتي في الرياض"
    assert first.summary == "استقبل وزير الخارجية السعودي نظيره الكويتي وبحثا العلاقات الثنائية وسبل تعزيزها."
    assert "alert" not in first.summary and "<" not in first.summary
    assert first.published_at == 1762239600000  # 2025-11-04T07:00:00Z
    assert first.item_key == "n-101"
    assert first.flags == ()


def test_atom_is_read():
    (entry,), _ = parse_document(feeds.ATOM.encode())
    assert entry.title.startswith("مجلس الأمن")
    assert entry.url == "https://agency.example/a1"
    assert entry.published_at is not None


@pytest.mark.parametrize("document", [feeds.RSS_1256, feeds.RSS_8859_6], ids=["windows-1256", "iso-8859-6"])
def test_declared_arabic_encodings_are_honoured(document):
    entries, _ = parse_document(document)
    assert entries and all("\ufffd" not in e.title and "الأردن" in e.title or "قطر" in e.title for e in entries)


def test_invalid_bytes_are_replaced_not_misread():
    entries, _ = parse_document(feeds.invalid_utf8())
    assert entries[0].title.startswith("وزير الخارجية")  # still Arabic, not windows-1252 mojibake
    assert "\ufffd" in entries[0].summary
    assert "bad_encoding" in entries[0].flags


@pytest.mark.parametrize("document", [feeds.BILLION_LAUGHS, feeds.XXE])
def test_entity_declarations_are_refused_before_parsing(document):
    with pytest.raises(FeedRejected) as info:
        parse_document(document)
    assert info.value.kind == "unsafe_xml"


def test_external_dtd_is_never_fetched():
    # The DTD points at a closed port; parsing must not try to reach it, and the entries are still read.
    try:
        entries, _ = parse_document(feeds.DTD_RETRIEVAL)
    except FeedRejected as exc:
        assert exc.kind == "unsafe_xml"
    else:
        assert entries[0].title == "t"


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedRejected) as info:
        parse_document(feeds.HTML_PAGE)
    assert info.value.kind == "not_a_feed"


def test_empty_feed_has_no_entries():
    entries, _ = parse_document(feeds.EMPTY_FEED)
    assert entries == []


def test_malformed_xml_keeps_what_can_be_read():
    entries, recovered = parse_document(feeds.MALFORMED)
    assert recovered
    assert entries[0].title == "وزير الخارجية المصري يزور الجزائر"


def test_items_without_link_or_title_are_flagged():
    entries, _ = parse_document(feeds.NO_LINK_NO_TITLE)
    no_title, no_link, empty = entries
    assert "no_title" in no_title.flags and no_title.summary
    assert "no_link" in no_link.flags and no_link.url is None
    assert not (empty.title or empty.summary)


def test_missing_date_is_null_and_flagged():
    entries, _ = parse_document(feeds.RSS_8859_6)
    assert entries[0].published_at is None and "no_date" in entries[0].flags


def test_huge_titles_are_truncated_and_flagged():
    doc = f'<rss version="2.0"><channel><item><title>{"خبر " * 300_000}</title><description>نص</description></item></channel></rss>'
    (entry,), _ = parse_document(doc.encode())
    assert len(entry.title) <= 1000 and "truncated" in entry.flags


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>نص <b>عريض</b></p>", "نص عريض"),
        ('<img src=x onerror="alert(1)">صورة', "صورة"),
        ("<script>alert(1)</script>خبر", "خبر"),
        ("<style>p{color:red}</style><p>أ</p><p>ب</p>", "أ\nب"),
        ("الأمم المتحدة &amp; الاتحاد الأوروبي", "الأمم المتحدة & الاتحاد الأوروبي"),
        ("😀 خبر \u0000", "😀 خبر"),
        ("", ""),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.News.example/a/1/?utm_source=x&b=2&a=1#top", "https://news.example/a/1?a=1&b=2"),
        ("http://news.example:80/a", "https://news.example/a"),
        ("https://news.example/a?fbclid=abc", "https://news.example/a"),
        (None, None),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_decode_uses_http_charset_when_no_declaration():
    text, replaced = decode_document("<rss>خبر</rss>".encode("cp1256"), "text/xml; charset=windows-1256")
    assert text == "<rss>خبر</rss>" and not replaced
