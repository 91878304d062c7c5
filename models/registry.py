"""Versioned model registry on any Beam filesystem path (local by default, ``gs://``/``s3://`` with extras).

Layout::

    <registry>/champion                  the champion's version id (one line)
    <registry>/<version>/model.skops     the fitted pipeline, saved with skops (never pickle)
    <registry>/<version>/metadata.json   library versions, taxonomy version, corpus hash, metrics, sha256 ...
    <registry>/<version>/model_card.md   human-readable card (written by ``models.train``)

Loading refuses, with a clear error, an artifact whose sha256 differs from its metadata, whose taxonomy version or
scikit-learn version differs from the running code, or which contains any type outside a fixed allow-list.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import skops.io as sio

from models.taxonomy import load_taxonomy
from pipelines import storage

DEFAULT_REGISTRY = "var/registry"
ARTIFACT = "model.skops"
METADATA = "metadata.json"
CHAMPION = "champion"

# Types beyond skops' defaults that a Marsad classifier may contain. Anything else in an artifact is refused.
TRUSTED_TYPES = frozenset(
    {
        "models.preprocessing.ArabicNormalizer",
        "models.preprocessing.CompactTfidfVectorizer",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.HashingVectorizer",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
        "sklearn.svm._classes.LinearSVC",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.frozen._frozen.FrozenEstimator",
        "numpy.float64",
        "numpy.int64",
        "numpy.dtype",
        "builtins.getattr",
    }
)


class ModelNotFoundError(LookupError):
    """The registry has no such model (or no champion yet)."""


class ModelRejectedError(ValueError):
    """An artifact exists but may not be loaded (tampered, incompatible or untrusted)."""


@dataclass(frozen=True)
class LoadedModel:
    """A fitted pipeline with the metadata it was registered with."""

    version: str
    pipeline: Any
    metadata: dict[str, Any]

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic ids of the taxonomy the model was trained for."""
        return tuple(self.metadata["topics"])


def default_registry() -> str:
    """The registry path: ``$MARSAD_REGISTRY`` if set, else ``./var/registry``."""
    return os.environ.get("MARSAD_REGISTRY") or DEFAULT_REGISTRY


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose changes can alter a saved model."""
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": _dist_version("skops"),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def new_version() -> str:
    """A new, sortable version id: UTC timestamp plus a random suffix."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


