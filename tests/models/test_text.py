import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.text import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # diacritics
        ("السَّلامُ عَلَيْكُم", "السلام عليكم"),
        ("الســـلام", "السلام"),  # tatweel
        ("أحمد", "احمد"),  # alef with hamza above
        ("إسلام", "اسلام"),  # alef with hamza below
        ("آمن", "امن"),  # alef madda
        ("ٱلله", "الله"),  # alef wasla
        ("مسؤول", "مسوول"),  # hamza on waw
        ("رئيس", "رييس"),  # hamza on yeh
        ("سماء", "سماء"),  # standalone hamza kept
        ("مدرسة", "مدرسه"),  # teh marbuta
        ("على مستوى", "علي مستوي"),  # alef maqsura
        ("ﻻ", "لا"),  # lam-alef ligature
        ("ﻷن", "لان"),
        ("٢٠٢٥", "2025"),  # Arabic-Indic digits
        ("۱۴۰۴", "1404"),  # Persian digits
        ("زيارة\u200bرسمية", "زيارهرسميه"),  # zero-width space removed
        ("\u202bالرياض\u202c", "الرياض"),  # bidi embedding controls removed
        ("\u200fالرياض\u200e", "الرياض"),  # RLM / LRM
        ("\ufeffخبر", "خبر"),  # BOM
        ("اقرأ المزيد https://example.org/a?b=1 هنا", "اقرا المزيد هنا"),  # URL
        ("راسلونا info@example.org الآن", "راسلونا الان"),  # e-mail
        ("www.example.org/news خبر", "خبر"),
        ("  كلمة \n\t كلمة  ", "كلمه كلمه"),  # whitespace
        ("UN Security Council", "un security council"),  # Latin lower-cased
        ("فارسی کتاب", "فارسي كتاب"),  # Persian yeh and kaf
        ("", ""),
    ],
)
def test_normalize_text_table(raw, expected):
    assert normalize_text(raw) == expected


def test_teh_marbuta_policy_can_be_kept():
    assert normalize_text("مدرسة", fold_teh_marbuta=False) == "مدرسة"


def test_urls_can_be_kept():
    assert "example" in normalize_text("https://example.org", drop_urls=False)


@pytest.mark.parametrize(
    "raw",
    ["وَزِيرُ الخَارِجِيَّةِ", "الإمـــارات", "مسؤولون أمميون", "١٢ ربيع الأول ١٤٤٧ هـ", "\u202eabc\u202c"],
)
def test_idempotent_on_examples(raw):
    once = normalize_text(raw)
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_idempotent_and_never_raises_on_any_text(text):
    once = normalize_text(text)
    assert isinstance(once, str)
    once.encode("utf-8")  # valid Unicode (no lone surrogates)
    assert normalize_text(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)))
def test_idempotent_on_arabic_block(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
