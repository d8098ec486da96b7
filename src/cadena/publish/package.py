"""The court package: a BagIt bag that a court's expert checks offline.

Layout under `data/` mirrors a case folder, so the checker that ships in every case
(`check_custody.py`) runs on the bag unchanged:

    data/blobs/sha256/ab/cd/<sha256>   originals and derivatives, named by their SHA-256
    data/keys/case-public-key.pem       the case's public key
    data/custody.jsonl                  the whole custody log, every field
    data/check_custody.py               the stand-alone checker (stdlib + cryptography)
    data/records/items.json             items, sources (sensitive fields dropped), metadata
    data/records/derivatives.json       what made each derivative
    data/records/verification.json      `cadena verify` at the time of export
    data/records/citations.json         every citation: fact, item, locator (for one incident:
                                        its own facts' and those its chain and elements rest on)
    data/facts/ftm.jsonl, data/facts/csv/   the facts (FollowTheMoney and CSV)
    data/dossier/                       the dossier, when one is given

`check_package` validates the bag's manifests (a changed byte, a removed or added file), walks
the custody chain and its signatures, and checks that every citation resolves to a file in the bag.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from cadena import __version__
from cadena.errors import CadenaError
from cadena.facts import export as facts_export
from cadena.facts import models as fm
from cadena.facts import sheet
from cadena.vault import custody, inspect, keys
from cadena.vault.case import CHECKER, Case
from cadena.vault.custody import Finding
from cadena.vault.models import CustodyEntry, CustodyHead, Derivative, Item
from cadena.vault.verify import verify
from cadena.verify import reviews

Progress = Callable[[int, int], None]
SIGNATURE_FILE = "cadena-manifest-signature.txt"
SIGNING_PREFIX = b"cadena-bag-manifest-v1:"


@dataclass(frozen=True)
class Packed:
    out: Path
    items: int
    derivatives: int
    citations: int
    files: int


def export_bag(
    case: Case,
    out: Path,
    *,
    incident: str | None = None,
    include_sensitive: bool = False,
    dossier: Path | None = None,
    progress: Progress | None = None,
) -> Packed:
    if out.exists() and any(out.iterdir()):
        raise CadenaError(f"{out} is not empty: give a new folder for the package.")
    data = out  # make_bag moves what is written here into out/data
    data.mkdir(parents=True, exist_ok=True)
    with case.session() as s:
        case.log(
            s,
            "export",
            details={
                "format": "bagit",
                "incident": incident,
                "include_sensitive": include_sensitive,
            },
        )
    citations = _citations(case, incident)
    items = _item_scope(case, incident, citations)
    shas, derivs = _copy_blobs(case, data, items, progress)
    _write_records(case, data, items, derivs, citations)
    _write_custody(case, data)
    _write_facts(case, data, include_sensitive)
    if dossier is not None:
        shutil.copytree(dossier, data / "dossier")
    bag = bagit.make_bag(str(out), bag_info=_bag_info(case, incident), checksums=["sha256"])
    _sign_manifest(case, out)
    return Packed(out, len(items), len(derivs), len(citations), len(list(bag.payload_files())))


def _citations(case: Case, incident: str | None) -> list[dict[str, Any]]:
    with case.session(write=False) as s:
        q = select(fm.Citation).order_by(fm.Citation.id)
        if incident is not None:
            q = q.where(fm.Citation.fact_id.in_(_incident_facts(s, incident)))
        return [
            {
                "fact_id": c.fact_id,
                "item_sha256": c.item_sha256,
                "locator": c.locator,
                "quote": c.quote,
            }
            for c in s.execute(q).scalars()
        ]


def _incident_facts(s: Any, ref: str) -> set[int]:
    """The incident and the facts about it (victims, attributions)."""
    inc = (
        s.execute(
            select(fm.Incident).where(
                (fm.Incident.key == ref)
                | (fm.Incident.title == ref)
                | (fm.Incident.id == (int(ref) if ref.isdigit() else -1))
            )
        )
        .scalars()
        .first()
    )
    if inc is None:
        raise CadenaError(f"No incident {ref!r} in this case: give its key, title or id.")
    ids = {inc.id}
    for model in (fm.Victim, fm.Attribution):
        ids |= set(s.execute(select(model.id).where(model.incident_id == inc.id)).scalars())
    return ids | _analysis_facts(s, inc)


def _analysis_facts(s: Any, inc: fm.Incident) -> set[int]:
    """The facts the incident's chain of command and elements rest on (units, links, tenures,
    orders, notice, measures), so a court can check every finding from the bag alone."""
    from cadena.analysis.chain import analyze_chain
    from cadena.analysis.elements import analyze_elements

    try:
        found = {fid for f in analyze_chain(s, inc.id).findings for fid in f.facts}
        found |= {fid for f in analyze_elements(s, f"#{inc.id}").findings for fid in f.facts}
    except CadenaError:  # no date on record: no chain to build, the incident's own facts only
        return set()
    return found


def _item_scope(case: Case, incident: str | None, citations: list[dict[str, Any]]) -> list[str]:
    with case.session(write=False) as s:
        if incident is None:
            return list(s.execute(select(Item.sha256).order_by(Item.sha256)).scalars())
    return sorted({c["item_sha256"] for c in citations})


def _copy_blobs(
    case: Case, data: Path, items: list[str], progress: Progress | None
) -> tuple[list[str], list[dict[str, Any]]]:
    with case.session(write=False) as s:
        derivs: list[dict[str, Any]] = [
            {
                "sha256": d.sha256,
                "item_sha256": d.item_sha256,
                "kind": d.kind,
                "media_type": d.media_type,
                "size": d.size,
                "tool": d.tool,
                "tool_version": d.tool_version,
                "params": d.params,
                "created_at": d.created_at,
            }
            for d in s.execute(
                select(Derivative).where(Derivative.item_sha256.in_(items)).order_by(Derivative.id)
            ).scalars()
        ]
    shas = sorted(set(items) | {str(d["sha256"]) for d in derivs})
    for n, sha in enumerate(shas, 1):
        target = data / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        with case.blobs.open(sha) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        if progress:
            progress(n, len(shas))
    return shas, derivs


def _write_records(
    case: Case,
    data: Path,
    items: list[str],
    derivs: list[dict[str, Any]],
    citations: list[dict[str, Any]],
) -> None:
    rec = data / "records"
    rec.mkdir()
    records = []
    for sha in items:
        r = inspect.item_record(case, sha)
        r.pop("custody", None)
        r["verification"] = reviews.report(case, sha)
        records.append(r)
    _dump(rec / "items.json", records)
    _dump(rec / "derivatives.json", derivs)
    _dump(rec / "citations.json", citations)
    _dump(rec / "verification.json", verify(case).as_dict())


def _write_custody(case: Case, data: Path) -> None:
    (data / "keys").mkdir()
    shutil.copyfile(case.config.public_key_path, data / "keys" / "case-public-key.pem")
    shutil.copyfile(CHECKER, data / "check_custody.py")
    with (data / "custody.jsonl").open("w", encoding="utf-8") as f:
        for e in inspect.custody_entries(case):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")


def _write_facts(case: Case, data: Path, include_sensitive: bool) -> None:
    (data / "facts").mkdir()
    facts_export.export_ftm(case, data / "facts" / "ftm.jsonl")
    facts_export.export_csv(case, data / "facts" / "csv", include_sensitive=include_sensitive)
    sheet.export_sheet(case, data / "facts" / "sheet", include_sensitive=include_sensitive)


def _bag_info(case: Case, incident: str | None) -> dict[str, str]:
    return {
        "Source-Organization": case.config.name,
        "External-Description": "Cadena court package: originals, derivatives, custody log, "
        "facts and citations" + (f" for incident {incident}" if incident else ""),
        "Bag-Software-Agent": f"cadena {__version__}",
        "Bag-Group-Identifier": case.config.name,
    }


def _sign_manifest(case: Case, out: Path) -> None:
    """Bag manifests are unsigned; sign the payload manifest so a re-made manifest shows."""
    digest = hashlib.sha256((out / "manifest-sha256.txt").read_bytes()).hexdigest()
    signature = case.signing_key.sign(SIGNING_PREFIX + digest.encode()).hex()
    (out / SIGNATURE_FILE).write_text(f"{digest}\n{signature}\n", encoding="ascii")


def _check_signature(path: Path, public: Ed25519PublicKey) -> list[Finding]:
    where = str(path / SIGNATURE_FILE)
    try:
        digest, signature = (path / SIGNATURE_FILE).read_text(encoding="ascii").split()
        public.verify(bytes.fromhex(signature), SIGNING_PREFIX + digest.encode())
    except (OSError, ValueError, InvalidSignature):
        return [
            Finding("manifest_signature_wrong", where, "missing, malformed or not the case key's")
        ]
    actual = hashlib.sha256((path / "manifest-sha256.txt").read_bytes()).hexdigest()
    if actual != digest:
        return [
            Finding(
                "manifest_signature_wrong",
                where,
                "the payload manifest was changed after the case key signed it",
            )
        ]
    return []


def _dump(path: Path, value: Any) -> None:
    path.write_text(
        json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


# -- checking --------------------------------------------------------------------------------


def check_package(path: Path) -> list[Finding]:
    """Everything a court's expert would check, offline; an empty list when the bag is intact."""
    findings = _check_bag(path)
    data = path / "data"
    if (
        not (data / "custody.jsonl").is_file()
        or not (data / "keys" / "case-public-key.pem").is_file()
    ):
        return [
            *findings,
            Finding(
                "package_incomplete", str(path), "the custody log or the public key is missing"
            ),
        ]
    public = keys.load_public(data / "keys" / "case-public-key.pem")
    findings += _check_signature(path, public)
    findings += _check_custody(data, public)
    findings += _check_citations(data)
    return findings


