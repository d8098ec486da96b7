"""The court package: made from a case, checked offline, tampering found."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from cadena.facts.citations import Cite, Support
from cadena.facts.record import Identity, Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.publish.package import check_package, export_bag
from cadena.vault.case import Case


@pytest.fixture
def bag(case: Case, tmp_path: Path) -> Path:
    synth.video(tmp_path / "clip.mp4", seconds=1, seed=3)
    synth.pdf(tmp_path / "plan.pdf", ["Se autoriza el empleo de armas de fuego."])
    summary = add_paths(case, [tmp_path / "clip.mp4", tmp_path / "plan.pdf"], SourceFields())
    video, plan = (o.sha256 for o in summary.outcomes)
    assert video and plan
    with case.session() as s:
        case.add_derivative(
            s,
            video,
            b"a keyframe",
            kind="keyframe",
            tool="test",
            tool_version="1",
            params={"t": 0.0},
            media_type="image/png",
        )
        r = Recorder(case, s)
        inc = r.add_incident(
            "Plaza shooting",
            key="I1",
            support=Support.of(
                "high", [Cite(video, {"kind": "time_range", "start_s": 0.1, "end_s": 0.8})]
            ),
        )
        r.add_victim(
            inc,
            "V-01",
            support=Support.of("high", [Cite(plan, {"kind": "page", "page": 1})]),
            identity=Identity(name="Real Name Kept Secret", contact="+51 999"),
        )
    out = tmp_path / "bag"
    packed = export_bag(case, out)
    assert packed.items == 2 and packed.derivatives == 1 and packed.citations == 2
    return out


def test_fresh_bag_passes_every_check(bag: Path) -> None:
    assert check_package(bag) == []
    bagit.Bag(str(bag)).validate()  # the bagit tool's own validation
    text = "".join(
        p.read_text(errors="ignore")
        for p in (bag / "data").rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl", ".csv")
    )
    assert "Real Name Kept Secret" not in text  # victims' identities left out unless asked
    outside = subprocess.run(
        [
            sys.executable,
            str(bag / "data" / "check_custody.py"),
            str(bag / "data"),
            "--log",
            str(bag / "data" / "custody.jsonl"),
        ],
        capture_output=True,
        text=True,
    )
    assert outside.returncode == 0, outside.stdout


def _blob(bag: Path) -> Path:
    return next(p for p in (bag / "data" / "blobs").rglob("*") if p.is_file())


def test_changed_byte_is_found(bag: Path) -> None:
    blob = _blob(bag)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    kinds = {(f.kind, Path(f.place).name) for f in check_package(bag)}
    assert ("file_modified", blob.name) in kinds


def test_removed_file_is_found(bag: Path) -> None:
    blob = _blob(bag)
    blob.unlink()
    kinds = {(f.kind, Path(f.place).name) for f in check_package(bag)}
    assert ("file_missing", blob.name) in kinds


def test_edited_custody_entry_is_found_even_with_remade_manifests(bag: Path) -> None:
    log = bag / "data" / "custody.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entries[1]["actor"] = "someone else"
    log.write_text("".join(json.dumps(e) + "\n" for e in entries))
    found = {(f.kind, f.place) for f in check_package(bag)}
    assert ("entry_edited", "custody entry #2") in found
    assert any(k == "file_modified" for k, _ in found)
    bagit.Bag(str(bag)).save(manifests=True)  # a forger re-makes the manifests...
    found = {f.kind for f in check_package(bag)}
    assert "entry_edited" in found and "manifest_signature_wrong" in found  # ...and is still found


def test_cli_check_package(bag: Path, cli) -> None:  # type: ignore[no-untyped-def]
    done = cli("check-package", str(bag), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["intact"] is True
    _blob(bag).unlink()
    done = cli("check-package", str(bag))
    assert done.returncode == 1 and "file_missing" in done.stdout


def test_cli_export_bagit_for_one_incident(case: Case, bag: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "incident-bag"
    done = cli(
        "export", "bagit", str(out), "--incident", "I1", "--case", str(case.config.root), "--json"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["items"] == 2 and summary["citations"] == 2
    assert (out / "data" / "dossier" / "dossier-es.html").is_file()
    assert check_package(out) == []
    wrong = cli(
        "export",
        "bagit",
        str(tmp_path / "x"),
        "--incident",
        "nope",
        "--case",
        str(case.config.root),
    )
    assert wrong.returncode == 2 and "No incident" in wrong.stderr


def test_incident_bag_holds_what_its_chain_rests_on(case: Case, tmp_path: Path) -> None:
    """The commander's tenure is cited to a gazette that no incident fact cites: the incident's
    bag must still carry it, or the chain in its dossier could not be checked from the bag."""
    synth.video(tmp_path / "clip.mp4", seconds=1, seed=5)
    synth.pdf(tmp_path / "gazette.pdf", ["Nombramiento del comandante."])
    synth.pdf(tmp_path / "unrelated.pdf", ["Otro asunto."])
    summary = add_paths(
        case,
        [tmp_path / "clip.mp4", tmp_path / "gazette.pdf", tmp_path / "unrelated.pdf"],
        SourceFields(),
    )
    video, gazette, unrelated = (o.sha256 for o in summary.outcomes)
    assert video and gazette and unrelated
    with case.session() as s:
        r = Recorder(case, s)
        seen = Support.of("high", [Cite(video, {"kind": "whole"})])
        gazetted = Support.of("high", [Cite(gazette, {"kind": "page", "page": 1})])
        r.add_unit("Escuadrón Móvil", support=seen)
        post = r.add_post("Comandante", unit="Escuadrón Móvil", support=gazetted)
        r.add_person("Coronel Uno", support=gazetted)
        r.add_tenure("Coronel Uno", post.id, support=gazetted, span=TimeSpan.of(start="2024-01-01"))
        r.add_person(
            "Otra Persona", support=Support.of("low", [Cite(unrelated, {"kind": "whole"})])
        )
        inc = r.add_incident(
            "Disparos", key="I9", support=seen, span=TimeSpan.of(start="2024-01-10")
        )
        r.attribute(inc, unit="Escuadrón Móvil", support=seen)
    out = tmp_path / "bag9"
    packed = export_bag(case, out, incident="I9")
    cited = json.loads((out / "data" / "records" / "citations.json").read_text("utf-8"))
    assert {c["item_sha256"] for c in cited} == {video, gazette}
    assert packed.items == 2
    assert check_package(out) == []
