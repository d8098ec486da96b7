"""A folder of immutable index segments that many processes can add to at once.

Both on-disk indexes (frame codes, sound landmarks) keep their data this way:

    index.json     the manifest: format, the live segments' names, the next name to use
    seg-NNNNNN/    immutable segments; a segment is whole before its name enters the manifest
    lock           held (fcntl.flock, exclusive) by the one process writing
    tmp-*/         a segment being written; left only by a writer that was killed

Writers take the lock, re-read the manifest (another process may have added since), write each
new segment into a temp folder, fsync its files and the folder, rename it to its final name,
then replace the manifest the same way (temp file, fsync, rename, fsync the folder). The kernel
drops a flock when its process dies, so a killed writer never leaves a stale lock.

Readers take no lock: they read the manifest and memory-map the segments it names. A merge may
remove a segment after a reader read the manifest and before it opened the segment; the reader
then starts again from the new manifest (`read`). A crash or kill at any moment leaves the last
manifest and every segment it names whole; the next writer removes the leftovers (temp folders,
segments no manifest names). Segment names are never reused, so a retry never opens a stranger.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

T = TypeVar("T")
MANIFEST = "index.json"
LOCK = "lock"
RETRIES = 50


class IndexDamaged(Exception):
    """An index folder that cannot be read; the fix is to rebuild it from the stored data."""


def fsync_path(path: Path) -> None:
    """Flush a file or a folder (its entries) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SegmentFolder:
    """The manifest, lock and atomic segment writes of one index folder."""

    def __init__(self, folder: str | Path, fmt: str) -> None:
        self.folder = Path(folder)
        self.fmt = fmt
        self._lock_fd: int | None = None
        self._depth = 0
        self._next = 1
        self.last_name = ""

    # -- reading (no lock) -----------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The current manifest ({} when the index was never written)."""
        path = self.folder / MANIFEST
        try:
            meta: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise IndexDamaged(f"{path}: unreadable manifest ({exc})") from exc
        if meta.get("format") != self.fmt:
            raise IndexDamaged(f"{self.folder}: not a {self.fmt} index")
        return meta

    def read(self, load: Callable[[dict[str, Any]], T]) -> T:
        """`load(manifest)`, started again when a segment it names vanished meanwhile."""
        last: Exception | None = None
        for _ in range(RETRIES):
            meta = self.manifest()
            try:
                return load(meta)
            except FileNotFoundError as exc:  # merged away after we read the manifest
                last = exc
                if self.manifest().get("segments") == meta.get("segments"):
                    raise IndexDamaged(f"{self.folder}: a segment is missing ({exc})") from exc
        raise IndexDamaged(f"{self.folder}: kept changing while being read ({last})")

    # -- writing (under the lock) ----------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._depth > 0

    @property
    def depth(self) -> int:
        """How many nested `lock()` blocks this object is in (0: not holding the lock)."""
        return self._depth

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's write lock (re-entrant within one object); waits for other writers."""
        if self._depth == 0:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            self._lock_fd = fd
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
                self._lock_fd = None

    def _require_lock(self) -> None:
        if not self.locked:
            raise RuntimeError("index folders are written under their lock (use .lock())")

    @contextmanager
    def new_segment(self) -> Iterator[Path]:
        """A temp folder to fill; on exit it is flushed and renamed. `.last_name` names it."""
        self._require_lock()
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.folder))
        try:
            yield tmp
            for f in tmp.iterdir():
                fsync_path(f)
            fsync_path(tmp)
            name = self._claim_name()
            os.rename(tmp, self.folder / name)
            fsync_path(self.folder)
            self.last_name = name
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _claim_name(self) -> str:
        meta = self.manifest()
        on_disk = [int(p.name[4:]) for p in self.folder.glob("seg-*") if p.name[4:].isdigit()]
        named = [int(n[4:]) for n in meta.get("segments", [])]
        number = max([int(meta.get("next", 1)), *(n + 1 for n in on_disk + named)])
        self._next = number + 1
        return f"seg-{number:06d}"

    def commit(self, segments: list[str], extra: dict[str, Any] | None = None) -> None:
        """Make `segments` the index (atomically), then remove what no manifest names."""
        self._require_lock()
        old = self.manifest()
        meta = {**old, **(extra or {}), "format": self.fmt, "segments": list(segments)}
        meta["next"] = max(int(old.get("next", 1)), self._next)
        self._write_manifest(meta)
        self.sweep(set(segments))

    def reset(self) -> None:
        """Replace an unreadable index by an empty one (to be rebuilt from the stored data)."""
        self._require_lock()
        on_disk = [int(p.name[4:]) for p in self.folder.glob("seg-*") if p.name[4:].isdigit()]
        self._write_manifest(
            {"format": self.fmt, "segments": [], "next": max(on_disk, default=0) + 1}
        )
        self.sweep(set())

    def _write_manifest(self, meta: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix="tmp-manifest-", dir=self.folder)
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / MANIFEST)  # the switch: readers see old or new, never half
        fsync_path(self.folder)

    def sweep(self, live: set[str]) -> None:
        """Remove temp leftovers of killed writers and segments the manifest no longer names."""
        self._require_lock()
        for p in self.folder.iterdir():
            if p.name.startswith("tmp-") or (p.name.startswith("seg-") and p.name not in live):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)


