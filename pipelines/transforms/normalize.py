"""NormalizeText and DetectLanguage: shared Arabic normalization, stable ids, and the Arabic-only gate."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from models.classifier import document
from models.text import normalize_text
from pipelines import accounting
from pipelines.records import Article, article_id_for
from pipelines.sources.feed_parser import content_hash
from pipelines.transforms.failures import ToFailures

SKIPPED = "skipped"
_ARABIC = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LETTER = re.compile(r"[^\W\d_]")
# Letters used by Persian, Urdu, Pashto, Kurdish (Sorani) and not by Arabic.
_NON_ARABIC_SCRIPT_LETTERS = re.compile("[پچژگکیٹڈڑںےھۃۓۀ]")


def normalize_article(article: Article) -> Article:
    """Fill an article's normalized document, content hash (of title and summary) and stable id."""
    text = f"{article.summary}\n{article.body}" if article.body else article.summary
    digest = content_hash(normalize_text(article.title), normalize_text(article.summary))
    return replace(
        article,
        normalized=normalize_text(document(article.title, text)),
        content_hash=digest,
        article_id=article_id_for(article.canonical_url, digest),
    )


def detect_language(text: str) -> str:
    """Guess the language of a text from its script: ``ar``, ``fa``/``ur`` (Arabic script, other letters), or ``und``.

    Arabic-script letters must be at least half of all letters; Persian or Urdu is chosen when their own letters
    are more than 2% of the Arabic-script letters.
    """
    letters = _LETTER.findall(text)
    if not letters:
        return "und"
    arabic = _ARABIC.findall(text)
    if len(arabic) < 0.5 * len(letters):
        return "und"
    foreign = _NON_ARABIC_SCRIPT_LETTERS.findall(text)
    if len(foreign) > 0.02 * len(arabic):
        return "ur" if re.search("[ٹڈڑںے]", text) else "fa"
    return "ar"


class NormalizeText(beam.PTransform):  # type: ignore[misc]
    """``Article`` → ``Article`` with normalized text, content hash and id; crashes become dead letters."""

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        result = articles | "Normalize" >> beam.Map(normalize_article).with_exception_handling()
        return {"articles": result.good, "failed": result.bad | "NormalizeErrors" >> ToFailures("normalize")}


class _LanguageGateFn(beam.DoFn):  # type: ignore[misc]
    def process(self, article: Article) -> Iterable[Any]:
        language = detect_language(f"{article.title} {article.summary} {article.body or ''}")
        article = replace(article, language=language)
        if language != "ar":
            accounting.count(article.feed_id, "skipped")
            yield TaggedOutput(SKIPPED, article)
            return
        yield article


class DetectLanguage(beam.PTransform):  # type: ignore[misc]
    """Set each article's language; non-Arabic articles go to ``skipped`` (counted, not classified)."""

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        result = articles | "DetectLanguage" >> beam.ParDo(_LanguageGateFn()).with_outputs(SKIPPED, main="arabic")
        return {"articles": result.arabic, "skipped": result[SKIPPED]}
