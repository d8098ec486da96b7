"""Archives from the field: zip, tar (plain, gz, bz2, xz), 7z, and lone gz/bz2/xz files.

The archive is an item first (files.py preserved it); `expand` then makes each member an item of
its own, whose source names the archive (its SHA-256, format and the member's path inside it).

Expansion is read from the preserved copy and never writes a member to a path on disk: members
are streamed into the content-addressed blob store, so a member named `../../etc/passwd` cannot
land anywhere but under its own hash (its name is kept, cleaned, with a note of what it tried).
Links are recorded as refused and never followed; devices and pipes likewise. Expansion is bounded
by `Limits` (member count, total bytes, bytes per member, expansion ratio, nesting depth), counted
on the bytes actually produced, not on the sizes the archive declares, which a bomb lies about.
An archive over a bound is refused as a whole with a message saying which bound and how to raise
it; the archive item itself stays preserved. Members of one archive are recorded in one
transaction, so a refused or failed expansion leaves no member recorded; a nested archive is
expanded in a transaction of its own after its parent's members are recorded.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import stat
import tarfile
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from cadena.errors import CadenaError
from cadena.intake import files, streams
from cadena.intake.files import Outcome, SourceFields
from cadena.vault.case import Case
from cadena.vault.models import Item, Source

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

# What `expand` opens; any other item is left as it is (a .docx is a zip, but a document).
ARCHIVE_TYPES = {
    "application/zip": "zip",
    "application/x-tar": "tar",
    "application/gzip": "gz",
    "application/x-bzip2": "bz2",
    "application/x-xz": "xz",
    "application/x-7z-compressed": "7z",
}
METHOD = "archive member"


@dataclass(frozen=True)
class Limits:
    """Bounds on one expansion (nested archives included). Defaults fit a witness's phone dump."""

    max_members: int = 20_000
    max_total_bytes: int = 16 * GiB
    max_member_bytes: int = 8 * GiB
    max_ratio: float = 200.0  # bytes out per byte of archive...
    ratio_floor: int = (
        64 * MiB
    )  # ...checked once this much came out (small text zips compress well)
    max_depth: int = 3  # an archive inside an archive inside the one added, and no deeper


class LimitReached(Exception):
    """An expansion bound was reached: the archive is refused as a whole."""


@dataclass
class Member:
    """One entry of an archive's table of contents."""

    raw_name: str
    path: str  # cleaned: relative, no `..`, forward slashes
    kind: str  # file | dir | link | special
    declared_size: int | None = None
    modified: str | None = None
    link_target: str | None = None
    problem: BaseException | None = None  # why an entry that is a file cannot be read
    notes: list[str] = field(default_factory=list)


@dataclass
class Expansion:
    """What expanding one archive item did."""

    archive: str
    format: str | None
    status: str  # expanded | refused | not_archive
    reason: str | None = None
    members: list[Outcome] = field(default_factory=list)
    nested: list[Expansion] = field(default_factory=list)
    chat: dict[str, Any] | None = None  # what a chat export's log said (chats.Chat.summary)

    def all_outcomes(self) -> Iterator[Outcome]:
        yield from self.members
        for n in self.nested:
            yield from n.all_outcomes()

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "format": self.format,
            "status": self.status,
            "reason": self.reason,
            "members": [asdict(m) for m in self.members],
            "nested": [n.as_dict() for n in self.nested],
            "chat": self.chat,
        }


class Budget:
    """Bytes and members produced so far, against the limits; shared down the nesting."""

    def __init__(self, limits: Limits, archive_size: int, parent: Budget | None = None) -> None:
        self.limits, self.archive_size, self.parent = limits, max(archive_size, 1), parent
        self.bytes_out = 0
        self.members = 0
        self.declared = 0
        self.progress: Callable[[int], None] | None = None  # bytes out, reported at the top

    def take_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitReached(f"it holds more than {self.limits.max_members} members")
        if self.parent:
            self.parent.take_member()

    def take_bytes(self, n: int) -> None:
        self.bytes_out += n
        lim = self.limits
        if self.bytes_out > lim.max_total_bytes:
            raise LimitReached(f"it expands to more than {_size(lim.max_total_bytes)} in all")
        if self.bytes_out > lim.ratio_floor and self.bytes_out > lim.max_ratio * self.archive_size:
            raise LimitReached(
                f"it expands more than {lim.max_ratio:g} times its own size "
                f"({_size(self.archive_size)} gave over {_size(self.bytes_out)})"
            )
        if self.parent:
            self.parent.take_bytes(n)
        elif self.progress:
            self.progress(n)

    def check_declared(self, size: int | None) -> None:
        if size is not None and size > self.limits.max_member_bytes:
            raise LimitReached(
                f"a member declares {_size(size)}, over the "
                f"{_size(self.limits.max_member_bytes)} allowed for one member"
            )

    def declare(self, size: int) -> None:
        """A tar member's size, known from its header before its bytes: refuse a bomb up front."""
        self.declared += size
        lim = self.limits
        if self.declared > lim.max_total_bytes:
            raise LimitReached(f"its members declare more than {_size(lim.max_total_bytes)} in all")
        if self.declared > lim.ratio_floor and self.declared > lim.max_ratio * self.archive_size:
            raise LimitReached(
                f"its members declare {_size(self.declared)} from {_size(self.archive_size)}, "
                f"more than {lim.max_ratio:g} times its own size"
            )


