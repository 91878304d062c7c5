"""Pure functions that turn a fetched feed document into articles: decode, check, parse, clean.

- Decoding honours the declared encoding (XML declaration, then HTTP charset; UTF-8, windows-1256,
  ISO-8859-6 ...). Invalid bytes become U+FFFD and the entries are flagged ``bad_encoding`` instead of the whole
  document being re-read in a wrong encoding.
- Documents declaring entities, external references or a DTD subset are refused before any parser sees them
  (``defusedxml``), so "billion laughs" and XXE never expand.
- feedparser reads RSS 0.9x/1.0/2.0 and Atom; HTML in titles and summaries is reduced to text (scripts and
  styles dropped); dates become UTC epoch milliseconds, or ``None`` with a ``no_date`` flag.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000
MAX_BODY_CHARS = 100_000
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|yclid|mc_cid|mc_eid|ref|ref_src|cmpid|at_medium|at_campaign|ocid)$", re.I
)
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


class FeedRejected(Exception):
    """The whole feed document cannot be read; ``kind`` says why (unsafe_xml, not_a_feed, malformed_xml)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ParsedEntry:
    """One feed entry reduced to plain fields."""

    title: str
    summary: str
    body: str | None
    url: str | None
    item_key: str | None
    published_at: int | None
    flags: tuple[str, ...]
    raw: dict[str, Any]


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset=([A-Za-z0-9._-]+)", content_type or "", re.I)
    return match.group(1) if match else None


def decode_document(content: bytes, content_type: str = "") -> tuple[str, bool]:
    """Decode a feed document by its declared encoding.

    Returns:
        The text, and whether invalid bytes had to be replaced.
    """
    if content.startswith(codecs.BOM_UTF8):
        content, declared = content[len(codecs.BOM_UTF8) :], "utf-8"
    else:
        match = _DECLARED.match(content[:200])
        declared = (match.group(1).decode("ascii") if match else None) or _charset(content_type) or "utf-8"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        codec = "utf-8"
    try:
        return content.decode(codec), False
    except UnicodeDecodeError:
        return content.decode(codec, errors="replace"), True


def check_safe_xml(text: str) -> None:
    """Refuse documents with entity declarations, external references or DTDs that defusedxml forbids.

    Raises:
        FeedRejected: ``unsafe_xml``.
    """
    if "<!DOCTYPE" not in text and "<!ENTITY" not in text and "<!doctype" not in text:
        return
    try:
        safe_fromstring(text.encode("utf-8"), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedRejected(
            "unsafe_xml", f"feed declares entities or external references ({type(exc).__name__})"
        ) from exc
    except Exception:  # noqa: BLE001 (malformed XML is handled by feedparser's lenient parser below)
        if "<!ENTITY" in text:
            raise FeedRejected("unsafe_xml", "feed declares XML entities") from None


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "noscript", "iframe", "object", "template", "svg"}
    _BLOCK = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Reduce an HTML fragment to plain text: tags, scripts, styles and event handlers gone, entities decoded."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        text = html
    else:
        parser = _TextExtractor()
        try:
            parser.feed(html)
            parser.close()
            text = "".join(parser.parts)
        except Exception:  # noqa: BLE001 (never fail on bad markup: fall back to dropping tags)
            text = unescape(re.sub(r"<[^>]*>", " ", html))
    text = _CONTROL.sub("", text)
    paragraphs = [_SPACE.sub(" ", p).strip() for p in text.split("\n")]
    return "\n".join(p for p in paragraphs if p)


def canonical_url(url: str | None) -> str | None:
    """Normalize a link for de-duplication (scheme and host lower-case, no fragment or tracking parameters)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url or None
    host = parts.netloc.lower()
    if host.endswith(":80") and parts.scheme.lower() == "http":
        host = host[:-3]
    if host.endswith(":443") and parts.scheme.lower() == "https":
        host = host[:-4]
    if host.startswith("www."):
        host = host[4:]
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))


def content_hash(normalized_title: str, normalized_text: str) -> str:
    """SHA-256 of an article's normalized title and text."""
    return hashlib.sha256(f"{normalized_title}\n{normalized_text}".encode()).hexdigest()


