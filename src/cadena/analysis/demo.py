"""The training case's analyses: `run_all(case)` runs every analysis and returns plain data.

`cadena demo` loads the fictional Valdoria force structure (cadena.facts.demo); `add_demo_facts`
adds what the analyses need on top of it: three incidents (January–February 2024), the casualty
report, a ceasefire call during the shooting, a meeting, a UN condemnation, a justification, a
promotion and an archived disciplinary case, each cited to a small fictional document preserved
as an item. Everything is invented for training.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cadena.analysis.chain import analyze_chain
from cadena.analysis.elements import analyze_elements
from cadena.analysis.gaps import analyze_gaps
from cadena.analysis.notice import analyze_notice
from cadena.analysis.patterns import analyze_patterns
from cadena.facts import models as m
from cadena.facts.citations import Cite, Support
from cadena.facts.record import PartyRef, Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case

MARK = "DEMO-I1"  # the key of the first demo incident: present means the facts are in
DOCUMENTS = {
    "video-plaza-libertad-2024-01-10.txt": (
        "Transcripción de vídeo (ficticia), Plaza de la Libertad, 10 de enero de 2024\n"
        "00:12-00:40 agentes con distintivos del Escuadrón UMO 2 disparan fusiles hacia la "
        "multitud.\n"
    ),
    "parte-umo2-2024-01-10.txt": (
        "PARTE DE NOVEDADES (ficticio) - Escuadrón UMO 2 - 10 de enero de 2024\n"
        "p. 1 - Capitán Villalba a la UMO: dos manifestantes fallecidos y siete heridos.\n"
    ),
    "defensoria-llamado-2024-01-10.txt": (
        "DEFENSORÍA DEL PUEBLO (ficticio) - 10 de enero de 2024, 18:00\n"
        "para 1 - Llamado urgente al CCOP Centro a cesar el fuego en la Plaza de la Libertad.\n"
    ),
    "acta-reunion-2024-01-11.txt": (
        "ACTA DE REUNIÓN (ficticia) - 11 de enero de 2024\n"
        "p. 1 - Asisten: General Quiroga, Coronel Rengifo, General Mejía. "
        "Asunto: Plaza de la Libertad.\n"
    ),
    "onu-comunicado-2024-01-13.txt": (
        "OFICINA DE LA ONU PARA LOS DERECHOS HUMANOS (ficticio) - 13 de enero de 2024\n"
        "para 1 - Condena el uso de armas de fuego contra manifestantes en Puerto Alba.\n"
    ),
    "informe-puente-sur-2024-01-25.txt": (
        "INFORME (ficticio) - Puente Sur, 25 de enero de 2024\n"
        "p. 1 - Un manifestante muerto por disparos de soldados del BIM-21.\n"
    ),
    "informe-avenida-central-2024-02-12.txt": (
        "INFORME (ficticio) - Avenida Central, 12 de febrero de 2024\n"
        "p. 1 - Un manifestante muerto; actuó el Escuadrón UMO 2.\n"
    ),
    "resoluciones-pnv-2024.txt": (
        "POLICÍA NACIONAL - RESOLUCIONES (ficticias) 2024\n"
        "p. 1 - 20 de febrero: ascenso del Capitán Andrés Villalba Ortiz a Mayor.\n"
        "p. 2 - 15 de marzo: se archiva la indagación disciplinaria por la Plaza de la Libertad.\n"
    ),
}


def _add_documents(case: Case) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in DOCUMENTS.items():
            p = Path(tmp) / name
            p.write_text(text, encoding="utf-8")
            paths.append(p)
        fields = SourceFields(collected_by="Cadena demo", method="fictional training document")
        summary = add_paths(case, paths, fields)
    return {Path(o.path).name: o.sha256 for o in summary.outcomes if o.sha256}


def add_demo_facts(case: Case) -> bool:
    """Add the demo's incidents and notice facts to a case holding the Valdoria force; False (and
    nothing written) when they are already there."""
    with case.session(write=False) as s:
        if s.execute(select(m.Fact.id).where(m.Fact.key == MARK)).first():
            return False
    sha = _add_documents(case)

    def doc(name: str, kind: str = "page", where: object = 1, quote: str | None = None) -> Support:
        return Support.of("high", [Cite(sha[name], {"kind": kind, kind: where}, quote=quote)])

    with case.session() as s:
        r = Recorder(case, s)
        _incidents_and_notice(r, doc)
    return True


def _incidents_and_notice(r: Recorder, doc: Any) -> None:
    p = PartyRef
    video = Support.of(
        "high",
        [Cite(_item(r, "video-plaza"), {"kind": "time_range", "start_s": 12.0, "end_s": 40.0})],
    )
    plaza = r.add_incident(
        "Plaza de la Libertad, 10 de enero",
        key=MARK,
        killed=2,
        injured=7,
        support=video,
        place="Plaza de la Libertad, Puerto Alba",
        lat=4.6097,
        lon=-74.0817,
        uncertainty_m=100,
        span=TimeSpan.of(start="2024-01-10T16:00", end="2024-01-10T20:00"),
        weapons=["fusil"],
    )
    r.attribute(plaza, unit="Escuadrón UMO 2", support=video, basis="distintivos en el vídeo")
    puente = r.add_incident(
        "Puente Sur, 25 de enero",
        key="DEMO-I2",
        killed=1,
        place="Puente Sur, Puerto Alba",
        support=doc("informe-puente-sur-2024-01-25.txt"),
        span=TimeSpan.of(start="2024-01-25"),
    )
    r.attribute(puente, unit="BIM-21", support=doc("informe-puente-sur-2024-01-25.txt"))
    avenida = r.add_incident(
        "Avenida Central, 12 de febrero",
        key="DEMO-I3",
        killed=1,
        support=doc("informe-avenida-central-2024-02-12.txt"),
        span=TimeSpan.of(start="2024-02-12"),
    )
    r.attribute(
        avenida, unit="Escuadrón UMO 2", support=doc("informe-avenida-central-2024-02-12.txt")
    )
    r.add_communication(
        "casualty_report",
        incident=plaza,
        span=TimeSpan.of(start="2024-01-10"),
        summary="dos fallecidos y siete heridos",
        support=doc("parte-umo2-2024-01-10.txt"),
        parties=[p("from", person="Andrés Villalba"), p("to", unit="UMO")],
        key="DEMO-C1",
    )
    r.add_communication(
        "ceasefire_call",
        incident=plaza,
        span=TimeSpan.of(start="2024-01-10T18:00"),
        support=doc("defensoria-llamado-2024-01-10.txt", "paragraph", 1),
        parties=[p("from", unit="Defensoría del Pueblo"), p("to", unit="CCOP Centro")],
        key="DEMO-C2",
    )
    r.add_meeting(
        subject="Plaza de la Libertad",
        incident=plaza,
        span=TimeSpan.of(start="2024-01-11"),
        support=doc("acta-reunion-2024-01-11.txt"),
        key="DEMO-M1",
        parties=[
            p("attendee", person=x) for x in ("Hernán Quiroga", "Mauricio Rengifo", "Ricardo Mejía")
        ],
    )
    un = r.add_unit(
        "Oficina de la ONU para los Derechos Humanos",
        force="international",
        support=doc("onu-comunicado-2024-01-13.txt", "paragraph", 1),
        key="DEMO-UN",
    )
    r.add_statement(
        "condemnation",
        incident=plaza,
        span=TimeSpan.of(start="2024-01-13"),
        key="DEMO-S1",
        support=doc("onu-comunicado-2024-01-13.txt", "paragraph", 1),
        parties=[p("speaker", unit=un)],
    )
    r.add_statement(
        "justification",
        incident=puente,
        span=TimeSpan.of(start="2024-03-02"),
        key="DEMO-S2",
        summary="actuaron conforme al plan",
        support=Support.of(
            "high",
            [
                Cite(
                    _item(r, "prensa-2024-03-02"),
                    {"kind": "paragraph", "paragraph": 4},
                    quote="actuaron conforme al plan",
                )
            ],
        ),
        parties=[p("speaker", person="Ricardo Mejía")],
    )
    r.add_measure(
        "promotion",
        span=TimeSpan.of(start="2024-02-20"),
        key="DEMO-ME1",
        summary="ascenso a Mayor",
        support=doc("resoluciones-pnv-2024.txt"),
        parties=[p("decided_by", person="Hernán Quiroga"), p("about", person="Andrés Villalba")],
    )
    r.add_measure(
        "disciplinary_archived",
        incident=plaza,
        span=TimeSpan.of(start="2024-03-15"),
        key="DEMO-ME2",
        support=doc("resoluciones-pnv-2024.txt", "page", 2),
        parties=[p("decided_by", person="Hernán Quiroga")],
    )


def _item(r: Recorder, stem: str) -> str:
    """An item by the start of its file name (the demo's own and the force sheet's documents)."""
    from cadena.vault.models import Source

    rows = r.s.execute(select(Source.item_sha256, Source.original_name)).all()
    for sha, name in rows:
        if str(name or "").startswith(stem):
            return str(sha)
    raise LookupError(f"no item for {stem}")


def run_all(case: Case, *, add_facts: bool = True) -> dict[str, Any]:
    """Every analysis on the case, as JSON-ready data: the chain and the elements of every dated
    incident, the notice of every superior, the patterns and the gaps. With `add_facts`, the demo
    incidents are first added when the Valdoria force is loaded and they are not there yet."""
    if add_facts:
        with case.session(write=False) as s:
            has_force = s.execute(select(m.Fact.id).where(m.Fact.key == "U-UMO2")).first()
        if has_force:
            add_demo_facts(case)
    out: dict[str, Any] = {"chains": {}, "notice": {}, "elements": {}}
    with case.session(write=False) as s:
        incidents = [
            i
            for i in s.execute(select(m.Incident).order_by(m.Incident.id)).scalars()
            if i.merged_into is None and (i.start_date or i.first_cited)
        ]
        superiors: dict[int, str] = {}
        for inc in incidents:
            chain = analyze_chain(s, inc.id)
            out["chains"][inc.title] = chain.as_dict()
            superiors.update({x["person"]: x["name"] for x in chain.summary["superiors"]})
            out["elements"][inc.title] = analyze_elements(s, f"#{inc.id}").as_dict()
        for pid, name in sorted(superiors.items(), key=lambda x: x[1]):
            out["notice"][name] = analyze_notice(s, pid).as_dict()
        out["patterns"] = analyze_patterns(s).as_dict()
        out["gaps"] = analyze_gaps(s).as_dict()
    out["summary"] = {
        "incidents": len(incidents),
        "superiors": len(superiors),
        "element_rows": sum(e["summary"]["rows"] for e in out["elements"].values()),
        "patterns": out["patterns"]["summary"]["by_pattern"],
        "gaps": out["gaps"]["summary"]["gaps"],
    }
    return out


def demo_step(d: Any) -> None:
    """A step for `cadena demo`'s STEPS (duck-typed on its `Demo`: case, say, results): run every
    analysis on the training case and say what came out."""
    result = run_all(d.case)
    d.results["analysis"] = result["summary"]
    fired = sum(result["summary"]["patterns"].values())
    d.say(
        f"Analysed {result['summary']['incidents']} incidents: "
        f"{result['summary']['superiors']} superiors in their chains, "
        f"{result['summary']['element_rows']} element rows, {fired} pattern indicators, "
        f"{result['summary']['gaps']} requests to fill the gaps"
    )
