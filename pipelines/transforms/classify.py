"""ClassifyTopic: Beam ``RunInference`` with a model handler that loads a registry model safely (skops).

The model is loaded once per worker process by ``RunInference`` (``load_model``), articles are classified in
batches, and the version that scored each batch travels with every result, so a model refreshed in a stream
shows up in the records from then on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference

from models.classifier import predict
from models.registry import LoadedModel, Registry
from pipelines.records import Article, ClassifiedArticle
from pipelines.transforms.failures import ToFailures


class TopicModelHandler(ModelHandler[Article, PredictionResult, LoadedModel]):  # type: ignore[misc]
    """Loads a topic classifier from a Marsad registry and scores batches of articles.

    Args:
        registry: Registry root path.
        version: Model version; ``None`` means the champion at load time.
        min_batch_size: Smallest batch handed to the model.
        max_batch_size: Largest batch handed to the model.
        max_batch_duration_secs: Longest a batch may wait to fill (streaming).
    """

    def __init__(
        self,
        registry: str,
        version: str | None = None,
        *,
        min_batch_size: int = 16,
        max_batch_size: int = 512,
        max_batch_duration_secs: int | None = None,
    ) -> None:
        super().__init__(
            min_batch_size=min_batch_size,
            max_batch_size=max_batch_size,
            max_batch_duration_secs=max_batch_duration_secs,
        )
        self.registry = registry
        self.version = version

    def load_model(self) -> LoadedModel:
        """Load (and check) the model; called once per worker process by RunInference."""
        return Registry(self.registry).load(self.version)

    def run_inference(
        self, batch: Sequence[Article], model: LoadedModel, inference_args: dict[str, Any] | None = None
    ) -> Iterable[PredictionResult]:
        """Classify one batch of articles."""
        predictions = predict(model.pipeline, [a.normalized for a in batch], model.topics)
        return [PredictionResult(example=a, inference=p, model_id=model.version) for a, p in zip(batch, predictions)]

    def update_model_path(self, model_path: str | None = None) -> None:
        """Switch to another model: ``model_path`` is a version directory (or version id) of the registry."""
        if model_path:
            self.version = model_path.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]

    def get_num_bytes(self, batch: Sequence[Article]) -> int:
        """Approximate size of a batch (its text), for Beam's metrics."""
        return sum(len(a.normalized) for a in batch)

    def get_metrics_namespace(self) -> str:
        """Namespace of RunInference's own metrics."""
        return "marsad.classify"


def to_classified(result: PredictionResult) -> ClassifiedArticle:
    """A RunInference result → ``ClassifiedArticle`` carrying the version of the model that scored it."""
    return ClassifiedArticle.scored(result.example, result.inference, str(result.model_id))


class ClassifyTopic(beam.PTransform):  # type: ignore[misc]
    """``Article`` → ``ClassifiedArticle`` (``classified``); articles the model fails on go to ``failed``."""

    def __init__(self, handler: TopicModelHandler, model_updates: beam.PCollection | None = None) -> None:
        super().__init__()
        self.handler = handler
        self.model_updates = model_updates

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        main, other = (
            articles
            | "RunInference"
            >> RunInference(self.handler, model_metadata_pcoll=self.model_updates).with_exception_handling()
        )
        classified = main | "ToClassified" >> beam.Map(to_classified)
        # RunInference reports a failed *batch*; ToFailures turns every article in it into its own dead letter.
        failed = other.failed_inferences | "InferenceErrors" >> ToFailures("classify")
        return {"classified": classified, "failed": failed}
