"""Small file helpers over Beam's ``FileSystems``: local paths, ``gs://``, ``s3://`` and ``hdfs://`` alike.

Everything Marsad writes goes through :func:`write_atomic` (or the same temp-then-rename dance in the Avro
writer), so a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import secrets

from apache_beam.io.filesystems import FileSystems


def is_remote(path: str) -> bool:
    """Whether ``path`` names a remote filesystem (has a scheme such as ``gs://``)."""
    return "://" in path


def join(base: str, *parts: str) -> str:
    """Join path parts for local or remote paths."""
    return FileSystems.join(base, *parts) if is_remote(base) else os.path.join(base, *parts)


def parent(path: str) -> str:
    """The folder holding ``path``."""
    return path.rstrip("/").rsplit("/", 1)[0] if is_remote(path) else os.path.dirname(path)


def ensure_dir(path: str) -> None:
    """Create a local folder (remote object stores need none)."""
    if not is_remote(path):
        os.makedirs(path, exist_ok=True)


def temp_name(path: str) -> str:
    """A hidden temporary name next to ``path`` (readers such as Spark and Hive skip names starting with '.')."""
    folder, name = parent(path), path.rstrip("/").rsplit("/", 1)[-1]
    return join(folder, f".{name}.tmp-{secrets.token_hex(6)}")


def finalize(tmp: str, path: str) -> None:
    """Move a finished temporary file into place, replacing ``path`` if it exists."""
    if not is_remote(path):
        os.replace(tmp, path)
        return
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([tmp], [path])


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it appears complete or not at all."""
    ensure_dir(parent(path))
    tmp = temp_name(path)
    with FileSystems.create(tmp) as fh:
        fh.write(data)
    finalize(tmp, path)


def read_bytes(path: str) -> bytes:
    """The whole content of a file."""
    with FileSystems.open(path) as fh:
        return fh.read()  # type: ignore[no-any-return]


def exists(path: str) -> bool:
    """Whether a file exists."""
    return bool(FileSystems.exists(path))


def match(pattern: str, modified_since: float | None = None) -> list[str]:
    """Paths matching a glob pattern, optionally only those modified at or after ``modified_since`` (epoch s).

    An empty list when nothing matches or the folder is missing.
    """
    try:
        found = FileSystems.match([pattern])[0].metadata_list
    except Exception:  # noqa: BLE001 (a missing folder is "nothing matches" for every filesystem)
        return []
    if modified_since is not None:
        found = [m for m in found if (m.last_updated_in_seconds or 0) >= modified_since]
    return sorted(m.path for m in found)
