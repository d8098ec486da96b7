"""Every word the dossier writes itself, in English and Spanish (complete in both: a test checks
that the two tables have the same keys). Findings bring their own two languages; names, titles
and quotes from the facts are shown as recorded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

LANGS = ("en", "es")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Dossier",
        "subtitle": "Evidence, chain of command and responsibility",
        "generated": "Generated on {at} by Cadena {version}",
        "contents": "Contents",
        "sec.summary": "Summary",
        "sec.timeline": "Timeline",
        "sec.map": "Map",
        "sec.orgcharts": "Chain of command at the moment of each incident",
        "sec.notice": "Notice",
        "sec.elements": "Elements of responsibility",
        "sec.patterns": "Patterns",
        "sec.gaps": "Gaps",
        "sec.citations": "Citations",
        "sec.register": "Evidence register",
        "sec.method": "Method and limitations",
        "summary.lead": (
            "This dossier organises the evidence gathered in the case and the findings derived "
            "from it. It does not pronounce anyone guilty: every statement says what it rests on, "
            "with what confidence, and which assumptions it used."
        ),
        "summary.incidents": "Incidents",
        "summary.killed": "People killed",
        "summary.injured": "People injured",
        "summary.superiors": "Superiors identified",
        "summary.items": "Preserved items",
        "summary.verified": "Items verified by two reviewers",
        "summary.findings": "Findings",
        "summary.gaps": "Gaps to fill",
        "col.incident": "Incident",
        "col.date": "Date",
        "col.place": "Place",
        "col.kind": "Kind",
        "col.killed": "Killed",
        "col.injured": "Injured",
        "col.confidence": "Confidence",
        "col.sources": "Sources",
        "col.item": "Item",
        "col.sha256": "SHA-256",
        "col.media_type": "Type",
        "col.size": "Size (bytes)",
        "col.added": "Added",
        "col.status": "Verification status",
        "col.element_status": "Status",
        "col.cited_by": "Cited by",
        "col.fact": "Fact",
        "col.locator": "Place in the item",
        "col.quote": "Quotation",
        "col.element": "Element",
        "col.framework": "Framework",
        "col.finding": "Finding",
        "col.citations": "Citations",
        "timeline.lead": (
            "Incidents, orders and plans (bars over the time they were in force; renewals and "
            "amendments linked to the order they renew), reports, meetings, warnings and "
            "statements that could give notice, and the measures taken afterwards."
        ),
        "timeline.empty": "No dated incident, order, communication or measure is on record.",
        "lane.incident": "Incidents",
        "lane.order": "Orders and plans",
        "lane.notice": "Reports, meetings, warnings, statements",
        "lane.measure": "Measures",
        "legend.open": "still in force (no end on record)",
        "map.lead": (
            "Incidents (red) and deployments (blue) with the uncertainty of their position. "
            "Basemap: Natural Earth country boundaries (public domain), shipped with Cadena; "
            "nothing is fetched."
        ),
        "map.empty": "No incident or deployment has coordinates on record.",
        "map.overview": "Overview",
        "map.unplaced": "Not on the map, with no coordinates on record: incident(s) {numbers}.",
        "map.detail": "Places of the case",
        "map.km": "km",
        "map.incident": "incident",
        "map.deployment": "deployment",
        "org.lead": (
            "For each incident, the units it is attributed to (red) and every unit above them "
            "on the administrative and operational lines at that moment, with the commanders "
            "then; superiors are marked in bold. Each link is a finding of the chain analysis."
        ),
        "org.attributed": "attributed unit",
        "org.superior": "superior",
        "org.none": "No unit is attributed this incident, so no chain can be drawn.",
        "org.no_commander": "no commander on record",
        "chain.findings": "Findings of the chain of command",
        "notice.lead": (
            "For each superior, what could have given them knowledge of the events, in order, "
            "and the date of first notice."
        ),
        "notice.person": "Superior",
        "notice.first": "First notice on record",
        "notice.first_actual": "First actual notice",
        "notice.events": "Events",
        "notice.none": "none on record",
        "elements.lead": (
            "For each superior and incident, one row per element of each legal framework, with "
            "its status (supported, contested, no evidence) and what it rests on."
        ),
        "patterns.lead": "Indicators across the case, each declared in data with its parameters.",
        "gaps.lead": (
            "Each element with no evidence, and the request a researcher can send to fill it."
        ),
        "none": "None found.",
        "request": "To fill it, ask",
        "refused": "Analyses that could not run, and why:",
        "assumptions": "Assumptions",
        "read": "Read {count} facts (SHA-256 {sha}).",
        "framework": "Framework",
        "citations.lead": (
            "Every citation a finding or an incident rests on: the fact, the item (linked to "
            "its row in the register) and the place in it."
        ),
        "register.lead": (
            "Every preserved item of the case, named by its SHA-256, with where and how it was "
            "obtained and its verification status."
        ),
        "register.no_sources": "no source recorded",
        "method.lead": (
            "Cadena preserves every original file unchanged, named by its SHA-256, and records "
            "each step in a custody log in which every entry holds the hash of the one before it "
            "and is signed (Ed25519). Facts about the security forces, incidents, orders and "
            "what superiors did are recorded with time ranges, a confidence and at least one "
            "citation or a named assumption. The findings are derived on demand from those facts "
            "by the analysis; the same facts give the same findings."
        ),
        "method.integrity_ok": (
            "Integrity at the time of writing: every blob re-hashed and the custody chain "
            "walked; no problem found ({items} items, {entries} custody entries)."
        ),
        "method.integrity_bad": (
            "Integrity at the time of writing: {count} problem(s) found in the vault:"
        ),
        "method.integrity_skipped": "The integrity of the vault was not checked for this copy.",
        "method.facts": "The analysis read {count} facts; their SHA-256 is {sha}.",
        "method.frameworks": "Frameworks used:",
        "limits.title": "Limitations",
        "limits.1": (
            "The dossier organises evidence; it does not establish guilt. Whether an element "
            "of responsibility is proven is for a court to decide."
        ),
        "limits.2": (
            "A finding is only as strong as the weakest fact it rests on; its confidence says so."
        ),
        "limits.3": (
            "Where a conclusion depends on an assumption (for instance, a post held continuously "
            "between two cited dates), the assumption is named beside it."
        ),
        "limits.4": (
            "An element with no evidence is a gap in the record, not evidence of innocence; "
            "the gaps section says what would fill it."
        ),
        "limits.5": (
            "Victims' names and contacts are never included in this dossier; victims appear "
            "under pseudonyms."
        ),
        "status.supported": "supported",
        "status.contested": "contested",
        "status.no_evidence": "no evidence",
        "verif.unverified": "unverified",
        "verif.in_review": "in review",
        "verif.verified": "verified",
        "verif.disputed": "disputed",
        "verif.rejected": "rejected",
        "conf.high": "high",
        "conf.medium": "medium",
        "conf.low": "low",
        "inc.killing": "killing",
        "inc.injury": "injury",
        "inc.arbitrary_detention": "arbitrary detention",
        "inc.ill_treatment": "ill-treatment",
        "inc.other": "other",
        "line.administrative": "administrative",
        "line.operational": "operational",
        "line.informal": "informal",
        "src.original_name": "file",
        "src.url": "address",
        "src.platform": "platform",
        "src.account": "account",
        "src.posted_at": "posted",
        "src.collected_by": "collected by",
        "src.collected_at": "collected",
        "src.method": "method",
        "fact": "fact",
        "item": "item",
        "back_to_register": "register",
    },
    "es": {
        "title": "Expediente",
        "subtitle": "Evidencia, cadena de mando y responsabilidad",
        "generated": "Generado el {at} con Cadena {version}",
        "contents": "Índice",
        "sec.summary": "Resumen",
        "sec.timeline": "Cronología",
        "sec.map": "Mapa",
        "sec.orgcharts": "Cadena de mando en el momento de cada incidente",
        "sec.notice": "Conocimiento",
        "sec.elements": "Elementos de la responsabilidad",
        "sec.patterns": "Patrones",
        "sec.gaps": "Vacíos",
        "sec.citations": "Citas",
        "sec.register": "Registro de evidencias",
        "sec.method": "Método y limitaciones",
        "summary.lead": (
            "Este expediente ordena la evidencia reunida en el caso y las conclusiones que se "
            "derivan de ella. No declara culpable a nadie: cada afirmación dice en qué se apoya, "
            "con qué grado de confianza y qué supuestos utiliza."
        ),
        "summary.incidents": "Incidentes",
        "summary.killed": "Personas muertas",
        "summary.injured": "Personas heridas",
        "summary.superiors": "Superiores identificados",
        "summary.items": "Elementos preservados",
        "summary.verified": "Elementos verificados por dos revisores",
        "summary.findings": "Conclusiones",
        "summary.gaps": "Vacíos por llenar",
        "col.incident": "Incidente",
        "col.date": "Fecha",
        "col.place": "Lugar",
        "col.kind": "Tipo",
        "col.killed": "Muertos",
        "col.injured": "Heridos",
        "col.confidence": "Confianza",
        "col.sources": "Fuentes",
        "col.item": "Elemento",
        "col.sha256": "SHA-256",
        "col.media_type": "Formato",
        "col.size": "Tamaño (bytes)",
        "col.added": "Incorporado",
        "col.status": "Estado de verificación",
        "col.element_status": "Estado",
        "col.cited_by": "Citado en",
        "col.fact": "Hecho",
        "col.locator": "Lugar en el elemento",
        "col.quote": "Cita textual",
        "col.element": "Elemento",
        "col.framework": "Marco jurídico",
        "col.finding": "Conclusión",
        "col.citations": "Citas",
        "timeline.lead": (
            "Incidentes, órdenes y planes (barras durante su vigencia; prórrogas y modificaciones "
            "unidas a la orden que prorrogan), informes, reuniones, advertencias y declaraciones "
            "que pudieron dar conocimiento, y las medidas tomadas después."
        ),
        "timeline.empty": "No consta ningún incidente, orden, comunicación o medida con fecha.",
        "lane.incident": "Incidentes",
        "lane.order": "Órdenes y planes",
        "lane.notice": "Informes, reuniones, advertencias, declaraciones",
        "lane.measure": "Medidas",
        "legend.open": "aún vigente (sin fecha de fin registrada)",
        "map.lead": (
            "Incidentes (rojo) y despliegues (azul) con la incertidumbre de su posición. "
            "Mapa base: límites de países de Natural Earth (dominio público), incluidos en "
            "Cadena; no se descarga nada."
        ),
        "map.empty": "Ningún incidente ni despliegue tiene coordenadas registradas.",
        "map.overview": "Vista general",
        "map.unplaced": "Fuera del mapa, sin coordenadas registradas: incidente(s) {numbers}.",
        "map.detail": "Lugares del caso",
        "map.km": "km",
        "map.incident": "incidente",
        "map.deployment": "despliegue",
        "org.lead": (
            "Para cada incidente, las unidades a las que se atribuye (en rojo) y todas las "
            "unidades por encima de ellas en las líneas administrativa y operacional en ese "
            "momento, con sus comandantes de entonces; los superiores aparecen en negrita. Cada "
            "vínculo es una conclusión del análisis de la cadena de mando."
        ),
        "org.attributed": "unidad señalada",
        "org.superior": "superior",
        "org.none": "Este incidente no se atribuye a ninguna unidad; no hay cadena que dibujar.",
        "org.no_commander": "sin comandante registrado",
        "chain.findings": "Conclusiones sobre la cadena de mando",
        "notice.lead": (
            "Para cada superior, lo que pudo darle conocimiento de los hechos, en orden, y la "
            "fecha del primer conocimiento."
        ),
        "notice.person": "Superior",
        "notice.first": "Primer conocimiento que consta",
        "notice.first_actual": "Primer conocimiento efectivo",
        "notice.events": "Hechos",
        "notice.none": "no consta",
        "elements.lead": (
            "Para cada superior e incidente, una fila por elemento de cada marco jurídico, con "
            "su estado (sustentado, controvertido, sin evidencia) y aquello en que se apoya."
        ),
        "patterns.lead": (
            "Indicadores a lo largo del caso, cada uno declarado en datos con sus parámetros."
        ),
        "gaps.lead": (
            "Cada elemento sin evidencia, y la solicitud que un investigador puede enviar para "
            "llenarlo."
        ),
        "none": "Ninguno.",
        "request": "Para llenarlo, solicitar",
        "refused": "Análisis que no pudieron realizarse, y por qué:",
        "assumptions": "Supuestos",
        "read": "Se leyeron {count} hechos (SHA-256 {sha}).",
        "framework": "Marco jurídico",
        "citations.lead": (
            "Todas las citas en que se apoyan las conclusiones y los incidentes: el hecho, el "
            "elemento (enlazado a su fila del registro) y el lugar dentro de él."
        ),
        "register.lead": (
            "Todos los elementos preservados del caso, nombrados por su SHA-256, con dónde y "
            "cómo se obtuvieron y su estado de verificación."
        ),
        "register.no_sources": "sin fuente registrada",
        "method.lead": (
            "Cadena conserva cada archivo original sin cambios, nombrado por su SHA-256, y anota "
            "cada paso en un registro de custodia en el que cada asiento contiene el hash del "
            "anterior y está firmado (Ed25519). Los hechos sobre las fuerzas de seguridad, los "
            "incidentes, las órdenes y lo que hicieron los superiores se registran con sus "
            "fechas, un grado de confianza y al menos una cita o un supuesto declarado. Las "
            "conclusiones se derivan de esos hechos cada vez que se piden; los mismos hechos dan "
            "las mismas conclusiones."
        ),
        "method.integrity_ok": (
            "Integridad al momento de redactarlo: se recalculó el hash de cada archivo y se "
            "recorrió la cadena de custodia; sin problemas ({items} elementos, {entries} "
            "asientos de custodia)."
        ),
        "method.integrity_bad": (
            "Integridad al momento de redactarlo: se hallaron {count} problema(s) en el archivo "
            "de evidencias:"
        ),
        "method.integrity_skipped": (
            "No se comprobó la integridad del archivo de evidencias para esta copia."
        ),
        "method.facts": "El análisis leyó {count} hechos; su SHA-256 es {sha}.",
        "method.frameworks": "Marcos jurídicos utilizados:",
        "limits.title": "Limitaciones",
        "limits.1": (
            "El expediente ordena la evidencia; no establece culpabilidad. Corresponde a un "
            "tribunal decidir si un elemento de la responsabilidad está probado."
        ),
        "limits.2": (
            "Una conclusión es tan sólida como el hecho más débil en que se apoya; su grado de "
            "confianza lo indica."
        ),
        "limits.3": (
            "Cuando una conclusión depende de un supuesto (por ejemplo, que un cargo se ocupó sin "
            "interrupción entre dos fechas citadas), el supuesto se indica a su lado."
        ),
        "limits.4": (
            "Un elemento sin evidencia es un vacío en el expediente, no una prueba de inocencia; "
            "la sección de vacíos dice qué lo llenaría."
        ),
        "limits.5": (
            "Los nombres y contactos de las víctimas nunca se incluyen en este expediente; las "
            "víctimas aparecen con seudónimos."
        ),
        "status.supported": "sustentado",
        "status.contested": "controvertido",
        "status.no_evidence": "sin evidencia",
        "verif.unverified": "sin verificar",
        "verif.in_review": "en revisión",
        "verif.verified": "verificado",
        "verif.disputed": "en disputa",
        "verif.rejected": "rechazado",
        "conf.high": "alta",
        "conf.medium": "media",
        "conf.low": "baja",
        "inc.killing": "homicidio",
        "inc.injury": "lesiones",
        "inc.arbitrary_detention": "detención arbitraria",
        "inc.ill_treatment": "malos tratos",
        "inc.other": "otro",
        "line.administrative": "administrativa",
        "line.operational": "operacional",
        "line.informal": "informal",
        "src.original_name": "archivo",
        "src.url": "dirección",
        "src.platform": "plataforma",
        "src.account": "cuenta",
        "src.posted_at": "publicado",
        "src.collected_by": "recogido por",
        "src.collected_at": "recogido",
        "src.method": "método",
        "fact": "hecho",
        "item": "elemento",
        "back_to_register": "registro",
    },
}


def check_lang(lang: str) -> str:
    from cadena.errors import CadenaError

    if lang not in LANGS:
        raise CadenaError(f"{lang!r} is not a language of the dossier: use en or es.")
    return lang


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)` in the language; a missing key is a bug, so it raises."""
    table = STRINGS[check_lang(lang)]

    def t(key: str, **values: object) -> str:
        text = table[key]
        return text.format(**values) if values else text

    return t


