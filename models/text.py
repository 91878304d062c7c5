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
import unicodedata

import pyarabic.araby as araby

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"ى": "ي", "ی": "ي", "ک": "ك", "ٱ": "ا", "ۀ": "ه", "ھ": "ه"})
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Quranic annotation marks and small high letters that pyarabic's strip_tashkeel leaves in place.
_QURANIC = re.compile("[\u0610-\u061a\u06d6-\u06ed\u08d3-\u08ff]")


def _drop_format_controls(text: str) -> str:
    # Category Cf holds zero-width joiners, bidi marks and embeddings, BOM and soft hyphen; Cc holds other
    # control characters. Both carry no meaning for classification; tabs and newlines become spaces first.
    return "".join(
        ch if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs") else " " if ch in "\t\n\r\v\f" else ""
        for ch in text
    )


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
    text = _drop_format_controls(text)
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
    text = text.lower()
    return _SPACE.sub(" ", text).strip()
