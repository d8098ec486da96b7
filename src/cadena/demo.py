"""`cadena demo`: a fictional training case that exercises what Cadena can do.

Every step is a small function `step(ctx)` that adds one capability to the case, in the
investigation's own order; later phases append theirs to STEPS. The case is fictional: the
country, the people and the events are invented.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadena.errors import CadenaError
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.media.audio.generator import gunfire_soundtrack
from cadena.vault.case import Case
from cadena.vault.verify import verify

CASE_NAME = "Cadena training case (fictional)"
# Plaza de la Libertad in Puerto Alba, capital of the fictional Valdoria (the coordinates are
# real, the events invented; the same place as the force structure in cadena.facts.demo_force).
PLAZA = (4.6097, -74.0817)
TZ = dt.timezone(dt.timedelta(hours=-5))


@dataclass
class Demo:
    out: Path
    say: Callable[[str], None]
    case: Case | None = None
    pdf: bool = True
    incoming: Path = field(init=False)
    results: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.incoming = self.out / "incoming"


def prepare(out: Path) -> None:
    """Make `out` empty; only a previous demo's folder is ever removed."""
    if out.exists() and any(out.iterdir()):
        marker = out / "case" / "cadena.toml"
        if not (marker.is_file() and CASE_NAME in marker.read_text(encoding="utf-8")):
            raise CadenaError(
                f"{out} exists and is not a previous demo; choose another --out folder."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def make_media(d: Demo) -> None:
    """Footage and documents as witnesses and platforms would send them."""
    inc = d.incoming
    (inc / "witness-ana").mkdir(parents=True)
    (inc / "platform").mkdir()
    when = dt.datetime(2022, 12, 15, 16, 42, tzinfo=TZ)
    gunfire = gunfire_soundtrack(seed=3, duration_s=8.0)  # labelled: what a count should find
    synth.video(
        inc / "witness-ana" / "VID_20240110_164210.mp4",
        seconds=8,
        gps=PLAZA,
        make="Samsung",
        model="SM-A515F",
        creation_time=when,
        seed=1,
        audio=gunfire.audio,
    )
    d.results["gunfire_true_shots"] = len(gunfire.of_kind("shot"))
    still = synth.image(
        inc / "witness-ana" / "IMG_20240110_164501.jpg",
        width=960,
        height=640,
        exif_gps=PLAZA,
        make="Samsung",
        model="SM-A515F",
        taken_at=when + dt.timedelta(minutes=3),
        seed=2,
    )
    _with_bystander(still)
    shutil.copyfile(
        inc / "witness-ana" / "VID_20240110_164210.mp4", inc / "platform" / "video_shared.mp4"
    )
    synth.pdf(
        inc / "platform" / "plan-operaciones-014.pdf",
        [
            "PLAN DE OPERACIONES N.o 014-2022\nMision: restablecer el orden publico en la capital.",
            "Se autoriza el empleo de armas de fuego contra grupos hostiles.",
        ],
        title="Plan de operaciones 014-2022",
        author="Comando de Operaciones Especiales",
    )
    synth.truncated(
        inc / "witness-ana" / "VID_20240110_164210.mp4", inc / "platform" / "broken_upload.mp4"
    )
    d.say(f"Generated evidence in {inc}")


def _with_bystander(still: Path) -> None:
    """Put a real face in the witness's still: the portrait of Grace Hopper that Matplotlib
    ships (a U.S. Navy photograph, public domain), standing in for a bystander to protect."""
    import matplotlib.cbook
    from PIL import Image

    portrait = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    with Image.open(still) as im:
        exif = im.info.get("exif", b"")
        scene = im.convert("RGB")
    scene.paste(portrait.convert("RGB").resize((256, 300)), (600, 200))
    scene.save(still, "JPEG", quality=90, exif=exif)


def ingest(d: Demo) -> None:
    assert d.case is not None
    ana = add_paths(
        d.case,
        [d.incoming / "witness-ana"],
        SourceFields(
            platform="WhatsApp",
            account="witness Ana (pseudonym)",
            collected_by="Investigator R.",
            method="sent by the witness over WhatsApp",
            consent="recorded verbal consent, 2024-01-11",
        ),
    )
    web = add_paths(
        d.case,
        [d.incoming / "platform"],
        SourceFields(
            platform="X",
            account="@noticias_capital",
            posted_at="2024-01-10T17:05:00-05:00",
            collected_by="Investigator R.",
            method="downloaded from the public post",
        ),
    )
    summary = ana.as_dict(), web.as_dict()
    d.results["video"] = next(o.sha256 for o in ana.outcomes if o.path.endswith(".mp4"))
    d.results["still"] = next(o.sha256 for o in ana.outcomes if o.path.endswith(".jpg"))
    d.results["ingest"] = {
        k: summary[0][k] + summary[1][k] for k in ("added", "new_source", "refused")
    }
    d.say(
        f"Preserved {d.results['ingest']['added']} items; "
        f"{d.results['ingest']['new_source']} file(s) arrived twice and became a second source"
    )


def shots(d: Demo) -> None:
    """The gunfire in the witness's video counted: shots, bursts, rate, and a spectrogram."""
    from cadena.media.audio.item import shots_of_item
    from cadena.media.audio.shots import ShotParams

    assert d.case is not None
    found = shots_of_item(d.case, d.results["video"], ShotParams(weapon_class="rifle"))
    d.results["shots"] = {
        "count": found["count"],
        "bursts": found["bursts"],
        "true_shots": d.results["gunfire_true_shots"],
        "picture": found["derivative"],
    }
    modes = ", ".join(
        f"{b['shots']} {b['mode']} at {b['rate_rpm']:.0f}/min"
        if b.get("rate_rpm")
        else f"{b['shots']} {b['mode']}"
        for b in found["bursts"]
    )
    d.say(
        f"Heard {found['count']} shots in the witness's video ({modes}); the generator "
        f"fired {d.results['gunfire_true_shots']}; spectrogram kept ({found['derivative'][:12]})"
    )


def same_footage(d: Demo) -> None:
    """Re-uploads of the witness's video found as copies; the earliest upload proposed."""
    from cadena.media.fingerprint.demo_copies import same_footage as find_copies

    find_copies(d)


REVIEWS = (
    ("Reviewer Marta (training)", "place: the GPS tag and the fountain match Plaza de la Libertad"),
    ("Reviewer Tomás (training)", "time: capture time 16:42 agrees with the witness and the light"),
)


def review_and_redact(d: Demo) -> None:
    """Two independent reviewers verify the witness's video; a still is published redacted."""
    from cadena.verify import redact, reviews

    assert d.case is not None
    video = d.results["video"]
    for reviewer, finding in REVIEWS:
        with _acting_as(reviewer), d.case.session() as s:
            reviews.record(
                d.case,
                s,
                video,
                "verified",
                checked=["source", "place", "time"],
                findings=[reviews.parse_finding(finding)],
                reviewer=reviewer,
            )
    status = reviews.report(d.case, video)["status"]
    # The detector finds the bystander's face; a box drawn by hand covers a turned head at the
    # left edge that it would miss.
    red = redact.redact(d.case, d.results["still"], boxes=[redact.Box(20, 60, 120, 160)])
    faces = [b for b in red.boxes if b.get("source") == "detector"]
    if not faces:
        raise CadenaError("the face detector found no face in the demo's still")
    d.results["review"] = {
        "status": status,
        "redacted_still": red.derivative,
        "faces_found": len(faces),
    }
    d.say(
        f"Two reviewers checked the witness's video independently: {status}; a still published "
        f"with {len(faces)} face(s) found and blurred and 1 box drawn by hand "
        f"({red.derivative[:12]})"
    )


@contextmanager
def _acting_as(who: str) -> Iterator[None]:
    """Each reviewer signs in as themselves (the custody log records the actor)."""
    before = os.environ.get("CADENA_ACTOR")
    os.environ["CADENA_ACTOR"] = who
    try:
        yield
    finally:
        if before is None:
            del os.environ["CADENA_ACTOR"]
        else:
            os.environ["CADENA_ACTOR"] = before


def chat_export(d: Demo) -> None:
    """A witness group's WhatsApp export: every photo and video keeps its sender and time."""
    from cadena.intake import demo_chat

    assert d.case is not None
    result = demo_chat.arrive(d.case, d.incoming, d.say)
    d.results["chat"] = {"members": len(result.members), "chat": result.chat}


def force_structure(d: Demo) -> None:
    """Valdoria's police and army over time, loaded from the researchers' sheet format."""
    from cadena.facts.demo import load_demo_force

    assert d.case is not None
    report = load_demo_force(d.case)
    d.results["facts"] = report.as_dict()
    d.say(f"Loaded the force structure from its sheet: {_fact_count(d.case)} cited facts")


def _fact_count(case: Case) -> int:
    from sqlalchemy import func, select

    from cadena.facts.models import Fact

    with case.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Fact)).scalar_one())


