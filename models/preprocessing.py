"""scikit-learn transformers used inside the topic classifier pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from models.text import normalize_text


class ArabicNormalizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Apply :func:`models.text.normalize_text` to every document (stateless).

    Args:
        fold_teh_marbuta: Passed to ``normalize_text``.
        max_words: Keep only the first ``max_words`` words of each normalized document (0 keeps all). Topics
            are judged from the headline and lead, so the tail of a long article mostly adds noise.
    """

    def __init__(self, fold_teh_marbuta: bool = True, max_words: int = 0) -> None:
        self.fold_teh_marbuta = fold_teh_marbuta
        self.max_words = max_words

    def fit(self, X: Iterable[str], y: Any = None) -> ArabicNormalizer:  # noqa: N803 (sklearn naming)
        """Learn nothing; return ``self`` as the estimator contract asks."""
        return self

    def transform(self, X: Iterable[str]) -> list[str]:  # noqa: N803
        """Normalize each document."""
        out = []
        for doc in X:
            text = normalize_text(doc, fold_teh_marbuta=self.fold_teh_marbuta)
            if self.max_words:
                text = " ".join(text.split(" ")[: self.max_words])
            out.append(text)
        return out


class CompactTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]
    """``TfidfVectorizer`` whose saved form holds its vocabulary as one array instead of a large dict.

    Saving a dict of hundreds of thousands of n-grams entry by entry is slow and bulky with skops; an ordered
    array of terms is stored as a single NumPy block and the dict is rebuilt on load. ``stop_words_`` (the
    n-grams dropped by ``min_df``/``max_features``, kept only for introspection) is not saved at all.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("stop_words_", None)
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = [""] * len(vocabulary)
            for term, index in vocabulary.items():
                terms[index] = term
            state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {str(term): i for i, term in enumerate(terms.tolist())}