def _timestamp(entry: Any) -> int | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain dict access: no deprecated updated→published fallback
        if value:
            try:
                return int(calendar.timegm(value)) * 1000
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _clip(text: str, limit: int, flags: list[str]) -> str:
    if len(text) > limit:
        if "truncated" not in flags:
            flags.append("truncated")
        return text[:limit]
    return text


def parse_document(content: bytes, content_type: str = "") -> tuple[list[ParsedEntry], bool]:
    """Parse a feed document into entries.

    Returns:
        The entries (possibly none) and whether the document was recovered from malformed XML.

    Raises:
        FeedRejected: for unsafe XML or a document that is not a feed at all.
    """
    text, replaced = decode_document(content, content_type)
    if text.lstrip().startswith("{"):
        return parse_jsonl(text), False
    check_safe_xml(text)
    utf8 = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[A-Za-z0-9._-]+""", r"\1utf-8", text, count=1)
    parsed = feedparser.parse(utf8.encode("utf-8"), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):
        detail = parsed.get("bozo_exception")
        if re.search(r"<html[\s>]", text[:4096], re.IGNORECASE):
            raise FeedRejected("not_a_feed", "document is an HTML page, not an RSS or Atom feed")
        if detail and parsed.get("bozo"):
            raise FeedRejected("malformed_xml", f"document is not a readable feed: {str(detail)[:200]}")
        raise FeedRejected("not_a_feed", "document is not an RSS or Atom feed (an HTML page or other content)")
    entries = []
    for raw in parsed.entries:
        flags: list[str] = []
        if replaced:
            flags.append("bad_encoding")
        title = _clip(html_to_text(raw.get("title")), MAX_TITLE_CHARS, flags)
        summary = _clip(html_to_text(raw.get("summary") or raw.get("description")), MAX_SUMMARY_CHARS, flags)
        body = None
        contents = raw.get("content") or []
        if contents:
            full = html_to_text(contents[0].get("value"))
            if len(full) > len(summary):
                body = _clip(full, MAX_BODY_CHARS, flags)
        link = (raw.get("link") or "").strip() or None
        published = _timestamp(raw)
        if published is None:
            flags.append("no_date")
        if link is None:
            flags.append("no_link")
        if not title:
            flags.append("no_title")
        entries.append(
            ParsedEntry(
                title=title,
                summary=summary,
                body=body,
                url=link,
                item_key=(raw.get("id") or link),
                published_at=published,
                flags=tuple(flags),
                raw={k: dict.get(raw, k) for k in ("id", "title", "link", "published", "updated") if dict.get(raw, k)},
            )
        )
    return entries, bool(parsed.get("bozo"))


def parse_jsonl(text: str) -> list[ParsedEntry]:
    """Entries from JSON Lines, as other systems drop them into a watched inbox.

    Each line holds ``id``, ``title``, ``text`` (or ``summary``), ``url`` and ``published`` (ISO 8601). A line that
    is not a JSON object becomes an empty entry (a dead letter).
    """
    from datetime import datetime, timezone

    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError:
            entries.append(ParsedEntry("", "", None, None, None, None, ("bad_json",), {"line": line[:2000]}))
            continue
        flags: list[str] = []
        title = _clip(html_to_text(str(row.get("title") or "")), MAX_TITLE_CHARS, flags)
        summary = _clip(html_to_text(str(row.get("text") or row.get("summary") or "")), MAX_SUMMARY_CHARS, flags)
        published = None
        if row.get("published"):
            try:
                stamp = datetime.fromisoformat(str(row["published"]).replace("Z", "+00:00"))
                stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
                published = int(stamp.timestamp() * 1000)
            except ValueError:
                pass
        if published is None:
            flags.append("no_date")
        url = str(row["url"]) if row.get("url") else None
        if url is None:
            flags.append("no_link")
        entries.append(
            ParsedEntry(
                title,
                summary,
                None,
                url,
                str(row.get("id") or url or "") or None,
                published,
                tuple(flags),
                {k: row.get(k) for k in ("id", "title", "url") if row.get(k)},
            )
        )
    return entries