def documents(d: Demo) -> None:
    """The plans read (text layer or OCR) and searched; the passage that calls protesters
    "terroristas" quoted with its page and cited by the renewed plan's fact."""
    from cadena.documents.batch import read_items
    from cadena.documents.quote import quote
    from cadena.documents.search import search

    assert d.case is not None
    read = read_items(d.case, images=False)
    hits = [h for h in search(d.case, "terroristas").hits if h.origin != "metadata"]
    if not hits:
        raise CadenaError("the demo's renewed plan should mention 'terroristas'")
    passage = quote(d.case, hits[0].item, hits[0].page, text=TERRORISTAS)
    fact = _cite_in_order(d.case, "O2", passage.locator(), passage.text)
    d.results["documents"] = {
        "read": len(read),
        "hits": len(hits),
        "passage": passage.locator(),
        "cited_by_fact": fact,
    }
    d.say(
        f"Read {len(read)} documents; 'terroristas' found on page {hits[0].page} of "
        f"{hits[0].name}; the passage quoted and cited by the renewed plan (fact #{fact})"
    )


TERRORISTAS = "frente a los terroristas que bloquean las vías"


def _cite_in_order(case: Case, key: str, locator: dict[str, Any], text: str) -> int:
    """Add the quoted passage as one more citation of an order, logged in custody."""
    from sqlalchemy import select

    from cadena.facts.models import Citation, Order

    with case.session() as s:
        order = s.execute(select(Order).where(Order.key == key)).scalar_one()
        s.add(Citation(fact_id=order.id, item_sha256=locator["item"], locator=locator, quote=text))
        case.log(s, "fact", locator["item"], {"fact": order.id, "added_citation": locator})
        return order.id