def word(lang: str, prefix: str, value: str | None) -> str:
    """A vocabulary word (a status, a kind) in the language, or the value as recorded."""
    if value is None:
        return ""
    return STRINGS[check_lang(lang)].get(f"{prefix}.{value}", value.replace("_", " "))


# The kinds of facts the charts label, in both languages (the facts store the English word).
KINDS: dict[str, tuple[str, str]] = {
    "plan": ("plan", "plan"),
    "order": ("order", "orden"),
    "directive": ("directive", "directiva"),
    "instruction": ("instruction", "instrucción"),
    "renewal": ("renewal", "prórroga"),
    "amendment": ("amendment", "modificación"),
    "casualty_report": ("casualty report", "parte de bajas"),
    "report": ("report", "informe"),
    "warning": ("warning", "advertencia"),
    "ceasefire_call": ("call to cease fire", "llamado al cese del fuego"),
    "request": ("request", "solicitud"),
    "meeting": ("meeting", "reunión"),
    "praise": ("praise", "elogio"),
    "justification": ("justification", "justificación"),
    "vilification": ("vilification", "estigmatización"),
    "condemnation": ("condemnation", "condena"),
    "denial": ("denial", "negación"),
    "disciplinary_opened": ("disciplinary case opened", "investigación disciplinaria abierta"),
    "disciplinary_archived": (
        "disciplinary case archived",
        "investigación disciplinaria archivada",
    ),
    "disciplinary_sanctioned": ("disciplinary sanction", "sanción disciplinaria"),
    "criminal_referral": ("referral to prosecutors", "remisión a la fiscalía"),
    "promotion": ("promotion", "ascenso"),
    "appointment": ("appointment", "nombramiento"),
    "dismissal": ("dismissal", "destitución"),
    "decoration": ("decoration", "condecoración"),
    "transfer": ("transfer", "traslado"),
    "killing": ("killing", "homicidio"),
    "injury": ("injury", "lesiones"),
    "arbitrary_detention": ("arbitrary detention", "detención arbitraria"),
    "ill_treatment": ("ill-treatment", "malos tratos"),
    "other": ("other", "otro"),
}