class Segment(Protocol):
    """What `SegmentedIndex` needs of a segment type."""

    def __len__(self) -> int: ...

    def save(self, folder: Path) -> None: ...


S = TypeVar("S", bound=Segment)


class SegmentedIndex(Generic[S]):
    """An index kept as segments in a `SegmentFolder`, growing as data arrives.

    `add` queues data (searchable at once through `_pending_segment`), `flush` writes it as a new
    segment, and when more than `MAX_SMALL` small segments pile up they are merged into one. Each
    segment remembers its groups (what its data belongs to, e.g. one fingerprint), so "what is
    indexed" is answered without a scan. Subclasses say how segments are built, merged, loaded,
    and what their groups are.
    """

    FORMAT = ""
    MAX_SMALL = 8

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._disk = SegmentFolder(self.folder, self.FORMAT) if self.folder is not None else None
        self.segments: list[S] = []
        self._names: list[str] = []
        self._groups: dict[str, np.ndarray] = {}
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._pending: S | None = None
        # When set, searches return only these groups: a reader whose database view is older
        # than the index (another process added since) sees only what it can resolve.
        self.visible: np.ndarray | None = None
        self.refresh()

    # -- what subclasses define -------------------------------------------------------
    def _build(self, parts: list[tuple[np.ndarray, ...]]) -> S:
        raise NotImplementedError

    def _merge(self, segs: list[S]) -> S:
        raise NotImplementedError

    def _load(self, folder: Path) -> S:
        raise NotImplementedError

    def _group_ids(self, seg: S) -> np.ndarray:
        raise NotImplementedError

    def _is_small(self, seg: S) -> bool:
        raise NotImplementedError

    def _check_meta(self, meta: dict[str, Any]) -> None:
        """Read settings the manifest keeps (an existing index keeps its own)."""

    def _extra_meta(self) -> dict[str, Any]:
        """Settings to keep in the manifest."""
        return {}

    # -- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the view up to date with the folder (segments other processes added or merged)."""
        if self._disk is None:
            return
        folder = self._disk.folder
        loaded = dict(zip(self._names, self.segments, strict=True))

        def load(meta: dict[str, Any]) -> tuple[list[str], list[S], dict[str, np.ndarray]]:
            self._check_meta(meta)
            names = list(meta.get("segments", []))
            segs = [loaded[n] if n in loaded else self._load(folder / n) for n in names]
            groups = {}
            for n, seg in zip(names, segs, strict=True):
                cached = self._groups.get(n)
                if cached is None and (folder / n / "groups.npy").exists():
                    cached = np.load(folder / n / "groups.npy")
                groups[n] = cached if cached is not None else self._group_ids(seg)
            return names, segs, groups

        self._names, self.segments, self._groups = self._disk.read(load)

    def __len__(self) -> int:
        return sum(len(s) for s in self.segments) + sum(len(p[0]) for p in self._parts)

    def groups(self) -> set[int]:
        """Every group stored, pending data included."""
        out: set[int] = set()
        for name in self._names:
            out.update(self._groups[name].tolist())
        pending = self._pending_segment()
        if pending is not None:
            out.update(self._group_ids(pending).tolist())
        return out

    def _searched(self) -> list[S]:
        pending = self._pending_segment()
        return [*self.segments, *([pending] if pending is not None else [])]

    # -- writing ---------------------------------------------------------------------------
    def _queue(self, part: tuple[np.ndarray, ...]) -> None:
        self._parts.append(part)
        self._pending = None

    def _pending_segment(self) -> S | None:
        if not self._parts:
            return None
        if self._pending is None:
            self._pending = self._build(self._parts)
        return self._pending

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock, the view brought up to date when it is taken (re-entrant).

        Use it around a check-then-add ("add what is not indexed yet") so that two processes
        doing it at once add each thing once.
        """
        if self._disk is None:
            yield
            return
        with self._disk.lock():
            if self._disk.depth == 1:
                self.refresh()
            yield

    def clear(self) -> None:
        """Drop everything stored (under `writing()`; takes effect at the next flush)."""
        self.segments, self._names, self._groups = [], [], {}

    def flush(self) -> None:
        """Write the queued data as a new segment, merging segments when too many pile up.

        Small segments merge when more than `MAX_SMALL` of them exist; larger ones merge by size
        tiers (within a factor of `MAX_SMALL` of each other) when a tier holds more than
        `MAX_SMALL`, so an index grown item by item keeps a number of segments logarithmic in
        its size (searches visit every segment) and each datum is rewritten few times.
        """
        with self.writing():
            self.flush_pending_only()
            while (pick := self._merge_plan()) is not None:
                self._merge_at(pick)
            self._commit()

    def _merge_plan(self) -> list[int] | None:
        small = [i for i, s in enumerate(self.segments) if self._is_small(s)]
        if len(small) > self.MAX_SMALL:
            return small
        tiers: dict[int, list[int]] = {}
        for i, seg in enumerate(self.segments):
            if i not in small:
                tier = int(math.log(max(len(seg), 1), self.MAX_SMALL))
                tiers.setdefault(tier, []).append(i)
        crowded = [idx for _, idx in sorted(tiers.items()) if len(idx) > self.MAX_SMALL]
        return crowded[0] if crowded else None

    def _merge_at(self, pick: list[int]) -> None:
        merged = self._merge([self.segments[i] for i in pick])
        keep = [i for i in range(len(self.segments)) if i not in pick]
        self.segments = [self.segments[i] for i in keep]
        self._names = [self._names[i] for i in keep]
        self._append(merged)

    def compact(self, only_small: bool = False) -> None:
        """Merge segments (all, or only the small ones) into one."""
        with self.writing():
            self.flush_pending_only()
            pick = [i for i, s in enumerate(self.segments) if not only_small or self._is_small(s)]
            if len(pick) >= 2:
                self._merge_at(pick)
            self._commit()  # the switch: from here readers see the merged segment

    def flush_pending_only(self) -> None:
        """Write the queued data as a segment, not yet named in the manifest (see `flush`)."""
        with self.writing():
            seg = self._pending_segment()
            if seg is not None:
                self._parts, self._pending = [], None
                self._append(seg)

    def _append(self, seg: S) -> None:
        groups = self._group_ids(seg)
        name = f"mem-{len(self._names)}"
        if self._disk is not None:
            with self._disk.new_segment() as tmp:
                seg.save(tmp)
                np.save(tmp / "groups.npy", groups)
            name = self._disk.last_name
        self.segments.append(seg)
        self._names.append(name)
        self._groups[name] = groups

    def _commit(self) -> None:
        if self._disk is not None:
            self._disk.commit(self._names, self._extra_meta())