def _check_bag(path: Path) -> list[Finding]:
    """The bag's own rules (bagit's validation), then every file against the manifest, so each
    changed, missing or unexpected file is named (bagit stops at the first summary error)."""
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        return [Finding("bag_invalid", str(path), str(exc))]
    findings = []
    listed = {p for p in bag.entries if p.startswith("data/")}
    for rel in sorted(listed):
        file = path / rel
        expected = bag.entries[rel].get("sha256")
        if not file.is_file():
            findings.append(
                Finding("file_missing", rel, "listed in the manifest but not in the bag")
            )
        elif expected and _sha256(file) != expected:
            findings.append(Finding("file_modified", rel, "its SHA-256 differs from the manifest"))
    for rel in sorted(set(bag.payload_files()) - listed):
        findings.append(Finding("file_unexpected", rel, "in the bag but not in its manifest"))
    if not findings:
        try:
            bag.validate(processes=1)
        except bagit.BagValidationError as exc:
            findings.append(Finding("bag_invalid", str(path), str(exc)))
    return findings


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_custody(data: Path, public: Ed25519PublicKey) -> list[Finding]:
    entries = []
    for line in (data / "custody.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            entries.append(CustodyEntry(**raw))
    last = entries[-1] if entries else None
    head = CustodyHead(id=1, seq=last.seq, entry_hash=last.entry_hash) if last else None
    return custody.walk(entries, head, public)


def _check_citations(data: Path) -> list[Finding]:
    cited = json.loads((data / "records" / "citations.json").read_text(encoding="utf-8"))
    out = []
    for c in cited:
        sha = c["item_sha256"]
        if not (data / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha).is_file():
            out.append(
                Finding(
                    "citation_unresolved",
                    f"fact {c['fact_id']}",
                    f"cites item {sha}, which is not in the package",
                )
            )
    return out