def kind_word(lang: str, kind: str) -> str:
    pair = KINDS.get(kind)
    if pair is None:
        return kind.replace("_", " ")
    return pair[1] if check_lang(lang) == "es" else pair[0]


# The assumptions the facts' time coverage names (cadena.facts.time.coverage) and the chain's
# issuer rule are English sentences built from a few fixed phrases; the Spanish dossier says
# them in Spanish, phrase by phrase (dates are kept). Longer phrases come first.
_COVERAGE_ES = (
    ("undated; assumed to hold on ", "sin fecha; se supone vigente el "),
    ("no known start or earlier citation", "sin inicio conocido ni cita anterior"),
    ("no known end or later citation", "sin fin conocido ni cita posterior"),
    ("held on ", "vigente el "),
    (", assumed continuous between", ", se supone continuo entre ambas fechas"),
    (" (imprecise; may be after ", " (impreciso; puede ser posterior a "),
    (" (imprecise; may be before ", " (impreciso; puede ser anterior a "),
    ("known start ", "inicio conocido "),
    ("known end ", "fin conocido "),
    ("first cited ", "citado por primera vez "),
    ("last cited ", "citado por última vez "),
    (", no known start", ", sin inicio conocido"),
    (", no known end", ", sin fin conocido"),
    ("assumed to continue", "se supone que continuó"),
    ("assumed to have held before", "se supone que ya regía antes"),
    ("assumed to hold within the imprecise date", "se supone vigente dentro de la fecha imprecisa"),
    ("cited ", "citado "),
    (" and ", " y "),
    (" to ", " a "),
)
_FIXED_ES = {
    "absence of a record taken as absence of the act (the record may be incomplete)": (
        "la falta de registro se toma como falta del acto (el registro puede estar incompleto)"
    ),
    "the order names the post, not the person; its holder then is taken as the issuer": (
        "la orden nombra el cargo, no la persona; se toma como emisor a quien lo ocupaba entonces"
    ),
}