class Counted:
    """A read-through stream that charges every byte to the budget (and to one member's bound)."""

    def __init__(self, f: IO[bytes], budget: Budget) -> None:
        self.f, self.budget, self.done = f, budget, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.f.read(n if n > 0 else 1 << 20)  # never the whole member at once
        self.done += len(chunk)
        if self.done > self.budget.limits.max_member_bytes:
            raise LimitReached(
                f"a member expands past {_size(self.budget.limits.max_member_bytes)}, "
                "the bound for one member"
            )
        self.budget.take_bytes(len(chunk))
        return chunk


# -- entry point ---------------------------------------------------------------------------


def expand(
    case: Case,
    sha256: str,
    fields: SourceFields | None = None,
    *,
    name: str | None = None,
    limits: Limits | None = None,
    depth: int = 1,
    budget: Budget | None = None,
    tz: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Expansion:
    """Expand the archive item `sha256` (a no-op `not_archive` for any other item).

    `fields` are the archive's own source fields, inherited by its members; `name` is the name it
    arrived under (used for a lone `.gz`'s member). A zipped WhatsApp or Telegram export is handed
    to the chat reader (`tz`: the IANA zone of the phone that exported a WhatsApp chat, if known).
    """
    limits = limits or Limits()
    fields = fields or SourceFields()
    with case.session(write=False) as s:
        item = s.get(Item, sha256)
        if item is None:
            raise CadenaError(f"no item {sha256} in this case; add the archive first")
        fmt = ARCHIVE_TYPES.get(item.media_type)
        size = item.size
        if name is None:
            src = s.query(Source).filter(Source.item_sha256 == sha256).order_by(Source.id).first()
            name = src.original_name if src and src.original_name else sha256
    if fmt is None:
        return Expansion(sha256, None, "not_archive")
    path = case.blobs.local_path(sha256)
    budget = Budget(limits, size, budget)
    budget.progress = progress  # called with each chunk's size as members come out
    if fmt == "zip":
        from cadena.intake import chats

        found = chats.find_in_names(_zip_names(path))
        if found:
            return chats.expand_chat_zip(
                case,
                sha256,
                fields,
                found,
                name=name,
                limits=limits,
                depth=depth,
                budget=budget,
                tz=tz,
            )

    def plain(member: Member) -> dict[str, Any]:
        return member_record(member, fields, sha256, fmt, depth)

    return expand_members(case, sha256, fmt, name, plain, fields, limits, depth, budget)


RecordMaker = Callable[[Member], dict[str, Any]]


def expand_members(
    case: Case,
    sha256: str,
    fmt: str,
    name: str,
    make_record: RecordMaker,
    fields: SourceFields,
    limits: Limits,
    depth: int,
    budget: Budget,
) -> Expansion:
    """Store every member, record them all in one transaction, then expand nested archives."""
    path = case.blobs.local_path(sha256)
    result = Expansion(sha256, fmt, "expanded")
    try:
        pendings, refused = _store_members(case, path, fmt, name, make_record, budget)
    except LimitReached as exc:
        return Expansion(sha256, fmt, "refused", _bomb_message(name, sha256, str(exc)))
    except Exception as exc:  # zipfile, tarfile, lzma, py7zr: each raises its own on crafted input
        return Expansion(sha256, fmt, "refused", _unreadable_message(name, sha256, exc))
    result.members = streams.record(case, pendings) + refused
    result.nested = expand_nested(case, result.members, fields, limits, depth, budget)
    return result


def add_and_expand(
    case: Case,
    paths: Iterable[Path],
    fields: SourceFields,
    progress: files.Progress | None = None,
    *,
    limits: Limits | None = None,
    tz: str | None = None,
) -> tuple[files.Summary, list[Expansion]]:
    """`cadena add` with archives and chat exports recognised: the one call for the command.

    Files are added as `add_paths` adds them; every archive among them is then expanded (a zipped
    WhatsApp or Telegram export read as a chat); a folder that is a chat export (the folder given
    or one below it) is imported as a chat instead of file by file. Returns the summary of the
    files given (as `add_paths`) and what each expansion or chat import did.
    """
    from cadena.intake import chats

    paths = list(paths)
    chat_dirs = sorted({d for top in paths for d in _chat_folders(top)})
    summary = files.Summary()
    for path, reason in files.walk(paths):
        if any(path.is_relative_to(d) for d in chat_dirs):
            continue
        if reason:
            summary.outcomes.append(Outcome(files.display(path), "refused", reason=reason))
        else:
            summary.outcomes.append(files.add_file(case, path, fields, progress))
    expansions = [chats.import_folder(case, d, fields, tz=tz) for d in chat_dirs]
    expansions += expand_outcomes(
        case, summary.outcomes, fields, limits=limits, tz=tz, progress=progress
    )
    return summary, expansions


def _chat_folders(top: Path) -> list[Path]:
    from cadena.intake import chats

    if not top.is_dir() or top.is_symlink():
        return []
    found = []
    for folder, dirs, _files in os.walk(top, followlinks=False):
        here = Path(folder)
        if chats.find_in_folder(here):
            found.append(here)
            dirs.clear()  # its media folders belong to it
    return found


def expand_outcomes(
    case: Case,
    outcomes: list[Outcome],
    fields: SourceFields | None = None,
    *,
    limits: Limits | None = None,
    tz: str | None = None,
    progress: files.Progress | None = None,
) -> list[Expansion]:
    """After `cadena add`: expand every archive (or zipped chat export) that the add preserved.

    Outcomes that are not newly held (`present`, `refused`) and items that are not archives are
    passed over, so this can be called on every outcome of `add_paths`.
    """
    done = []
    for o in outcomes:
        if o.status in ("added", "new_source") and o.sha256:
            name = o.path.replace("\\", "/").rsplit("/", 1)[-1]
            shown = f"{name} (expanding)"
            counted = (lambda n, shown=shown: progress(shown, n)) if progress else None
            result = expand(
                case, o.sha256, fields, name=name, limits=limits, tz=tz, progress=counted
            )
            if result.status != "not_archive":
                done.append(result)
    return done


def expand_nested(
    case: Case,
    members: list[Outcome],
    fields: SourceFields,
    limits: Limits,
    depth: int,
    budget: Budget,
) -> list[Expansion]:
    nested = []
    for m in members:
        if m.status in ("added", "new_source") and m.sha256 and depth < limits.max_depth:
            with case.session(write=False) as s:
                item = s.get(Item, m.sha256)
                is_archive = item is not None and item.media_type in ARCHIVE_TYPES
            if is_archive:
                nested.append(
                    expand(
                        case,
                        m.sha256,
                        fields,
                        name=m.path.rsplit("/", 1)[-1],
                        limits=limits,
                        depth=depth + 1,
                        budget=budget.parent or budget,
                    )
                )
    return nested


def _bomb_message(name: str, sha: str, why: str) -> str:
    return (
        f"expansion of {name} refused: {why}. The archive itself is preserved as item "
        f"{sha[:16]}; if it is genuine, expand it with higher limits "
        "(`--max-ratio`, `--max-total`, `--max-members`)."
    )


def _unreadable_message(name: str, sha: str, exc: BaseException) -> str:
    return (
        f"{name} could not be opened as an archive ({type(exc).__name__}: {exc}); it is "
        f"preserved as item {sha[:16]} unchanged. Try the tool that made it, then add what "
        "it extracts."
    )


# -- reading members -----------------------------------------------------------------------


def _store_members(
    case: Case, path: Path, fmt: str, name: str, make_record: RecordMaker, budget: Budget
) -> tuple[list[streams.Pending], list[Outcome]]:
    pendings: list[streams.Pending] = []
    refused: list[Outcome] = []
    for member, stream in iter_members(path, fmt, name, budget):
        if member.kind != "file" or stream is None:
            if member.kind != "dir":
                refused.append(Outcome(member.path, "refused", reason=_not_a_file(member)))
            continue
        counted = cast(IO[bytes], Counted(stream, budget))
        try:
            pendings.append(streams.store(case, counted, member.path, make_record(member)))
        except LimitReached:
            raise
        except (
            OSError,
            EOFError,
            zipfile.BadZipFile,
            tarfile.TarError,
            lzma.LZMAError,
            zlib.error,
            RuntimeError,
            ValueError,
        ) as exc:
            refused.append(Outcome(member.path, "refused", reason=_member_problem(exc)))
    return pendings, refused


def _member_problem(exc: BaseException) -> str:
    if "encrypted" in str(exc) or "password" in str(exc):
        return (
            "this member is encrypted: the archive keeps it as it is; extract it with its "
            "password and add what comes out (the archive's item is the original)"
        )
    return (
        f"this member could not be read ({type(exc).__name__}: {exc}); "
        "the archive keeps it as it is"
    )


def member_record(
    member: Member, fields: SourceFields, sha: str, fmt: str, depth: int
) -> dict[str, Any]:
    archive = {"sha256": sha, "format": fmt, "member": member.path, "depth": depth}
    if member.raw_name != member.path:
        archive["member_raw"] = member.raw_name
    if member.modified:
        archive["member_modified"] = member.modified
    if member.notes:
        archive["notes"] = member.notes
    method = f"{fields.method}; {METHOD}" if fields.method else METHOD
    return streams.source_fields(
        fields,
        original_name=member.path.rsplit("/", 1)[-1],
        original_path=member.path,
        method=method,
        extra={"archive": archive},
    )


def _not_a_file(m: Member) -> str:
    if m.problem is not None:
        return _member_problem(m.problem)
    if m.kind == "link":
        return (
            f"a link (to {m.link_target!r}) inside the archive: not followed, nothing taken from it"
        )
    return "not a regular file (a device, pipe or other special entry): nothing to take from it"


def iter_members(
    path: Path, fmt: str, name: str, budget: Budget
) -> Iterator[tuple[Member, IO[bytes] | None]]:
    """Every entry of the archive with a stream of its bytes (None for what is not a file)."""
    if fmt == "zip":
        yield from _zip_members(path, budget)
    elif fmt == "7z":
        yield from _7z_members(path, budget)
    elif fmt == "tar":
        yield from _tar_members(path, budget, "r|")
    else:
        yield from _compressed(path, fmt, name, budget)


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except Exception:
        return []


def _zip_members(path: Path, budget: Budget) -> Iterator[tuple[Member, IO[bytes] | None]]:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        if len(infos) > budget.limits.max_members:
            raise LimitReached(f"it lists {len(infos)} members, over {budget.limits.max_members}")
        declared = sum(i.file_size for i in infos)
        if declared > budget.limits.max_total_bytes:
            raise LimitReached(
                f"it declares {_size(declared)} in all, over {_size(budget.limits.max_total_bytes)}"
            )
        if (
            declared > budget.limits.ratio_floor
            and declared > budget.limits.max_ratio * budget.archive_size
        ):
            raise LimitReached(
                f"it declares {_size(declared)} from {_size(budget.archive_size)}, more than "
                f"{budget.limits.max_ratio:g} times its size"
            )
        for info in infos:
            budget.take_member()
            budget.check_declared(info.file_size)
            member = _member(info.filename, _zip_kind(info), info.file_size, _zip_time(info))
            if member.kind == "link":
                member.link_target = z.read(info)[:1024].decode("utf-8", "replace")
            if member.kind != "file":
                yield member, None
                continue
            try:
                f = z.open(info)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile, ValueError) as exc:
                member.kind, member.problem = "unreadable", exc  # encrypted, unknown method…
                yield member, None
                continue
            with f:
                yield member, f


