"""`cadena add`: items, sources, duplicates, and input that is awkward or broken."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import func, select

from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case
from cadena.vault.models import Item, Metadata, Source
from cadena.vault.verify import verify


def _count(case: Case, model: type) -> int:
    with case.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_identical_files_become_one_item_with_two_sources(case: Case, tmp_path: Path) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same footage" * 1000)
    b.write_bytes(b"same footage" * 1000)
    summary = add_paths(case, [a, b], SourceFields(platform="WhatsApp", account="+57 300"))
    assert [o.status for o in summary.outcomes] == ["added", "new_source"]
    assert _count(case, Item) == 1 and _count(case, Source) == 2
    with case.session(write=False) as s:
        src = s.execute(select(Source).order_by(Source.id)).scalars().first()
        assert src is not None and src.platform == "WhatsApp" and src.original_name == "a.bin"
    again = add_paths(case, [a, b], SourceFields(platform="WhatsApp", account="+57 300"))
    assert [o.status for o in again.outcomes] == ["present", "present"]
    assert _count(case, Source) == 2
    assert verify(case).clean


def test_folders_are_walked_and_awkward_files_kept_or_refused(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "from-witness"
    (folder / "sub").mkdir(parents=True)
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "sub" / "garbage.mov").write_bytes(os.urandom(5000))
    weird = os.fsdecode(b"caf\xe9-\xff.jpg")  # a Latin-1 name: not valid UTF-8
    (folder / weird).write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "link.mp4").symlink_to(folder / "sub" / "garbage.mov")
    (folder / "dangling").symlink_to(tmp_path / "gone")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    os.mkfifo(folder / "pipe")
    summary = add_paths(case, [folder, tmp_path / "missing.mp4"], SourceFields())
    by_status: dict[str, list[str]] = {}
    for o in summary.outcomes:
        by_status.setdefault(o.status, []).append(o.path)
    assert len(by_status["added"]) == 3  # empty, garbage, the Latin-1 name
    assert len(by_status["new_source"]) == 1  # the symlink to garbage.mov
    refused = {Path(o.path).name: o.reason for o in summary.outcomes if o.status == "refused"}
    assert set(refused) == {"dangling", "loop", "pipe", "missing.mp4"}
    assert "broken symbolic link" in str(refused["dangling"])
    assert "not a regular file" in str(refused["pipe"])
    with case.session(write=False) as s:
        names = {
            src.original_name: src.original_name_bytes
            for src in s.execute(select(Source)).scalars()
        }
        assert names["caf\\xe9-\\xff.jpg"] == b"caf\xe9-\xff.jpg".hex()
        problems = {m.item_sha256: m.problems for m in s.execute(select(Metadata)).scalars()}
    assert all(isinstance(p, list) for p in problems.values())
    assert any(p for p in problems.values()), (
        "corrupt/empty files must record what could not be read"
    )
    assert verify(case).clean


def test_cli_add_show_log(case: Case, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "clip.bin"
    f.write_bytes(bytes(range(256)) * 40)  # binary: no document text is read from it
    root = str(case.config.root)
    done = cli(
        "add",
        str(f),
        "--platform",
        "Telegram",
        "--posted-at",
        "2022-12-15T10:00:00-05:00",
        "--case",
        root,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["added"] == 1 and result["refused"] == 0
    sha = result["files"][0]["sha256"]
    shown = json.loads(cli("show", sha[:8], "--case", root, "--json", check=True).stdout)
    assert shown["sha256"] == sha and shown["sources"][0]["platform"] == "Telegram"
    assert [e["action"] for e in shown["custody"]] == ["add"]
    log = json.loads(cli("log", "--case", root, "--json", check=True).stdout)
    assert [e["action"] for e in log] == ["init", "add"]
    bad = cli("show", "zzzz", "--case", root)
    assert bad.returncode == 2 and "not an item" in bad.stderr and "Traceback" not in bad.stderr
    nocase = cli("show", "--case", str(tmp_path))
    assert nocase.returncode == 2 and "cadena init" in nocase.stderr
    refused = cli("add", str(tmp_path / "nope.mp4"), "--case", root)
    assert refused.returncode == 1 and "no such file" in refused.stdout
