"""Data-contract tests on the authored corpus: shape, labels, balance, near-duplicates, fixed splits."""

import itertools
import re
from collections import Counter, defaultdict

import pytest

from models.corpus import LabeledDataError, load_corpus, read_labeled, split_of
from models.taxonomy import OTHER, load_taxonomy

WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_items_are_complete_and_unique(corpus):
    ids = [it.id for it in corpus]
    assert len(ids) == len(set(ids))
    known = set(load_taxonomy().ids)
    for it in corpus:
        assert it.label in known, it.id
        assert it.title.strip() and it.text.strip(), it.id
        assert re.search("[\u0600-\u06ff]", it.text), it.id
        assert set(it.secondary) <= known - {it.label}, it.id
        assert all(re.fullmatch("[A-Z]{3}", c) for c in it.countries), it.id


def test_size_and_label_balance(corpus):
    counts = Counter(it.label for it in corpus)
    print("label balance:", dict(sorted(counts.items())))
    assert len(corpus) >= 2000
    for topic in load_taxonomy().ids:
        minimum = 500 if topic == OTHER else 150
        assert counts[topic] >= minimum, f"{topic}: {counts[topic]} items, need {minimum}"


def test_length_mix_has_short_medium_and_long_items(corpus):
    words = [len(WORD.findall(f"{it.title} {it.text}")) for it in corpus]
    short = sum(w < 45 for w in words) / len(words)
    long_ = sum(w >= 150 for w in words) / len(words)
    assert short >= 0.15 and long_ >= 0.10, (short, long_)


def _shingles(text, n=5):
    w = WORD.findall(text)
    return {tuple(w[i : i + n]) for i in range(max(0, len(w) - n + 1))}


def test_near_duplicates_within_a_label_are_rare(corpus):
    by_label = defaultdict(list)
    for it in corpus:
        by_label[it.label].append(_shingles(f"{it.title} {it.text}"))
    for label, shingles in by_label.items():
        pairs = near = 0
        for a, b in itertools.combinations(shingles, 2):
            pairs += 1
            if a and b and len(a & b) / len(a | b) >= 0.5:
                near += 1
        assert near <= 0.02 * pairs, f"{label}: {near} near-duplicate pairs of {pairs}"


def test_splits_are_fixed_by_id_and_roughly_70_15_15(corpus):
    assert split_of("bil-0001") == split_of("bil-0001")
    counts = Counter(it.split for it in corpus)
    total = sum(counts.values())
    assert 0.62 < counts["train"] / total < 0.78
    assert 0.09 < counts["test"] / total < 0.21
    assert all(counts[s] > 0 for s in ("train", "dev", "test"))


def test_every_label_is_in_the_test_split(corpus):
    test_labels = {it.label for it in corpus if it.split == "test"}
    assert test_labels == set(load_taxonomy().ids)


def test_labeled_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "title": "t", "text": "x", "label": "other"}\n{"id": "b", "title": "t", "label": "sport"}\n',
        encoding="utf-8",
    )
    with pytest.raises(LabeledDataError, match=r"bad.jsonl:2: unknown label 'sport'"):
        list(read_labeled(bad))


def test_csv_labeled_files_are_read(tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text("id,title,text,label\nx1,عنوان,نص الخبر,other\n", encoding="utf-8")
    (item,) = read_labeled(path)
    assert (item.id, item.label, item.title) == ("x1", "other", "عنوان")