def _zip_kind(info: zipfile.ZipInfo) -> str:
    if info.is_dir():
        return "dir"
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_IFMT(mode):  # made on Unix with a file type: trust it
        if stat.S_ISLNK(mode):
            return "link"
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            return "special"
    return "file"


def _zip_time(info: zipfile.ZipInfo) -> str | None:
    try:
        return datetime(*info.date_time).isoformat()  # local time of the machine that zipped it
    except ValueError:
        return None


def _tar_members(
    path: Path, budget: Budget, mode: str
) -> Iterator[tuple[Member, IO[bytes] | None]]:
    # Stream mode: read once, front to back; a member's declared size is checked before its bytes.
    tf = tarfile.open(path, mode=mode)  # type: ignore[call-overload]  # noqa: SIM115
    with tf:
        for info in tf:
            budget.take_member()
            kind = (
                "file"
                if info.isreg()
                else "dir"
                if info.isdir()
                else "link"
                if info.issym() or info.islnk()
                else "special"
            )
            if kind == "file":
                budget.check_declared(info.size)
                budget.declare(info.size)
            modified = _epoch(info.mtime)
            member = _member(info.name, kind, info.size if kind == "file" else None, modified)
            member.link_target = info.linkname if kind == "link" else None
            yield member, (tf.extractfile(info) if kind == "file" else None)