class Registry:
    """A model registry rooted at ``root`` (any path Beam's ``FileSystems`` can open)."""

    def __init__(self, root: str | None = None) -> None:
        self.root = (root or default_registry()).rstrip("/")

    def path(self, *parts: str) -> str:
        """Path of a file inside the registry."""
        return storage.join(self.root, *parts)

    def versions(self) -> list[str]:
        """All registered versions, oldest first."""
        found = storage.match(self.path("*", METADATA))
        return sorted(p.replace("\\", "/").rstrip("/").rsplit("/", 2)[-2] for p in found)

    def champion(self) -> str | None:
        """The champion's version id, or ``None`` when no model has been promoted."""
        path = self.path(CHAMPION)
        if not storage.exists(path):
            return None
        return storage.read_bytes(path).decode("utf-8").strip() or None

    def set_champion(self, version: str) -> None:
        """Point the champion at ``version`` (which must exist)."""
        if version not in self.versions():
            raise ModelNotFoundError(f"no model {version!r} in registry {self.root}")
        storage.write_atomic(self.path(CHAMPION), (version + "\n").encode("utf-8"))

    def save(self, pipeline: Any, metadata: dict[str, Any], files: dict[str, bytes] | None = None) -> str:
        """Register a fitted pipeline; returns its new version id. Does not change the champion.

        Args:
            pipeline: The fitted scikit-learn pipeline.
            metadata: Training metadata (metrics, corpus hash, hyper-parameters ...). Library and taxonomy
                versions, the artifact's sha256 and the creation time are added here.
            files: Extra files stored next to the artifact (model card, confusion matrix image).
        """
        version = metadata.get("version") or new_version()
        artifact = sio.dumps(pipeline)
        meta = {
            **metadata,
            "version": version,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "taxonomy_version": load_taxonomy().version,
            "topics": list(load_taxonomy().ids),
            "libraries": library_versions(),
            "artifact": ARTIFACT,
            "artifact_sha256": hashlib.sha256(artifact).hexdigest(),
            "artifact_bytes": len(artifact),
        }
        storage.write_atomic(self.path(version, ARTIFACT), artifact)
        for name, data in (files or {}).items():
            self.save_file(version, name, data)
        # The metadata file is written last: a version exists only once everything it describes is in place.
        storage.write_atomic(
            self.path(version, METADATA), json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8")
        )
        return str(version)

    def save_file(self, version: str, name: str, data: bytes) -> None:
        """Store an extra file (a model card, an image) next to a registered version."""
        storage.write_atomic(self.path(version, name), data)

    def metadata(self, version: str) -> dict[str, Any]:
        """The metadata of one version."""
        path = self.path(version, METADATA)
        if not storage.exists(path):
            raise ModelNotFoundError(f"no model {version!r} in registry {self.root}")
        return json.loads(storage.read_bytes(path))  # type: ignore[no-any-return]

    def resolve(self, version: str | None = None) -> str:
        """Return ``version``, or the champion when ``version`` is None; raise when there is none."""
        if version:
            return version
        champion = self.champion()
        if champion is None:
            raise ModelNotFoundError(
                f"no champion model in registry {self.root}; train one with `marsad train --registry {self.root}`"
            )
        return champion

    def load(self, version: str | None = None) -> LoadedModel:
        """Load a version (default: the champion) after checking integrity, compatibility and types."""
        version = self.resolve(version)
        meta = self.metadata(version)
        check_compatible(meta)
        data = storage.read_bytes(self.path(version, meta.get("artifact", ARTIFACT)))
        digest = hashlib.sha256(data).hexdigest()
        if digest != meta.get("artifact_sha256"):
            raise ModelRejectedError(
                f"model {version} in {self.root}: artifact sha256 does not match its metadata (corrupt or tampered)"
            )
        with _LAST_LOADED_LOCK:
            if _LAST_LOADED and _LAST_LOADED[0] == digest:
                return LoadedModel(version=version, pipeline=_LAST_LOADED[1], metadata=meta)
        try:
            untrusted = set(sio.get_untrusted_types(data=data))
        except Exception as exc:  # noqa: BLE001 (skops raises many kinds for a broken zip)
            raise ModelRejectedError(f"model {version} in {self.root}: unreadable artifact: {exc}") from exc
        refused = untrusted - TRUSTED_TYPES
        if refused:
            raise ModelRejectedError(
                f"model {version} in {self.root}: artifact contains untrusted types {sorted(refused)}"
            )
        pipeline = sio.loads(data, trusted=sorted(untrusted))
        with _LAST_LOADED_LOCK:
            _LAST_LOADED[:] = [digest, pipeline]
        return LoadedModel(version=version, pipeline=pipeline, metadata=meta)


# The last artifact this process loaded, by the sha256 of its bytes. A process that runs job after job (a batched
# ingest, a stream, a warm worker) reads and checks the artifact each time but builds the model once: the same bytes
# give the same model. Loading the bundled model takes about 0.7 s; one entry keeps memory bounded.
_LAST_LOADED: list[Any] = []
_LAST_LOADED_LOCK = threading.Lock()


def check_compatible(meta: dict[str, Any]) -> None:
    """Refuse metadata whose taxonomy or scikit-learn version differs from the running code."""
    taxonomy = load_taxonomy()
    version = meta.get("version", "?")
    if meta.get("taxonomy_version") != taxonomy.version or list(meta.get("topics", [])) != list(taxonomy.ids):
        raise ModelRejectedError(
            f"model {version} was trained for taxonomy version {meta.get('taxonomy_version')}, "
            f"this Marsad uses version {taxonomy.version}; retrain with `marsad train`"
        )
    trained = meta.get("libraries", {}).get("scikit-learn", "")
    running = library_versions()["scikit-learn"]
    if trained.split(".")[:2] != running.split(".")[:2]:
        raise ModelRejectedError(
            f"model {version} was saved with scikit-learn {trained}, this environment has {running}; "
            "retrain with `marsad train` (loading across versions can change predictions)"
        )
