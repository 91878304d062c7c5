import pickle

import numpy as np
import skops.io as sio
from sklearn.base import clone

from models.classifier import build_pipeline
from models.preprocessing import ArabicNormalizer, CompactTfidfVectorizer

DOCS = [
    "وزير الخارجية يستقبل السفير الجديد",
    "وَزِيرُ الخارجية يستقبل السفير",
    "وقف إطلاق النار في غزة",
    "هدنة جديدة ووقف لإطلاق النار",
    "ارتفاع أسعار النفط في الأسواق",
    "أسعار الذهب والنفط اليوم",
]
LABELS = ["bilateral_relations", "bilateral_relations", "mediation_peace", "mediation_peace", "other", "other"]


def test_normalizer_follows_the_estimator_contract():
    normalizer = ArabicNormalizer(max_words=3)
    assert normalizer.fit(DOCS) is normalizer
    assert normalizer.get_params() == {"fold_teh_marbuta": True, "max_words": 3}
    cloned = clone(normalizer)
    assert cloned.get_params() == normalizer.get_params() and cloned is not normalizer
    assert ArabicNormalizer(**normalizer.get_params()).transform(DOCS) == normalizer.transform(DOCS)
    assert normalizer.transform(["وَزِيرُ الخارجية يستقبل السفير"]) == ["وزير الخارجيه يستقبل"]


def test_pipeline_round_trips_through_pickle_and_skops_with_identical_predictions():
    pipe = build_pipeline(features="word+char", classifier="logreg")
    pipe.set_params(features__word__min_df=1, features__char__min_df=1)
    pipe.fit(DOCS, LABELS)
    expected = pipe.predict_proba(DOCS)
    assert np.allclose(pickle.loads(pickle.dumps(pipe)).predict_proba(DOCS), expected)
    data = sio.dumps(pipe)
    restored = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert np.allclose(restored.predict_proba(DOCS), expected)


def test_compact_vectorizer_saves_vocabulary_as_an_array_and_restores_it():
    vec = CompactTfidfVectorizer(min_df=1).fit(DOCS)
    state = vec.__getstate__()
    assert "vocabulary_" not in state and "stop_words_" not in state
    assert len(state["vocabulary_terms_"]) == len(vec.vocabulary_)
    restored = CompactTfidfVectorizer()
    restored.__setstate__(state)
    assert restored.vocabulary_ == vec.vocabulary_
    assert (restored.transform(DOCS) != vec.transform(DOCS)).nnz == 0