def _compressed(
    path: Path, fmt: str, name: str, budget: Budget
) -> Iterator[tuple[Member, IO[bytes] | None]]:
    """A gz/bz2/xz file: a tar inside (its members read as a tar's), or a single compressed file."""
    with _open_compressed(fmt, path) as probe:
        head = probe.read(512)
    if len(head) == 512 and head[257:262] == b"ustar":
        yield from _tar_members(path, budget, f"r|{fmt}")
        return
    budget.take_member()
    inner = re.sub(r"\.(gz|tgz|bz2|xz|txz)$", "", name, flags=re.I) or "content"
    if inner == name:
        inner = f"{name}.out"
    with _open_compressed(fmt, path) as f:
        yield _member(inner, "file", None, None), f


def _open_compressed(fmt: str, path: Path) -> IO[bytes]:
    if fmt == "gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if fmt == "bz2":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return cast(IO[bytes], lzma.open(path, "rb"))


def _7z_members(path: Path, budget: Budget) -> Iterator[tuple[Member, IO[bytes] | None]]:
    import py7zr
    import py7zr.io

    with py7zr.SevenZipFile(path, mode="r") as z:
        infos = z.list()
        if len(infos) > budget.limits.max_members:
            raise LimitReached(f"it lists {len(infos)} members, over {budget.limits.max_members}")
        declared = sum(int(i.uncompressed or 0) for i in infos)
        if declared > budget.limits.max_total_bytes:
            raise LimitReached(f"it declares {_size(declared)} in all")
        if (
            declared > budget.limits.ratio_floor
            and declared > budget.limits.max_ratio * budget.archive_size
        ):
            raise LimitReached(
                f"it declares {_size(declared)} from {_size(budget.archive_size)}, more "
                f"than {budget.limits.max_ratio:g} times its size"
            )
        with tempfile.TemporaryDirectory(prefix="cadena-7z-") as tmp, ExitStack() as stack:
            factory = _SpoolFactory(Path(tmp), budget)
            z.extract(factory=factory)
            for info in infos:
                budget.take_member()
                kind = "dir" if info.is_directory else "file"
                if getattr(info, "is_symlink", False):
                    kind = "link"
                member = _member(
                    info.filename, kind, int(info.uncompressed or 0), _dt(info.creationtime)
                )
                spooled = factory.files.get(info.filename)
                if kind != "file" or spooled is None:
                    yield member, None
                    continue
                yield member, stack.enter_context(spooled.open("rb"))


