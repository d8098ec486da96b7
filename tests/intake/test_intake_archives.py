"""Archives: each member an item naming its archive; hostile archives refused, never obeyed."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import py7zr
from sqlalchemy import select

from cadena.intake.archives import Limits, add_and_expand, clean_path, expand
from cadena.intake.files import SourceFields, add_file
from cadena.vault.case import Case
from cadena.vault.models import Item, Source
from cadena.vault.verify import verify


def _add(case: Case, path: Path, fields: SourceFields | None = None) -> str:
    outcome = add_file(case, path, fields or SourceFields())
    assert outcome.status == "added", outcome
    assert outcome.sha256
    return outcome.sha256


def _sources(case: Case) -> dict[str, Source]:
    with case.session(write=False) as s:
        return {
            src.original_path: src
            for src in s.execute(select(Source)).scalars()
            if src.extra.get("archive")
        }


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_zip_members_become_items_naming_the_archive(case: Case, tmp_path: Path) -> None:
    archive = tmp_path / "witness.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("videos/march.txt", b"first clip")
        z.writestr("notes.txt", b"what I saw")
        z.writestr("videos/", b"")
    sha = _add(case, archive, SourceFields(collected_by="Investigator R", consent="written"))
    seen: list[int] = []
    result = expand(
        case,
        sha,
        SourceFields(collected_by="Investigator R", consent="written"),
        progress=seen.append,
    )
    assert result.status == "expanded"
    assert sum(seen) == len(b"first clip") + len(b"what I saw")  # the progress bar's feed
    assert sorted(o.path for o in result.members) == ["notes.txt", "videos/march.txt"]
    assert {o.status for o in result.members} == {"added"}
    src = _sources(case)["videos/march.txt"]
    assert src.extra["archive"]["sha256"] == sha
    assert src.extra["archive"]["member"] == "videos/march.txt"
    assert src.original_name == "march.txt"
    assert src.collected_by == "Investigator R" and src.consent == "written"
    assert verify(case).clean


def test_traversal_member_is_written_nowhere_outside_the_case(case: Case, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as t:
        for name, data in [
            ("../../outside/pwned.txt", b"escape"),
            ("/etc/cadena-pwned", b"abs"),
            ("ok/../../x.txt", b"climb"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link-to-passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(link)
    before = _files_under(tmp_path) - _files_under(case.config.root)
    sha = _add(case, archive)
    result = expand(case, sha)
    assert result.status == "expanded"
    after = _files_under(tmp_path) - _files_under(case.config.root)
    assert after == before, "expansion wrote a file outside the case folder"
    assert not Path("/etc/cadena-pwned").exists()
    by_path = {o.path: o for o in result.members}
    assert by_path["outside/pwned.txt"].status == "added"
    assert by_path["etc/cadena-pwned"].status == "added"
    assert by_path["link-to-passwd"].status == "refused"
    assert "not followed" in (by_path["link-to-passwd"].reason or "")
    src = _sources(case)["outside/pwned.txt"]
    assert src.extra["archive"]["member_raw"] == "../../outside/pwned.txt"
    assert any("climbs out" in n for n in src.extra["archive"]["notes"])
    assert verify(case).clean


def test_zip_bomb_refused_and_archive_preserved(case: Case, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("zeros.bin", "w", force_zip64=True) as f,
    ):
        for _ in range(200):
            f.write(bytes(1 << 20))
    assert bomb.stat().st_size < 400_000
    sha = _add(case, bomb)
    result = expand(case, sha, limits=Limits(ratio_floor=8 << 20, max_ratio=100))
    assert result.status == "refused"
    assert "expansion of bomb.zip refused" in (result.reason or "")
    assert "times its" in (result.reason or "") and "preserved" in (result.reason or "")
    with case.session(write=False) as s:
        assert s.get(Item, sha) is not None
        assert s.execute(select(Item)).scalars().all().__len__() == 1  # no member recorded
    assert case.blobs.rehash(sha) == sha
    assert verify(case).clean


def test_bombs_refused_from_headers_and_from_bytes(case: Case, tmp_path: Path) -> None:
    """A tar.gz of zeros is refused from its members' declared sizes, before a byte is inflated;
    a lone .gz states no size, so it is refused by counting the bytes that come out."""
    bomb = tmp_path / "quiet.tar.gz"
    with tarfile.open(bomb, "w:gz") as t:
        info = tarfile.TarInfo("disk.img")
        info.size = 64 << 20
        t.addfile(info, io.BytesIO(bytes(info.size)))
    sha = _add(case, bomb)
    result = expand(case, sha, limits=Limits(ratio_floor=1 << 20, max_ratio=50))
    assert result.status == "refused" and "members declare 64.0 MiB" in (result.reason or "")
    result = expand(case, sha, limits=Limits(max_member_bytes=4 << 20))
    assert result.status == "refused" and "allowed for one member" in (result.reason or "")
    result = expand(case, sha, limits=Limits(max_members=0))
    assert result.status == "refused" and "more than 0 members" in (result.reason or "")

    lone = tmp_path / "disk.img.gz"
    with gzip.open(lone, "wb") as f:
        for _ in range(64):
            f.write(bytes(1 << 20))
    sha = _add(case, lone)
    result = expand(case, sha, limits=Limits(ratio_floor=1 << 20, max_ratio=50))
    assert result.status == "refused" and "gave over" in (result.reason or "")
    result = expand(case, sha, limits=Limits(max_member_bytes=4 << 20))
    assert result.status == "refused" and "expands past 4.0 MiB" in (result.reason or "")
    with case.session(write=False) as s:
        assert len(s.execute(select(Item)).scalars().all()) == 2  # the two bombs, no member
    assert verify(case).clean


def test_nested_archives_to_a_bounded_depth(case: Case, tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("deep.txt", b"deepest")
    data = inner.getvalue()
    for level in range(3):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(f"level{level}.zip", data)
        data = buf.getvalue()
    top = tmp_path / "top.zip"
    top.write_bytes(data)
    sha = _add(case, top)
    result = expand(case, sha, limits=Limits(max_depth=2))
    assert result.status == "expanded"
    assert [o.path for o in result.members] == ["level2.zip"]
    assert len(result.nested) == 1 and result.nested[0].members[0].path == "level1.zip"
    assert result.nested[0].nested == []  # depth 2 reached: level1.zip kept, not opened
    src = _sources(case)["level1.zip"]
    assert src.extra["archive"]["depth"] == 2
    assert src.extra["archive"]["sha256"] == result.members[0].sha256


def test_7z_and_lone_gzip(case: Case, tmp_path: Path) -> None:
    seven = tmp_path / "fotos.7z"
    with py7zr.SevenZipFile(seven, "w") as z:
        z.writestr(b"photo bytes", "dcim/IMG_0001.jpg")
        z.writestr(b"a statement", "notas/declaración.txt")
    sha = _add(case, seven)
    result = expand(case, sha)
    assert result.status == "expanded", result.reason
    assert sorted(o.path for o in result.members) == ["dcim/IMG_0001.jpg", "notas/declaración.txt"]
    assert _sources(case)["dcim/IMG_0001.jpg"].extra["archive"]["format"] == "7z"
    lone = tmp_path / "statement.txt.gz"
    lone.write_bytes(gzip.compress(b"I was there"))
    sha = _add(case, lone)
    result = expand(case, sha, name="statement.txt.gz")
    assert [o.path for o in result.members] == ["statement.txt"]
    assert verify(case).clean


def test_corrupt_archive_kept_and_reported(case: Case, tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("a.txt", os.urandom(2000))
    broken.write_bytes(good.getvalue()[:-30])  # central directory cut short
    sha = _add(case, broken)
    result = expand(case, sha)
    assert result.status == "refused"
    assert "could not be opened as an archive" in (result.reason or "")
    with case.session(write=False) as s:
        assert s.get(Item, sha) is not None


def test_clean_path() -> None:
    assert clean_path("..\\..\\Windows\\x.dll")[0] == "Windows/x.dll"
    assert clean_path("C:/boot.ini")[0] == "boot.ini"
    assert clean_path("a/\x00b/./c")[0] == "a/b/c"
    assert clean_path("../..")[0] == "unnamed"


def test_add_and_expand_recognises_archives_and_chat_folders(case: Case, tmp_path: Path) -> None:
    """What `cadena add evidence/` does: a chat folder deep inside is read as a chat, a zip is
    expanded, other files are added one by one."""
    evidence = tmp_path / "evidence"
    chat = evidence / "from Rosa" / "WhatsApp export"
    chat.mkdir(parents=True)
    (chat / "_chat.txt").write_text(
        "[15/12/22, 16:41:00] Rosa Q.: \u200e<attached: 00000007-PHOTO-2022-12-15-16-41-00.jpg>\n",
        "utf-8",
    )
    (chat / "00000007-PHOTO-2022-12-15-16-41-00.jpg").write_bytes(b"\xff\xd8\xff\xe0 rosa")
    (evidence / "statement.txt").write_text("I saw it", "utf-8")
    with zipfile.ZipFile(evidence / "photos.zip", "w") as z:
        z.writestr("a.jpg", b"\xff\xd8\xff\xe0 a")
    summary, expansions = add_and_expand(case, [evidence], SourceFields(collected_by="R"))
    assert sorted(Path(o.path).name for o in summary.outcomes) == ["photos.zip", "statement.txt"]
    assert [(e.format, e.status) for e in expansions] == [
        ("folder", "expanded"),
        ("zip", "expanded"),
    ]
    photo = _sources(case)  # archive members only
    assert list(photo) == ["a.jpg"]
    with case.session(write=False) as s:
        sent = s.execute(select(Source).where(Source.account == "Rosa Q.")).scalars().one()
    assert sent.posted_at == "2022-12-15T16:41:00" and sent.collected_by == "R"
    assert verify(case).clean


def test_encrypted_member_refused_alone(case: Case, tmp_path: Path) -> None:
    archive = tmp_path / "locked.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("open.txt", b"readable")
        z.writestr("secret.mp4", b"\x00" * 64)
    data = bytearray(archive.read_bytes())
    # set the "encrypted" flag of secret.mp4, as a zip made with a password has it
    for magic, flags, name_len, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        at = data.find(magic)
        while at >= 0:
            n = int.from_bytes(data[at + name_len : at + name_len + 2], "little")
            if data[at + name_at : at + name_at + n] == b"secret.mp4":
                data[at + flags] |= 0x01
            at = data.find(magic, at + 4)
    archive.write_bytes(bytes(data))
    result = expand(case, _add(case, archive))
    by_path = {o.path: o for o in result.members}
    assert by_path["open.txt"].status == "added"
    assert by_path["secret.mp4"].status == "refused"
    assert "encrypted" in (by_path["secret.mp4"].reason or "")
