#!/usr/bin/env python3
"""Check a Cadena case without Cadena: only Python's standard library and `cryptography`.

Usage:
    python check_custody.py CASE_FOLDER            # a case on the embedded default (SQLite)
    python check_custody.py CASE_FOLDER --log FILE  # a custody log exported as JSON lines

What it checks, and how (the same rules as `cadena verify`):
1. Every custody entry's hash is SHA-256 over the UTF-8 bytes of the JSON object
   {"action","actor","at","details","item","prev"} serialised with sorted keys, separators
   "," and ":", and non-ASCII characters kept as they are; `details` is the stored text.
2. Each entry's `prev` is the hash of the entry before it; the first entry's is 64 zeros.
3. Each signature is Ed25519, by the key in keys/case-public-key.pem, over the bytes
   b"cadena-custody-v1:" followed by the entry's hash in lowercase hex.
4. Every blob under blobs/sha256/ that an "add" or "derive" entry names is re-hashed.
Prints one line per problem and exits 1 if there is any, 0 when the case is intact.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

PREFIX = b"cadena-custody-v1:"
FIELDS = (
    "seq",
    "at",
    "action",
    "item_sha256",
    "actor",
    "details",
    "prev_hash",
    "entry_hash",
    "signature",
)


def load_entries(case: Path, log: Path | None) -> list[dict]:
    if log is not None:
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    con = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    rows = con.execute(f"SELECT {', '.join(FIELDS)} FROM custody_entry ORDER BY seq").fetchall()
    return [dict(zip(FIELDS, row, strict=True)) for row in rows]


def entry_hash(e: dict) -> str:
    body = {
        "at": e["at"],
        "action": e["action"],
        "item": e["item_sha256"],
        "actor": e["actor"],
        "details": e["details"],
        "prev": e["prev_hash"],
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_chain(entries: list[dict], public) -> list[str]:
    problems, prev, seq = [], "0" * 64, 1
    for e in entries:
        where = f"custody entry #{e['seq']}"
        if e["seq"] != seq:
            problems.append(f"{where}: entries #{seq}-#{e['seq'] - 1} are missing")
        if entry_hash(e) != e["entry_hash"]:
            problems.append(f"{where}: content does not match its hash (edited)")
        else:
            try:
                public.verify(bytes.fromhex(e["signature"]), PREFIX + e["entry_hash"].encode())
            except (InvalidSignature, ValueError):
                problems.append(f"{where}: signature is not the case key's")
        if e["prev_hash"] != prev:
            problems.append(
                f"{where}: does not follow the entry before it (deleted, inserted or reordered)"
            )
        prev, seq = e["entry_hash"], e["seq"] + 1
    return problems


def check_blobs(case: Path, entries: list[dict]) -> list[str]:
    problems = []
    for e in entries:
        details = json.loads(e["details"])
        sha = e["item_sha256"] if e["action"] == "add" else details.get("derivative")
        if e["action"] not in ("add", "derive") or not sha:
            continue
        blob = case / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
        if not blob.is_file():
            problems.append(f"blob {sha}: missing (named by custody entry #{e['seq']})")
            continue
        digest = hashlib.sha256()
        with blob.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            problems.append(f"blob {sha}: content changed (now hashes to {digest.hexdigest()})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args()
    public = load_pem_public_key((args.case / "keys" / "case-public-key.pem").read_bytes())
    entries = load_entries(args.case, args.log)
    problems = check_chain(entries, public) + check_blobs(args.case, entries)
    for p in problems:
        print(p)
    print(f"{len(entries)} custody entries checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