class _SpoolFile:
    """py7zr pushes bytes; they go to a temporary file with a random name, charged to the budget."""

    def __init__(self, path: Path, budget: Budget) -> None:
        self.path, self.budget, self._size = path, budget, 0
        self.f = path.open("wb")

    def write(self, s: bytes | bytearray) -> int:
        self._size += len(s)
        if self._size > self.budget.limits.max_member_bytes:
            raise LimitReached("a member expands past the bound for one member")
        self.budget.take_bytes(len(s))
        return self.f.write(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.f.seek(offset, whence)

    def flush(self) -> None:
        self.f.flush()

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        self.f.close()


class _SpoolFactory:
    def __init__(self, folder: Path, budget: Budget) -> None:
        self.folder, self.budget = folder, budget
        self.files: dict[str, Path] = {}

    def create(self, filename: str) -> _SpoolFile:
        target = self.folder / uuid.uuid4().hex  # never the member's own name: no path to escape
        self.files[filename] = target
        return _SpoolFile(target, self.budget)


# -- names and times -----------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_path(raw: str) -> tuple[str, list[str]]:
    """A member name made safe to show and store: relative, no `..`, no control characters."""
    notes = []
    text = _CONTROL.sub("", raw.replace("\\", "/"))
    if text != raw.replace("\\", "/"):
        notes.append("control characters removed from its name")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        notes.append("absolute path in the archive: kept as a relative one")
        text = re.sub(r"^[A-Za-z]:", "", text)
    parts = []
    for part in text.split("/"):
        if part == "..":
            if "its path climbs out of the archive (..): the climb is dropped" not in notes:
                notes.append("its path climbs out of the archive (..): the climb is dropped")
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts) or "unnamed", notes


def _member(raw: str, kind: str, size: int | None, modified: str | None) -> Member:
    path, notes = clean_path(raw)
    return Member(raw, path, kind, size, modified, notes=notes)


def _epoch(t: float | int | None) -> str | None:
    try:
        return (
            datetime.fromtimestamp(float(t or 0), UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if t else None
        )
    except (OverflowError, OSError, ValueError):
        return None


def _dt(value: Any) -> str | None:
    if isinstance(value, datetime):
        try:
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"