def analysis(d: Demo) -> None:
    """Three incidents, notice and aftermath added; every analysis run on the training case."""
    from cadena.analysis.demo import run_all

    assert d.case is not None
    result = run_all(d.case)
    d.results["analysis"] = result["summary"]
    fired = sum(1 for n in result["summary"]["patterns"].values() if n)
    d.say(
        f"Chain of command built for {result['summary']['incidents']} incidents; "
        f"{result['summary']['superiors']} superiors with notice timelines and "
        f"{result['summary']['element_rows']} element rows; {fired} pattern(s) fired; "
        f"{len(result['gaps'].get('findings', []))} gap(s) turned into requests"
    )


def dossier(d: Demo) -> None:
    """The dossier in English and Spanish (HTML, and a PDF in English)."""
    from cadena.publish.dossier import write_dossier
    from cadena.publish.dossier.build import build

    assert d.case is not None
    built = build(d.case)
    written = [
        write_dossier(d.case, d.out / "dossier", lang="en", pdf=d.pdf, dossier=built),
        write_dossier(d.case, d.out / "dossier", lang="es", dossier=built),
    ]
    d.results["dossier"] = [w.as_dict() for w in written]
    d.say(
        f"Dossier written: {', '.join(str(w.html) for w in written)}"
        + (f" and {written[0].pdf}" if written[0].pdf else "")
    )


