"""Content-addressed blob store: every original and derivative is kept under its SHA-256.

Layout: `<root>/sha256/ab/cd/abcd…` and `<root>/tmp/` for files still being written. A blob is
written to `tmp/`, hashed while it is copied (the source is read once), flushed, then renamed to
its final name; so a crash leaves either no blob or a whole one, never a partial one under a
real name. The store is reached through fsspec, so `s3://bucket/case` works unchanged; on a
local disk the blobs are also made read-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import fsspec

CHUNK = 1 << 20


class Readable(Protocol):
    def read(self, n: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    created: bool  # False when an identical blob was already there


class BlobStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, root = fsspec.core.url_to_fs(url)
        self.root = root.rstrip("/")
        self.local = self.fs.protocol in ("file", "local") or "file" in self.fs.protocol

    # -- names -----------------------------------------------------------------
    def path(self, sha256: str) -> str:
        return f"{self.root}/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        return bool(self.fs.exists(self.path(sha256)))

    def local_path(self, sha256: str) -> Path:
        """A path on this machine to read the blob from (the blob itself when stored locally)."""
        if self.local:
            return Path(self.path(sha256))
        cache = Path(os.environ.get("CADENA_CACHE", Path.home() / ".cache" / "cadena")) / sha256
        if not cache.exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            self.fs.get(self.path(sha256), str(cache))
        return cache

    # -- writing -----------------------------------------------------------------
    def put_file(self, source: Readable) -> Stored:
        """Copy an open binary stream into the store, hashing it on the way."""
        tmp = f"{self.root}/tmp/{uuid.uuid4().hex}.part"
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with self.fs.open(tmp, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                _flush(out)
            return self._commit(tmp, digest.hexdigest(), size)
        finally:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)

    def put_bytes(self, data: bytes) -> Stored:
        sha = hashlib.sha256(data).hexdigest()
        if self.exists(sha):
            return Stored(sha, len(data), False)
        tmp = f"{self.root}/tmp/{uuid.uuid4().hex}.part"
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)
        with self.fs.open(tmp, "wb") as out:
            out.write(data)
            _flush(out)
        return self._commit(tmp, sha, len(data))

    def _commit(self, tmp: str, sha: str, size: int) -> Stored:
        final = self.path(sha)
        if self.fs.exists(final):
            self.fs.rm(tmp)
            return Stored(sha, size, False)
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        if self.local:
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP)
            os.replace(tmp, final)  # atomic: a blob appears whole or not at all
        else:
            self.fs.mv(tmp, final)
        return Stored(sha, size, True)

    def clear_tmp(self) -> int:
        """Remove files left in tmp/ by an interrupted write; returns how many."""
        tmpdir = f"{self.root}/tmp"
        if not self.fs.exists(tmpdir):
            return 0
        leftovers = self.fs.ls(tmpdir, detail=False)
        for name in leftovers:
            self.fs.rm(name)
        return len(leftovers)

    # -- reading -----------------------------------------------------------------
    def open(self, sha256: str) -> IO[bytes]:
        return self.fs.open(self.path(sha256), "rb")

    def rehash(self, sha256: str) -> str:
        digest = hashlib.sha256()
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def all(self) -> Iterator[str]:
        base = f"{self.root}/sha256"
        if not self.fs.exists(base):
            return
        for name in self.fs.find(base):
            yield name.rsplit("/", 1)[-1]


def _flush(out: Any) -> None:
    out.flush()
    fileno = getattr(out, "fileno", None)
    if fileno is not None:
        # not a real file (e.g. a remote store): nothing to sync
        with contextlib.suppress(OSError, ValueError):
            os.fsync(fileno())
