"""Arabic text normalization shared by training and the Beam jobs.

``normalize_text`` is pure and idempotent (``normalize_text(normalize_text(x)) == normalize_text(x)``). The
classifier's first step and the Beam ``NormalizeText`` transform both call it, so training and serving cannot
drift apart.

Policy (the usual one for Arabic retrieval and classification):

- diacritics (tashkeel, including Quranic marks) and tatweel are removed;
- alef variants (أ إ آ ٱ) become ا, hamza on waw or yeh (ؤ ئ) becomes و / ي, the lam-alef ligatures are split;
- teh marbuta (ة) becomes heh (ه) and alef maqsura (ى) becomes yeh (ي); Persian yeh and kaf become Arabic;
- Arabic-Indic and Persian digits become ASCII digits;
- zero-width, bidi and other format controls are dropped; URLs and e-mail addresses are removed;
- Latin letters are lower-cased and all whitespace runs become one space.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import pyarabic.araby as araby

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"ى": "ي", "ی": "ي", "ک": "ك", "ٱ": "ا", "ۀ": "ه", "ھ": "ه"})
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Combining marks pyarabic's strip_tashkeel leaves in place: maddah and hamza above/below, subscript alef,
# superscript alef, Quranic annotation marks and small high letters.
_QURANIC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff]")


def _format_controls() -> dict[int, str | None]:
    # Category Cf holds zero-width joiners, bidi marks and embeddings, BOM and soft hyphen; Cc holds other
    # control characters; Cs are lone surrogates. None carries meaning for classification.
    # Whitespace controls (tab, newline ...) become spaces; the rest are dropped. Built once, used by translate().
    table: dict[int, str | None] = {}
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in ("Cf", "Cc", "Cs"):
            table[code] = " " if chr(code) in "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85" else None
    return table


_CONTROLS = _format_controls()


def normalize_text(text: str, *, drop_urls: bool = True, fold_teh_marbuta: bool = True) -> str:
    """Normalize Arabic text for matching and classification.

    Args:
        text: Any Unicode text; ``None`` is not accepted.
        drop_urls: Remove URLs and e-mail addresses.
        fold_teh_marbuta: Map teh marbuta to heh (on by default; switch off to keep ة for display).

    Returns:
        The normalized text, stripped, with single spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_CONTROLS)
    if drop_urls:
        text = _URL.sub(" ", text)
    text = araby.strip_tashkeel(text)
    text = _QURANIC.sub("", text)
    text = araby.strip_tatweel(text)
    text = araby.normalize_ligature(text)
    text = araby.normalize_hamza(text, method="tasheel")
    text = text.translate(_LETTERS).translate(_DIGITS)
    if fold_teh_marbuta:
        text = araby.normalize_teh(text)
    # Dropping characters can leave combining marks side by side in a non-canonical order, and lower-casing
    # can produce sequences NFKC would change: one more NFKC makes the result a fixed point (idempotent).
    text = unicodedata.normalize("NFKC", text.lower())
    return _SPACE.sub(" ", text).strip()
