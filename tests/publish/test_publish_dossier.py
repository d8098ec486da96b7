"""The dossier (`cadena report`): built from two cases and checked in the HTML, in a headless
Chromium (screenshots and the rendered DOM) and in the PDF turned into PNG pages.

The small case, built by hand here (answers worked out from this page):

    Presidencia <- Ministerio del Interior <- Policía Nacional <- Escuadrón Móvil (administrative)
    commanders: Escuadrón Móvil: Ana Pérez (2023-01-01 on); Policía: Luis Ortega (2020 on);
                Ministerio: Elena Sánchez (2022-08-07 on); Presidencia: Tomás Medina (2022 on)
    incident "Disparos en la plaza", 2024-01-10, 2 killed, attributed to Escuadrón Móvil
    Escuadrón Móvil deployed at the plaza 2024-01-09..2024-01-12, under plan "Plan Plaza"
    (2024-01-01..2024-01-31, firearms authorised), renewed by "Prórroga Plan Plaza" (2024-02-01 on)
    a casualty report from Escuadrón Móvil to Luis Ortega (2024-01-10); Ana Pérez promoted
    on 2024-03-01;
    a video (the footage) and a decree, each from its own source.

The demo-force case: the Valdoria force of `cadena.facts.demo` (Escuadrón UMO 2 changes
commander on 2024-02-01; plan Centro 01/2024 renewed), with three incidents added here:

    A  2024-01-10  Plaza de la Libertad   2 killed   attributed to Escuadrón UMO 2
    B  2024-02-15  Puente Sur             1 killed   attributed to BIM-21
    C  2024-02-20  (no coordinates)       detention  attributed to no unit
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cadena.analysis.chain import analyze_chain
from cadena.errors import CadenaError
from cadena.facts.citations import Cite, Support
from cadena.facts.demo import load_demo_force
from cadena.facts.record import Identity, PartyRef, Recorder
from cadena.facts.time import PartialDate, TimeSpan, coverage
from cadena.intake.files import SourceFields, add_paths
from cadena.publish.dossier.build import build
from cadena.publish.dossier.i18n import KINDS, STRINGS, assumption_text
from cadena.publish.dossier.model import Dossier
from cadena.publish.dossier.render import render_html, write_dossier
from cadena.vault.case import Case


@dataclass
class Built:
    case: Case
    root: Path
    video: str
    photo: str
    dossier: Dossier
    html: dict[str, str]  # lang -> the HTML text


def _add(case: Case, path: Path, data: bytes, **source: str) -> str:
    path.write_bytes(data)
    summary = add_paths(case, [path], SourceFields(collected_by="investigator", **source))
    sha = summary.outcomes[0].sha256
    assert sha is not None
    return sha


def demo_case(root: Path) -> tuple[Case, str, str]:
    case = Case.init(root / "case")
    load_demo_force(case)
    video = _add(
        case,
        root / "VID_20240110.mp4",
        b"\x00\x00\x00\x18ftypmp42 plaza footage",
        platform="WhatsApp",
        account="+57 300 000 0000",
    )
    photo = _add(
        case,
        root / "IMG_0215.jpg",
        b"\xff\xd8\xff\xe0 puente sur photo",
        url="https://example.org/post/1",
        platform="X",
    )

    def at(sha: str, loc: dict[str, object], conf: str = "high") -> Support:
        return Support.of(conf, [Cite(sha, loc)])

    with case.session() as s:
        r = Recorder(case, s)
        a = r.add_incident(
            "Disparos en la Plaza de la Libertad",
            support=at(video, {"kind": "time_range", "start_s": 12.4, "end_s": 14.0}),
            span=TimeSpan.of(start="2024-01-10"),
            place="Plaza de la Libertad, Puerto Alba",
            lat=4.6097,
            lon=-74.0817,
            uncertainty_m=50,
            killed=2,
            injured=3,
            key="I-A",
        )
        b = r.add_incident(
            "Disparos en el Puente Sur",
            support=at(photo, {"kind": "whole"}, "medium"),
            span=TimeSpan.of(start="2024-02-15"),
            place="Puente Sur, Puerto Alba",
            lat=4.5981,
            lon=-74.0760,
            uncertainty_m=200,
            killed=1,
            key="I-B",
        )
        c = r.add_incident(
            "Detenciones en la terminal",
            kind="arbitrary_detention",
            support=at(photo, {"kind": "page", "page": 2}, "low"),
            span=TimeSpan.of(start="2024-02-20"),
            detained=12,
            key="I-C",
        )
        r.attribute(
            a,
            unit="Escuadrón UMO 2",
            support=at(video, {"kind": "time_range", "start_s": 20.0, "end_s": 31.5}),
            basis="uniforms and vehicle numbers",
        )
        r.attribute(b, unit="BIM-21", support=at(photo, {"kind": "whole"}, "medium"))
        assert c.id
        r.add_communication(
            "casualty_report",
            support=at(video, {"kind": "text", "text": "radio log"}),
            parties=[
                PartyRef("from", unit="Escuadrón UMO 2"),
                PartyRef("to", unit="Dirección Regional Centro"),
            ],
            span=TimeSpan.of(start="2024-01-10"),
            summary="Dos muertos en la plaza",
            incident=a,
        )
        r.add_measure(
            "promotion",
            support=at(photo, {"kind": "page", "page": 1}),
            parties=[PartyRef("about", unit="Escuadrón UMO 2")],
            span=TimeSpan.of(start="2024-03-01"),
            summary="Ascenso del comandante",
        )
    return case, video, photo


def small_case(root: Path) -> tuple[Case, str, str]:
    case = Case.init(root / "case")
    video = _add(
        case,
        root / "plaza.mp4",
        b"\x00\x00\x00\x18ftypmp42 plaza, 10 January",
        platform="Telegram",
        posted_at="2024-01-10T18:02:00Z",
    )
    decree = _add(
        case, root / "decreto.pdf", b"%PDF-1.4 decreto de nombramientos", method="official gazette"
    )

    def doc(page: int) -> Support:
        return Support.of("high", [Cite(decree, {"kind": "page", "page": page})])

    with case.session() as s:
        r = Recorder(case, s)
        pres = r.add_unit("Presidencia", force="civil", support=doc(1))
        mini = r.add_unit("Ministerio del Interior", force="civil", support=doc(1))
        pol = r.add_unit("Policía Nacional", support=doc(1))
        esm = r.add_unit("Escuadrón Móvil", support=doc(2))
        r.link_units(mini, pres, support=doc(1))
        r.link_units(pol, mini, support=doc(1))
        r.link_units(esm, pol, support=doc(2))
        heads = {
            "Tomás Medina": (
                r.add_post("Presidente", unit=pres, role="president", support=doc(1)),
                "2022",
            ),
            "Elena Sánchez": (
                r.add_post("Ministra", unit=mini, role="minister", support=doc(1)),
                "2022-08-07",
            ),
            "Luis Ortega": (
                r.add_post("Director", unit=pol, role="director", support=doc(1)),
                "2020",
            ),
            "Ana Pérez": (r.add_post("Comandante", unit=esm, support=doc(2)), "2023-01-01"),
        }
        for name, (post, start) in heads.items():
            person = r.add_person(name, support=doc(3))
            r.add_tenure(person, post, support=doc(3), span=TimeSpan.of(start=start))
        plan = r.add_order(
            "Plan Plaza",
            kind="plan",
            support=doc(4),
            to_units=[esm],
            issued_by_post=heads["Luis Ortega"][0],
            firearms_authorised=True,
            labels=["grupos hostiles"],
            span=TimeSpan.of(start="2024-01-01", end="2024-01-31"),
        )
        r.add_order(
            "Prórroga Plan Plaza",
            kind="renewal",
            support=doc(5),
            to_units=[esm],
            issued_by_post=heads["Luis Ortega"][0],
            firearms_authorised=True,
            renews=plan,
            span=TimeSpan.of(start="2024-02-01"),
        )
        r.add_deployment(
            esm,
            "Plaza Mayor",
            support=doc(4),
            lat=-12.0464,
            lon=-77.0428,
            uncertainty_m=120,
            plan=plan,
            span=TimeSpan.of(start="2024-01-09", end="2024-01-12"),
        )
        inc = r.add_incident(
            "Disparos en la plaza",
            support=Support.of(
                "high", [Cite(video, {"kind": "time_range", "start_s": 3.0, "end_s": 9.5})]
            ),
            span=TimeSpan.of(start="2024-01-10"),
            place="Plaza Mayor",
            lat=-12.0466,
            lon=-77.0431,
            uncertainty_m=40,
            killed=2,
            injured=1,
        )
        r.attribute(inc, unit=esm, support=Support.of("medium", [Cite(video, {"kind": "whole"})]))
        r.add_victim(
            inc,
            "Víctima 1",
            support=doc(8),
            age=19,
            identity=Identity(name="María Secreta", contact="+51 999 000 111"),
        )
        r.add_communication(
            "casualty_report",
            support=doc(6),
            incident=inc,
            parties=[PartyRef("from", unit=esm), PartyRef("to", name="Luis Ortega")],
            span=TimeSpan.of(start="2024-01-10"),
            summary="Dos fallecidos",
        )
        r.add_measure(
            "promotion",
            support=doc(7),
            parties=[PartyRef("about", name="Ana Pérez")],
            span=TimeSpan.of(start="2024-03-01"),
            summary="Ascenso",
        )
    return case, video, decree


def _built(root: Path, make: object) -> Built:
    case, video, photo = make(root)  # type: ignore[operator]
    d = build(case)
    pages = {lang: render_html(d, lang) for lang in ("en", "es")}
    return Built(case, root, video, photo, d, pages)


@pytest.fixture(scope="module")
def clean_env() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    for var in ("CADENA_DATABASE_URL", "CADENA_BLOB_URL", "CADENA_KEY_PASSPHRASE", "CADENA_CASE"):
        mp.delenv(var, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, clean_env: None) -> Iterator[Built]:
    b = _built(tmp_path_factory.mktemp("small"), small_case)
    yield b
    b.case.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, clean_env: None) -> Iterator[Built]:
    b = _built(tmp_path_factory.mktemp("demo"), demo_case)
    yield b
    b.case.close()


# -- what the dossier holds ------------------------------------------------------------------------


def test_both_languages_have_every_string() -> None:
    assert STRINGS["en"].keys() == STRINGS["es"].keys()
    for lang in ("en", "es"):
        assert all(v.strip() for v in STRINGS[lang].values()), lang
    assert all(en and es for en, es in KINDS.values())


def test_the_dossier_carries_the_chain_findings_as_the_analysis_gave_them(small: Built) -> None:
    [inc] = small.dossier.incidents
    assert inc.chain is not None
    with small.case.session(write=False) as s:
        expected = analyze_chain(s, inc.fact_id).findings
    assert [fv.finding for fv in inc.chain.findings] == list(expected)


def test_org_chart_of_the_small_case(small: Built) -> None:
    [inc] = small.dossier.incidents
    units = {u.name: u for u in inc.units}
    assert set(units) == {
        "Escuadrón Móvil",
        "Policía Nacional",
        "Ministerio del Interior",
        "Presidencia",
    }
    assert units["Escuadrón Móvil"].attributed
    assert [p for _, p in units["Escuadrón Móvil"].commanders] == ["Ana Pérez"]
    assert [p for _, p in units["Policía Nacional"].commanders] == ["Luis Ortega"]
    assert units["Policía Nacional"].superiors_marked
    assert len(inc.edges) == 3 and {e.line for e in inc.edges} == {"administrative"}


def test_org_charts_follow_the_change_of_command(demo: Built) -> None:
    by_key = {i.key: i for i in demo.dossier.incidents}
    a, b, c = by_key["I-A"], by_key["I-B"], by_key["I-C"]
    [umo2] = [u for u in a.units if u.attributed]
    assert umo2.name == "Escuadrón UMO 2"
    assert [u.name for u in b.units if u.attributed] == ["Batallón de Infantería Mecanizada 21"]
    assert c.units == [] and c.chain is not None
    # the squadron changed commander on 2024-02-01: A (10 January) shows the first one only
    assert len(umo2.commanders) == 1


def test_register_lists_every_item_with_sources_and_status(small: Built) -> None:
    rows = {r.sha256: r for r in small.dossier.register}
    assert {small.video, small.photo} <= rows.keys()
    assert rows[small.video].sources[0]["platform"] == "Telegram"
    assert rows[small.video].status == "unverified"
    assert rows[small.video].cited_by  # the incident cites the video
    page = small.html["es"]
    assert f'id="item-{small.video}"' in page and "sin verificar" in page
    assert small.dossier.integrity["clean"] is True


# -- the HTML -------------------------------------------------------------------------------------

ASSET = re.compile(
    r"""(?:\bsrc|\bhref|xlink:href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""",
    re.I,
)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_html_is_self_contained(demo: Built, lang: str) -> None:
    page = demo.html[lang]
    assert not ASSET.search(page), ASSET.search(page)
    assert "<link" not in page and "<img" not in page and "<script src" not in page
    assert "https://example.org/post/1" in page  # a source's address is shown, as text


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


def test_every_link_lands_and_every_finding_links_to_its_citations(demo: Built) -> None:
    page = demo.html["en"]
    ids = _ids(page)
    targets = re.findall(r'(?:\bhref|xlink:href)="#([^"]+)"', page)
    assert targets and not set(targets) - ids
    for fv in demo.dossier.findings():
        assert fv.anchor in ids
        for c in fv.cites:
            assert f'href="#{c.anchor}"' in page
    for c in demo.dossier.citations:  # every citation links to its item's row in the register
        m = re.search(rf'<li id="{c.anchor}"[^>]*>(.*?)</li>', page, re.S)
        assert m and f'href="#item-{c.item}"' in m.group(1)
    cited = [fv for fv in demo.dossier.findings() if fv.cites]
    assert len(cited) == len([f for f in demo.dossier.findings() if f.finding.citations])


def _findings_text(page: str, assumptions: bool = True) -> str:
    if not assumptions:
        page = re.sub(r'<ul class="assumptions".*?</ul>', " ", page, flags=re.S)
    parts = re.findall(r'<(li|tr) id="finding-\d+"[^>]*>(.*?)</\1>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(p for _, p in parts)))


def _english_words() -> set[str]:
    """Words of the dossier's own English strings that no Spanish string uses."""

    def words(texts: object) -> set[str]:
        return {w.lower() for t in texts for w in re.findall(r"[A-Za-z]{4,}", str(t))}

    spanish_too = {"actual", "general", "final", "total", "decide"}  # words of both languages
    return words(STRINGS["en"].values()) - words(STRINGS["es"].values()) - spanish_too


def test_spanish_findings_have_no_english_left(demo: Built) -> None:
    # Statements, labels, statuses, requests and the assumptions the analysis names.
    text = _findings_text(demo.html["es"], assumptions=True)
    assert len(text) > 2000
    found = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    assert not found & _english_words(), sorted(found & _english_words())
    page = html.unescape(demo.html["es"])
    for fv in demo.dossier.findings():  # each finding in Spanish, as the analysis wrote it
        assert fv.finding.statement.es in page
    assert "Conclusiones sobre la cadena de mando" in demo.html["es"]
    english = {"the", "to", "held", "then", "addressed", "assumed", "shown", "absence", "record"}
    assert not {w.lower() for w in re.findall(r"[A-Za-z]+", text)} & english


ASSUMPTION_ENGLISH = re.compile(
    r"\b(held|known|start|end|cited|assumed|undated|continue|"
    r"between|earlier|later|citation|imprecise|before|after|and)\b"
)


@pytest.mark.parametrize(
    "span",
    [
        {},
        {"start": "2020"},
        {"start": "2020", "end": "2030"},
        {"first_cited": "2023-11", "last_cited": "2024-03-02"},
        {"first_cited": "2023-11"},
        {"end": "2030"},
        {"start": "2024-01"},
        {"last_cited": "2024-01-20"},
        {"first_cited": "2024-01-12", "end": "2030"},
    ],
)
def test_coverage_assumptions_are_said_in_spanish(span: dict[str, str]) -> None:
    on = PartialDate.parse("2024-01-10")
    cov = coverage(TimeSpan.of(**span), on)
    assert cov is not None
    es = assumption_text(cov.text, "es")
    assert "2024-01-10" in es and not ASSUMPTION_ENGLISH.search(es), (cov.text, es)
    assert assumption_text(cov.text, "en") == cov.text


def test_charts_are_inline_svg(demo: Built) -> None:
    page = demo.html["en"]
    for figure in ("timeline-chart", "map-chart"):
        m = re.search(rf'<figure[^>]*id="{figure}"[^>]*>\s*<svg', page)
        assert m, figure
    assert 'id="map-basemap-detail"' in page and 'id="map-basemap-overview"' in page
    by_key = {i.key: i for i in demo.dossier.incidents}
    assert f'id="orgchart-{by_key["I-A"].fact_id}"' in page
    assert f'id="orgchart-{by_key["I-C"].fact_id}"' not in page  # no unit, no chart
    assert "no hay cadena que dibujar" in demo.html["es"]
    assert "sin coordenadas registradas: incidente(s) 3." in demo.html["es"]


def test_victims_identities_never_appear(small: Built) -> None:
    for page in small.html.values():
        assert "María Secreta" not in page and "999 000 111" not in page


def test_timeline_draws_the_plan_and_its_renewal(small: Built) -> None:
    page = small.html["en"]
    orders = re.findall(r'id="timeline-tl-order-(\d+)"', page)
    assert len(orders) == 2
    assert "renewal: Prórroga Plan Plaza (still in force" in page  # open-ended, hatched
    assert re.search(r'id="timeline-tl-incident-\d+"', page)
    assert re.search(r'id="timeline-tl-measure-\d+"', page)


def test_an_unwritable_folder_is_a_clear_error(small: Built, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CadenaError, match="Cannot write the dossier"):
        write_dossier(small.case, blocker / "out", dossier=small.dossier)


def test_an_empty_case_still_has_a_dossier(tmp_path: Path, clean_env: None) -> None:
    case = Case.init(tmp_path / "case")
    written = write_dossier(case, tmp_path / "out", lang="es")
    page = written.html.read_text(encoding="utf-8")
    assert STRINGS["es"]["timeline.empty"] in page and STRINGS["es"]["map.empty"] in page
    assert written.counts == {"incidents": 0, "findings": 0, "citations": 0, "items": 0}
    case.close()


def test_cadena_report_command(small: Built, cli) -> None:  # type: ignore[no-untyped-def]
    out = small.root / "cli"
    done = cli(
        "report", "--case", str(small.case.config.root), "--out", str(out), "--lang", "es", "--json"
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["html"] == str(out / "dossier-es.html") and data["pdf"] is None
    assert data["counts"]["incidents"] == 1 and data["integrity_clean"] is True
    assert Path(data["html"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = cli("report", "--case", str(small.case.config.root), "--lang", "fr")
    assert bad.returncode == 2 and "en or es" in bad.stderr


# -- in a browser, and on paper ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
# Measures each chart's rendered box and counts its SVG shapes, into a <pre> the DOM dump shows.
PROBE = """<script>
(function () {
  var out = {};
  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var svg = fig.querySelector("svg"), r = svg.getBoundingClientRect();
    out[fig.id] = {x: r.left, y: r.top + window.scrollY, w: r.width, h: r.height,
      ns: svg.namespaceURI, shapes: svg.querySelectorAll("path,polygon,ellipse,rect").length,
      texts: svg.querySelectorAll("text").length};
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.style.whiteSpace = "pre-wrap";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp / 'profile'}", *args, url],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _share(im: Image.Image, colour: tuple[int, int, int], tol: int = 6) -> float:
    """The share of the image's pixels within `tol` of `colour` on every channel."""
    arr = np.asarray(im.convert("RGB"), dtype=np.int16)
    return float((np.abs(arr - np.array(colour)) <= tol).all(axis=-1).mean())


def _not_blank(im: Image.Image, most_white: float = 0.97) -> None:
    white = _share(im, (255, 255, 255), 3)
    assert white < most_white, f"{white:.1%} white"
    assert len(np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)) > 30


RED, BASEMAP, ORDER, ATTRIBUTED = (192, 57, 43), (244, 241, 234), (52, 73, 94), (253, 237, 236)


@pytest.fixture(scope="module")
def browser_view(demo: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The Spanish demo dossier in headless Chromium: each chart's rendered box, and one
    screenshot reaching the first org chart."""
    tmp = tmp_path_factory.mktemp("chromium")
    page = tmp / "dossier.html"
    page.write_text(demo.html["es"].replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(tmp, page.as_uri(), "--window-size=1280,1000", "--dump-dom").stdout
    m = re.search(r'<pre id="probe"[^>]*>(.*?)</pre>', dom, re.S)
    assert m, dom[-500:]
    boxes = json.loads(html.unescape(m.group(1)))
    first_chart = min((b for k, b in boxes.items() if k.startswith("orgchart-")),
                      key=lambda b: b["y"])  # fmt: skip
    height = int(first_chart["y"] + first_chart["h"]) + 20
    shot = tmp / "dossier.png"
    chromium(tmp, page.as_uri(), f"--window-size=1280,{height}", f"--screenshot={shot}")
    return {"boxes": boxes, "shot": Image.open(shot).convert("RGB"), "dom": dom, "dir": tmp}


def _crop(view: dict[str, object], key: str) -> Image.Image:
    b = view["boxes"][key]  # type: ignore[index]
    shot: Image.Image = view["shot"]  # type: ignore[assignment]
    return shot.crop((int(b["x"]), int(b["y"]), int(b["x"] + b["w"]), int(b["y"] + b["h"])))


def test_chromium_renders_every_chart_as_svg(demo: Built, browser_view: dict[str, object]) -> None:
    boxes = browser_view["boxes"]
    by_key = {i.key: i for i in demo.dossier.incidents}
    wanted = {"timeline-chart", "map-chart", f"orgchart-{by_key['I-A'].fact_id}",
              f"orgchart-{by_key['I-B'].fact_id}"}  # fmt: skip
    assert set(boxes) == wanted  # type: ignore[arg-type]
    for key, b in boxes.items():  # type: ignore[attr-defined]
        assert b["ns"] == "http://www.w3.org/2000/svg", key
        assert b["w"] > 300 and b["h"] > 150, (key, b)
        assert b["shapes"] > 10 and b["texts"] > 5, (key, b)


def test_screenshot_shows_the_timeline(browser_view: dict[str, object]) -> None:
    im = _crop(browser_view, "timeline-chart")
    _not_blank(im)
    assert _share(im, RED) > 0.0003 and _share(im, ORDER) > 0.005


def test_screenshot_shows_the_map(browser_view: dict[str, object]) -> None:
    im = _crop(browser_view, "map-chart")
    _not_blank(im)
    assert _share(im, BASEMAP) > 0.05  # the Natural Earth land
    assert _share(im, RED) > 0.0002  # the incidents


def test_screenshot_shows_the_org_chart(demo: Built, browser_view: dict[str, object]) -> None:
    key = f"orgchart-{next(i.fact_id for i in demo.dossier.incidents if i.key == 'I-A')}"
    im = _crop(browser_view, key)
    _not_blank(im)
    assert _share(im, ATTRIBUTED, 3) > 0.005  # the attributed unit's box
    assert "Escuadrón UMO 2" in browser_view["dom"]  # type: ignore[operator]


def test_pdf_pages(small: Built) -> None:
    written = write_dossier(small.case, small.root / "pdf", lang="en", pdf=True,
                            dossier=small.dossier)  # fmt: skip
    assert written.pdf is not None and written.pdf.read_bytes().startswith(b"%PDF")
    png = small.root / "pdf" / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(written.pdf), str(png)], check=True,
                   timeout=120)  # fmt: skip
    pages = sorted(png.parent.glob("page-*.png"))
    assert len(pages) >= 5
    shares = []
    for p in pages:
        im = Image.open(p)
        _not_blank(im, most_white=0.999)  # every page has something on it
        shares.append({c: _share(im, c) for c in (BASEMAP, ORDER, ATTRIBUTED)})
    assert max(s[BASEMAP] for s in shares) > 0.02  # the map
    assert max(s[ORDER] for s in shares) > 0.001  # the timeline's plan bars
    assert max(s[ATTRIBUTED] for s in shares) > 0.001  # the org chart's attributed unit


def test_ids_are_unique(demo: Built) -> None:
    ids = re.findall(r'\bid="([^"]+)"', demo.html["en"])
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