def court_package(d: Demo) -> None:
    """The court package (BagIt) with the dossier, checked as a court's expert would."""
    from cadena.publish.package import check_package, export_bag

    assert d.case is not None
    bag = d.out / "court-package"
    packed = export_bag(d.case, bag, dossier=d.out / "dossier")
    findings = check_package(bag)
    if findings:
        raise CadenaError(f"the demo's court package failed its check: {findings[:3]}")
    d.results["package"] = {
        "path": str(bag),
        "items": packed.items,
        "files": packed.files,
        "citations": packed.citations,
        "intact": True,
    }
    d.say(
        f"Court package {bag}: {packed.files} files, {packed.citations} citations, "
        "every one resolving; `cadena check-package` finds it intact"
    )


def where_and_when(d: Demo) -> None:
    """The witness's video placed at the plaza (landmarks, the still as reference) and checked
    against its incident; its time bracketed from a lamp post's shadow (bearing and length)."""
    import math

    from cadena.verify import geolocation
    from cadena.verify.chrono import ShadowMeasurement, chronolocate, parse_date
    from cadena.verify.geo import Place
    from cadena.verify.sun import sun_at

    assert d.case is not None
    geo = geolocation.record(
        d.case,
        d.results["video"],
        Place.point(PLAZA[0], PLAZA[1], 40),
        ["landmarks", "signs"],
        "the fountain, the cathedral's west tower and the pharmacy sign on the north side",
        [d.results["still"]],
        incident="DEMO-I1",
    )
    # The shadow the investigator measures in the frame (here: what the sun cast at 16:42).
    sun = sun_at(PLAZA[0], PLAZA[1], "2024-01-10T16:42:00-05:00")
    shadow = ShadowMeasurement(
        bearing=(sun["azimuth"] + 180) % 360,
        bearing_error=2.0,
        ratio=1 / math.tan(math.radians(sun["elevation"])),
    )
    found = chronolocate(PLAZA[0], PLAZA[1], parse_date("2024-01-10"), measurement=shadow)
    windows = [(w.start_local[11:16], w.end_local[11:16]) for w in found.windows]
    d.results["where_when"] = {"geolocation": geo.as_dict(), "windows": windows}
    agrees = geo.agreement and geo.agreement.get("agrees")
    d.say(
        f"Placed at Plaza de la Libertad ±40 m ({'agrees' if agrees else 'disagrees'} with "
        f"incident DEMO-I1); the lamp post's shadow puts it between "
        + " or ".join(f"{a} and {b}" for a, b in windows)
        + " local time"
    )


def check(d: Demo) -> None:
    assert d.case is not None
    report = verify(d.case)
    d.results["verify"] = report.as_dict()
    if not report.clean:
        raise CadenaError(f"the demo case failed verification: {report.findings}")
    d.say(
        f"Verified: {report.counts['blobs_rehashed']} files re-hashed, "
        f"{report.counts['custody_entries']} custody entries chained and signed: intact"
    )


STEPS: list[Callable[[Demo], None]] = [
    make_media,
    ingest,
    shots,
    same_footage,
    review_and_redact,
    chat_export,
    force_structure,
    documents,
    analysis,
    where_and_when,
    check,
    dossier,
    court_package,
]


def run(out: Path, say: Callable[[str], None], pdf: bool = True) -> Demo:
    prepare(out)
    d = Demo(out=out, say=say, pdf=pdf)
    d.case = Case.init(out / "case", name=CASE_NAME)
    say(f"Started the case in {out / 'case'}")
    for step in STEPS:
        step(d)
    return d