_ADDRESSED = re.compile(r"^addressed to the (unit|post) (.+); (.+) held (.+) then$")
_VIA_ES = {"unit": "la unidad", "post": "el cargo"}


@functools.cache
def _framework_es() -> dict[str, str]:
    """Each shipped framework's assumptions, English to Spanish, as its file gives them."""
    import yaml

    from cadena.analysis import frameworks

    out: dict[str, str] = {}
    for path in sorted(Path(frameworks.__file__).with_name("frameworks").glob("*.yaml")):
        applies = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("applies_to") or {}
        for force, en in (applies.get("assumption") or {}).items():
            es = (applies.get("assumption_es") or {}).get(force)
            if es:
                out[" ".join(str(en).split())] = " ".join(str(es).split())
    return out


def assumption_text(text: str, lang: str) -> str:
    """An assumption as the analysis gave it, in the dossier's language where it is one of the
    fixed phrases (time coverage, notice routes, frameworks' own); anything else (a
    researcher's own words) as written."""
    if lang != "es":
        return text
    if text in _FIXED_ES:
        return _FIXED_ES[text]
    if text in _framework_es():
        return _framework_es()[text]
    m = _ADDRESSED.match(text)
    if m:
        via, what, who, post = m.groups()
        return f"dirigido a {_VIA_ES[via]} {what}; {who} ocupaba entonces el cargo de {post}"
    if not text.startswith(("held on ", "undated; assumed to hold on ")):
        return text
    for en, es in _COVERAGE_ES:
        text = text.replace(en, es)
    return text
