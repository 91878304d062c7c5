"""Countries (ISO 3166-1 alpha-3) and international organizations named in Arabic text.

A gazetteer of names, capitals (used for governments: «واشنطن ترفض»), nationality adjectives and organization
names, all normalized with :func:`models.text.normalize_text`, is matched token by token with Arabic proclitics
handled (والسعودية، بالرياض، للكويت، وللإمارات). Organizations and masked spans (companies, newspapers, agencies,
clubs, regions such as «أمريكا اللاتينية») are matched first and hide the country words inside them; a leading
news-agency dateline («الرياض - واس»، «دبي، الإمارات (CNN)--») is ignored, as TAXONOMY.md asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from models.text import normalize_text

# Proclitics that can precede a name, longest first. «لل» also stands for «ل» + «ال» with the alef elided.
_PROCLITICS = (
    "وبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ولل",
    "فلل",
    "لل",
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)
_ADJ_SUFFIXES = ("", "ه", "ين", "ون", "تين", "تان", "ان")
_WORD = re.compile(r"\w+")
_SEPARATORS = re.compile(r"\s(?:--|-|–|—)\s?|\)\s*(?:--|-|–|—)?|--|:|،")
_MASK = "MASK"
# Cities that open datelines without being in the country table (ambiguous or not capitals).
_DATELINE_PLACES = frozenset(
    normalize_text(p)
    for p in (
        "عمان",
        "جدة",
        "مكة",
        "المدينة",
        "الدمام",
        "الدار البيضاء",
        "نيويورك",
        "جنيف",
        "بروكسل",
        "فيينا",
        "لاهاي",
        "الإسكندرية",
        "الموصل",
        "البصرة",
        "أربيل",
        "حلب",
        "حمص",
        "الظهران",
        "العلا",
        "نيوم",
        "شرم الشيخ",
        "مراكش",
        "وهران",
        "صفاقس",
        "مصراتة",
        "حضرموت",
        "مأرب",
        "تعز",
        "الحديدة",
        "القدس",
        "الناصرة",
        "نابلس",
        "الخليل",
        "رفح",
        "خان يونس",
        "جنين",
        "طرطوس",
        "اللاذقية",
        "صيدا",
        "صور",
        "زحلة",
        "الفاشر",
        "نيالا",
        "كسلا",
        "أسوان",
    )
)
# News-agency tags that follow a dateline («عمّان - بترا -»), normalized.
_AGENCIES = frozenset(
    normalize_text(a)
    for a in (
        "واس",
        "قنا",
        "وام",
        "كونا",
        "بنا",
        "العمانية",
        "بترا",
        "سانا",
        "واع",
        "إرنا",
        "الأناضول",
        "ماب",
        "ومع",
        "واج",
        "وات",
        "رويترز",
        "أ ف ب",
        "ا ف ب",
        "فرانس برس",
        "د ب أ",
        "أ ب",
        "شينخوا",
        "سبوتنيك",
        "سبأ",
        "وكالات",
        "cnn",
        "بي بي سي",
        "الجزيرة نت",
        "الأناضول",
        "تاس",
        "نوفوستي",
        "قنا",
        "بنا",
        "العربية نت",
        "سكاي نيوز عربية",
    )
)


@dataclass(frozen=True)
class Actors:
    """Countries and organizations found in a text (each sorted, without repeats), and its dateline if any."""

    countries: tuple[str, ...]
    organizations: tuple[str, ...]
    dateline: str | None = None


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize_text(text))


@lru_cache(maxsize=200_000)
def _clitic_variants(token: str) -> tuple[str, ...]:
    """The token itself and what it could be once a proclitic is removed («والسعوديه» → «السعوديه»)."""
    variants = [token]
    for prefix in _PROCLITICS:
        rest = token[len(prefix) :]
        if token.startswith(prefix) and len(rest) >= 2:
            variants.append(rest)
            if prefix.endswith("لل"):
                variants.append("ال" + rest)
    return tuple(variants)


def _adjective_forms(stem: str, definite_only: bool) -> Iterator[str]:
    words = normalize_text(stem).split()
    for suffix in _ADJ_SUFFIXES:
        inflected = [w + suffix for w in words]
        if not definite_only:
            yield " ".join(inflected)
        yield " ".join("ال" + w for w in inflected)


Phrase = tuple[str, ...]
Index = dict[str, list[tuple[Phrase, str]]]


def _index(table: dict[Phrase, str]) -> Index:
    """Phrases by their first word, longest first, so a scan tries only phrases that can start at a token."""
    index: Index = {}
    for phrase, code in table.items():
        index.setdefault(phrase[0], []).append((phrase[1:], code))
    for candidates in index.values():
        candidates.sort(key=lambda c: -len(c[0]))
    return index


class Gazetteer:
    """Names of countries and organizations, ready for matching."""

    def __init__(self, countries: dict[str, Any], organizations: dict[str, list[str]], masks: dict[str, Any]):
        orgs: dict[Phrase, str] = {}
        places: dict[Phrase, str] = {}
        patterns: dict[Phrase, str] = {}
        for code, names in organizations.items():
            for name in names:
                orgs[tuple(_words(name))] = code
        for phrase in masks.get("phrases", []):
            orgs.setdefault(tuple(_words(phrase)), _MASK)
        for pattern in masks.get("patterns", []):
            patterns[tuple(_words(pattern.replace("*", "")))] = _MASK
        for code, entry in countries.items():
            for phrase in [*entry.get("names", []), *entry.get("capitals", []), *entry.get("forms", [])]:
                places[tuple(_words(phrase))] = code
            for stem in entry.get("adjectives", []):
                for form in _adjective_forms(stem, bool(entry.get("definite_only"))):
                    places.setdefault(tuple(form.split()), code)
        self._orgs, self._countries, self._patterns = _index(orgs), _index(places), _index(patterns)
        self._country_codes = set(places.values())
        self._organization_codes = set(orgs.values()) - {_MASK}
        self._places = {k[0] for k in places if len(k) == 1} | _DATELINE_PLACES

    @property
    def country_codes(self) -> set[str]:
        """Every country code the gazetteer knows."""
        return set(self._country_codes)

    @property
    def organization_codes(self) -> set[str]:
        """Every organization code the gazetteer knows."""
        return set(self._organization_codes)

    @staticmethod
    def _match_at(index: Index, tokens: list[str], i: int, used: list[bool], extra: int = 0) -> tuple[int, str] | None:
        """The longest phrase of ``index`` starting at token ``i`` over unused tokens (``extra`` words beyond it)."""
        for first in _clitic_variants(tokens[i]):
            for rest, code in index.get(first, ()):
                end = i + 1 + len(rest)
                if end + extra > len(tokens) or tuple(tokens[i + 1 : end]) != rest:
                    continue
                if any(used[i : end + extra]):
                    continue
                return end + extra - i, code
        return None

    def _scan(self, index: Index, tokens: list[str], used: list[bool], extra: int = 0) -> list[str]:
        found = []
        i = 0
        while i < len(tokens):
            hit = None if used[i] else self._match_at(index, tokens, i, used, extra)
            if hit is None:
                i += 1
                continue
            length, code = hit
            for j in range(i, i + length):
                used[j] = True
            found.append(code)
            i += length
        return found

    def strip_dateline(self, text: str) -> str:
        """Drop a leading dateline («الرياض 5 نوفمبر (واس) -»، «دبي، الإمارات (CNN)--»، «عمّان - بترا -»)."""
        return self.split_dateline(text)[1]

    def split_dateline(self, text: str) -> tuple[str | None, str]:
        """Split a leading dateline from the text: ``(dateline or None, rest)``."""
        rest, cut, pending_comma = text, 0, False
        for _ in range(5):
            match = _SEPARATORS.search(rest[:160])
            if not match:
                break
            prefix = rest[: match.start()]
            words = _words(prefix)
            is_agency = bool(words) and " ".join(words) in _AGENCIES
            is_place = bool(words) and len(words) <= 14 and any(v in self._places for v in _clitic_variants(words[0]))
            if not (prefix.lstrip().startswith("(") or is_agency or is_place):
                break
            rest = rest[match.end() :]
            pending_comma = match.group().strip() == "،"
            if not pending_comma:
                cut = len(text) - len(rest)
        # A comma alone («السعودية، الإمارات وقطر ...») is not a dateline: only cut through a dash or bracket.
        dateline = text[:cut].strip(" \t-–—:") or None
        return dateline, text[cut:]

    def tag(self, text: str, *, title: str = "") -> Actors:
        """Find the countries and organizations named in an article's title and text (and its dateline)."""
        dateline, body = self.split_dateline(text or "")
        tokens = [*_words(title or ""), "", *_words(body)]
        used = [not t for t in tokens]
        orgs = [c for c in self._scan(self._orgs, tokens, used) if c != _MASK]
        self._scan(self._patterns, tokens, used, extra=1)  # «صحيفة *»: the pattern and the word after it
        countries = set(self._scan(self._countries, tokens, used))
        # Bare «عمان» is Oman unless the text is about Jordan, where it is most likely Amman.
        if "JOR" not in countries and any(not u and "عمان" in _clitic_variants(t) for t, u in zip(tokens, used)):
            countries.add("OMN")
        return Actors(countries=tuple(sorted(countries)), organizations=tuple(sorted(set(orgs))), dateline=dateline)


@cache
def load_gazetteer() -> Gazetteer:
    """The bundled gazetteer (parsed once per process)."""
    data = resources.files("models").joinpath("data")

    def _load(name: str) -> Any:
        return yaml.safe_load(data.joinpath(name).read_text(encoding="utf-8"))

    return Gazetteer(_load("countries.yaml"), _load("organizations.yaml"), _load("masks.yaml"))


def tag_actors(texts: Iterable[tuple[str, str]]) -> list[Actors]:
    """Tag many (title, text) pairs with the bundled gazetteer."""
    gazetteer = load_gazetteer()
    return [gazetteer.tag(text, title=title) for title, text in texts]
