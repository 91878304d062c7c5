"""The topic classifier: one scikit-learn ``Pipeline`` from raw text to calibrated topic probabilities.

``build_pipeline`` is the only place that decides the model's shape. ``predict`` turns the pipeline's
probabilities into what every consumer of Marsad sees for an article: the primary topic, a score per topic,
secondary topics, a confidence and a needs-review flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from models.preprocessing import ArabicNormalizer, CompactTfidfVectorizer

FeatureKind = Literal["word", "char", "word+char", "hashing"]

SECONDARY_THRESHOLD = 0.20
"""A topic other than the primary one is reported as secondary when its probability reaches this."""

REVIEW_THRESHOLD = 0.50
"""Articles whose primary-topic probability is below this are flagged ``needs_review``."""


def document(title: str | None, text: str | None) -> str:
    """Join headline and lead into the one string the classifier reads.

    The headline is the strongest signal of the primary topic (TAXONOMY.md judges from headline and lead),
    so it comes first and is repeated once to weigh more than any one sentence of the body.
    """
    title = (title or "").strip()
    text = (text or "").strip()
    return f"{title} . {title} . {text}" if title else text


def _word_features(max_features: int | None) -> CompactTfidfVectorizer:
    return CompactTfidfVectorizer(
        analyzer="word",
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
    )


def _char_features(max_features: int | None) -> CompactTfidfVectorizer:
    return CompactTfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=max_features
    )


def build_features(kind: FeatureKind = "word+char", max_features: int | None = 200_000) -> Any:
    """Return the feature step for ``kind`` (word n-grams, character n-grams, both, or hashed words+chars)."""
    if kind == "word":
        return _word_features(max_features)
    if kind == "char":
        return _char_features(max_features)
    if kind == "word+char":
        return FeatureUnion([("word", _word_features(max_features)), ("char", _char_features(max_features))])
    if kind == "hashing":
        return FeatureUnion(
            [
                (
                    "word",
                    make_pipeline(
                        HashingVectorizer(ngram_range=(1, 2), n_features=2**20, alternate_sign=False, norm=None),
                        TfidfTransformer(sublinear_tf=True),
                    ),
                ),
                (
                    "char",
                    make_pipeline(
                        HashingVectorizer(
                            analyzer="char_wb", ngram_range=(2, 5), n_features=2**20, alternate_sign=False, norm=None
                        ),
                        TfidfTransformer(sublinear_tf=True),
                    ),
                ),
            ]
        )
    raise ValueError(f"unknown feature kind {kind!r}; choose word, char, word+char or hashing")


def build_pipeline(
    *,
    features: FeatureKind = "word+char",
    classifier: Literal["svm", "logreg"] = "svm",
    C: float = 0.5,  # noqa: N803 (sklearn naming)
    max_words: int = 0,
    max_features: int | None = 200_000,
    calibration_folds: int = 3,
) -> Pipeline:
    """Build the untrained classifier pipeline: normalizer → features → calibrated linear classifier.

    Args:
        features: Which text features to use (see ``build_features``).
        classifier: ``svm`` (a linear SVM calibrated with Platt scaling) or ``logreg`` (multinomial logistic
            regression, probabilistic by itself).
        C: Inverse regularization strength of the linear model.
        max_words: Keep only the first words of each document (0 keeps all).
        max_features: Vocabulary cap per feature family (ignored for hashing).
        calibration_folds: Cross-validation folds used to calibrate the SVM's scores.

    Returns:
        An unfitted ``Pipeline`` whose ``predict_proba`` gives one probability per topic.
    """
    if classifier == "svm":
        model: Any = CalibratedClassifierCV(
            LinearSVC(C=C, class_weight="balanced"), method="sigmoid", cv=calibration_folds, ensemble=False
        )
    elif classifier == "logreg":
        model = LogisticRegression(C=C * 20, class_weight="balanced", max_iter=2000)
    else:
        raise ValueError(f"unknown classifier {classifier!r}; choose svm or logreg")
    return Pipeline(
        [
            ("normalize", ArabicNormalizer(max_words=max_words)),
            ("features", build_features(features, max_features)),
            ("classify", model),
        ]
    )


@dataclass(frozen=True)
class TopicPrediction:
    """What the classifier says about one article."""

    topic: str
    scores: dict[str, float]
    secondary: tuple[str, ...]
    confidence: float
    needs_review: bool


def predict(
    pipeline: Pipeline,
    documents: Sequence[str],
    topics: Sequence[str],
    *,
    secondary_threshold: float = SECONDARY_THRESHOLD,
    review_threshold: float = REVIEW_THRESHOLD,
) -> list[TopicPrediction]:
    """Classify a batch of documents (built with :func:`document`).

    Args:
        pipeline: A fitted pipeline from :func:`build_pipeline`.
        documents: The documents to classify, in one batch.
        topics: Every topic id of the taxonomy; topics the model never saw get a score of 0.
        secondary_threshold: Minimum probability for a secondary topic.
        review_threshold: Below this primary probability the prediction needs review.

    Returns:
        One ``TopicPrediction`` per document, in order.
    """
    if not documents:
        return []
    proba = np.asarray(pipeline.predict_proba(list(documents)))
    classes = [str(c) for c in pipeline.classes_]
    col = {c: i for i, c in enumerate(classes)}
    results = []
    for row in proba:
        scores = {t: round(float(row[col[t]]), 6) if t in col else 0.0 for t in topics}
        primary = max(scores, key=lambda t: scores[t])
        secondary = tuple(
            t for t in sorted(scores, key=lambda t: -scores[t]) if t != primary and scores[t] >= secondary_threshold
        )
        confidence = scores[primary]
        results.append(
            TopicPrediction(
                topic=primary,
                scores=scores,
                secondary=secondary,
                confidence=confidence,
                needs_review=confidence < review_threshold,
            )
        )
    return results
