"""Intake of archives and chat exports: throughput of `add` + `expand` beside the manual way, how
fast a bomb is refused, and chat-log parsing speed, from one run.

1. Expansion. A zip of N members (random bytes, so nothing compresses: photos and videos) is
   added and expanded into a fresh case: each member streamed into the blob store while hashed,
   sniffed, its metadata read, recorded with its source and a signed custody entry, all members in
   one transaction. The anchor is what an investigator does by hand: `zipfile.extractall` into a
   folder, then SHA-256 of every extracted file (no records, no custody); a second anchor does
   the same with every file fsynced, the durability the vault gives each blob.
2. Bombs. A 1 GiB-of-zeros member in a zip (refused from its declared size, before any byte is
   inflated) and in a tar.gz (tar declares the size honestly, so it streams until the ratio bound
   trips at the 64 MiB floor): the time to the refusal.
3. Chat logs. `parse_whatsapp` over a generated Android log of L messages, beside the anchor of
   one regular expression run over the same lines (a lower bound: no dates, no senders).

    python benchmarks/intake_archives.py [--members 200] [--member-kib 256] [--lines 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from cadena.intake.archives import expand
from cadena.intake.chats import parse_whatsapp
from cadena.intake.files import SourceFields, add_file
from cadena.vault.case import Case


def _zip(path: Path, members: int, kib: int) -> int:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i in range(members):
            z.writestr(f"DCIM/IMG_{i:04d}.jpg", os.urandom(kib * 1024))
    return members * kib * 1024


def bench_expand(tmp: Path, members: int, kib: int) -> None:
    archive = tmp / "witness.zip"
    total = _zip(archive, members, kib)
    t0 = time.perf_counter()
    out = tmp / "manual"
    with zipfile.ZipFile(archive) as z:
        z.extractall(out)
    for f in out.rglob("*"):
        if f.is_file():
            hashlib.sha256(f.read_bytes()).hexdigest()
    anchor = time.perf_counter() - t0
    t0 = time.perf_counter()
    out2 = tmp / "manual-durable"
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = out2 / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            data = z.read(info)
            with target.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # as the vault does for every blob
            hashlib.sha256(data).hexdigest()
    durable = time.perf_counter() - t0
    case = Case.init(tmp / "case")
    t0 = time.perf_counter()
    outcome = add_file(case, archive, SourceFields())
    assert outcome.sha256
    result = expand(case, outcome.sha256)
    ours = time.perf_counter() - t0
    assert result.status == "expanded" and len(result.members) == members
    case.close()
    mb = total / 1e6
    print(f"expansion, {members} members x {kib} KiB ({mb:.0f} MB):")
    print(f"  anchor extractall + sha256: {anchor:6.2f} s  {mb / anchor:7.1f} MB/s")
    print(f"  anchor, each file fsynced : {durable:6.2f} s  {mb / durable:7.1f} MB/s")
    print(
        f"  cadena add + expand       : {ours:6.2f} s  {mb / ours:7.1f} MB/s  "
        f"({ours / anchor:.2f}x the anchor's time, {ours / durable:.2f}x the durable one's; "
        f"{members / ours:.0f} members/s recorded)"
    )


def bench_bombs(tmp: Path) -> None:
    case = Case.init(tmp / "bomb-case")
    zbomb, tbomb = tmp / "bomb.zip", tmp / "bomb.tar.gz"
    with (
        zipfile.ZipFile(zbomb, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("zeros", "w", force_zip64=True) as f,
    ):
        for _ in range(1024):
            f.write(bytes(1 << 20))
    with tarfile.open(tbomb, "w:gz", compresslevel=1) as t:
        info = tarfile.TarInfo("zeros")
        info.size = 1 << 30
        t.addfile(info, _Zeros(info.size))
    for path in (zbomb, tbomb):
        outcome = add_file(case, path, SourceFields())
        assert outcome.sha256
        t0 = time.perf_counter()
        result = expand(case, outcome.sha256)
        took = time.perf_counter() - t0
        assert result.status == "refused"
        size = path.stat().st_size / 1e6
        print(f"bomb {path.name} ({size:.1f} MB → 1 GiB): refused in {took:.2f} s")
        print(f"  {result.reason}")
    case.close()


class _Zeros(io.RawIOBase):
    def __init__(self, n: int) -> None:
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def bench_chat(lines: int) -> None:
    senders = ["Rosa Q.", "Miguel T.", "+51 987 654 321", "Ana"]
    rows = []
    for i in range(lines):
        day, minute = 1 + (i // 1440) % 28, i % 1440
        body = (
            f"IMG-202212{day:02d}-WA{i:04d}.jpg (archivo adjunto)"
            if i % 10 == 0
            else f"mensaje {i}"
        )
        rows.append(
            f"{day:02d}/12/2022, {minute // 60:02d}:{minute % 60:02d} - {senders[i % 4]}: {body}"
        )
    text = "\n".join(rows)
    t0 = time.perf_counter()
    pattern = re.compile(r"^(\d{1,2}/\d{1,2}/\d{2,4}), (\d{1,2}:\d{2}) - ([^:]+): (.*)$")
    matched = sum(1 for line in text.splitlines() if pattern.match(line))
    anchor = time.perf_counter() - t0
    t0 = time.perf_counter()
    chat = parse_whatsapp(text, "bench")
    ours = time.perf_counter() - t0
    assert matched == lines and len(chat.messages) == lines
    print(f"chat log, {lines} messages:")
    print(f"  anchor one regex per line : {anchor:6.2f} s  {lines / anchor:9.0f} lines/s")
    print(
        f"  parse_whatsapp            : {ours:6.2f} s  {lines / ours:9.0f} lines/s  "
        f"({ours / anchor:.1f}x the anchor's time; dates, senders, attachments, order decided)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--member-kib", type=int, default=256)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="cadena-bench-intake-") as tmp:
        bench_expand(Path(tmp), args.members, args.member_kib)
        bench_bombs(Path(tmp))
    bench_chat(args.lines)


if __name__ == "__main__":
    main()
