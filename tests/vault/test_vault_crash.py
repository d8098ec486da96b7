"""Nothing lost: SIGKILL at random moments of a large `cadena add`, and two adds at once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Item, Source
from cadena.vault.verify import verify

KILLS = 20


def _folder(root: Path, files: int, size: int, seed: int) -> Path:
    rng = random.Random(seed)
    root.mkdir()
    for n in range(files):
        (root / f"video_{n:03d}.mp4").write_bytes(rng.randbytes(size))
    return root


def _counts(case: Case) -> tuple[int, int, int]:
    with case.session(write=False) as s:
        return tuple(
            int(s.execute(select(func.count()).select_from(m)).scalar_one())  # type: ignore[return-value]
            for m in (Item, Source, CustodyEntry)
        )


def _add(root: Path, folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cadena", "add", str(folder), "--case", str(root), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_points_leaves_a_verifiable_resumable_vault(
    case: Case, tmp_path: Path
) -> None:
    folder = _folder(tmp_path / "big", files=40, size=1_500_000, seed=7)
    root = case.config.root
    rng = random.Random(2026)
    for _ in range(KILLS):
        proc = _add(root, folder)
        time.sleep(rng.uniform(0.2, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        report = verify(Case.open(root))
        assert report.clean, report.findings
    proc = _add(root, folder)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr.decode()
    items, sources, entries = _counts(case)
    assert items == 40 and sources == 40
    assert entries == 1 + 40  # init + one add per file: no duplicates after 20 kills
    assert verify(case).clean


def test_two_adds_at_once_both_complete(case: Case, tmp_path: Path) -> None:
    shared = _folder(tmp_path / "shared", files=12, size=300_000, seed=1)
    own_a = _folder(tmp_path / "a", files=5, size=200_000, seed=2)
    own_b = _folder(tmp_path / "b", files=5, size=200_000, seed=3)
    root = case.config.root
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cadena",
                "add",
                str(shared),
                str(own),
                "--case",
                str(root),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for own in (own_a, own_b)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert _counts(case)[:2] == (22, 22)
    assert verify(case).clean
