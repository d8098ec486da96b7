"""FollowTheMoney, GeoJSON and CSV exports, read back with their own readers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from followthemoney import model

from cadena.facts.citations import Cite, Support
from cadena.facts.export import export_csv, export_ftm, export_geojson
from cadena.facts.record import Identity, Recorder
from cadena.facts.time import TimeSpan
from conftest import World


def _incident(w: World) -> None:
    with w.case.session() as s:
        r = Recorder(w.case, s)
        inc = r.add_incident(
            "Plaza, 15 Dec",
            support=Support.of("high", [Cite(w.video)]),
            span=TimeSpan.of(start="2022-12-15T14:30"),
            lat=4.6,
            lon=-74.08,
            uncertainty_m=50,
            killed=2,
            place="Plaza Central",
            key="I1",
        )
        r.attribute(
            inc,
            unit="Escuadrón Móvil",
            basis="uniforms",
            support=Support.of(
                "medium", [Cite(w.video, {"kind": "time_range", "start_s": 12.4, "end_s": 14})]
            ),
        )
        r.add_victim(
            inc,
            "V-01",
            support=Support.of("high", [Cite(w.video)]),
            identity=Identity(name="María Torres", contact="+57 300 000"),
        )
        r.add_deployment(
            "Escuadrón Móvil",
            "Plaza Central",
            support=Support.of("high", [Cite(w.decree)]),
            span=TimeSpan.of(start="2022-12-14", end="2022-12-16"),
            area={
                "type": "Polygon",
                "coordinates": [[[-74.09, 4.59], [-74.07, 4.59], [-74.07, 4.61], [-74.09, 4.59]]],
            },
        )


def test_ftm_export_is_valid_and_keeps_every_link(world: World, tmp_path: Path) -> None:
    _incident(world)
    out = tmp_path / "facts.ftm.json"
    n = export_ftm(world.case, out)
    proxies = [
        model.get_proxy(json.loads(line), cleaned=False) for line in out.read_text().splitlines()
    ]
    assert len(proxies) == n
    by_schema: dict[str, list] = {}
    for p in proxies:
        by_schema.setdefault(p.schema.name, []).append(p)
    names = {p.id: p.first("name") for p in proxies if "name" in p.schema.properties}
    memberships = {
        (
            names[p.first("member")],
            names[p.first("organization")],
            p.first("role"),
            p.first("startDate"),
            p.first("endDate"),
        )
        for p in by_schema["Membership"]
    }
    assert (
        "Escuadrón Móvil",
        "Comando Conjunto Norte",
        "operational control",
        "2022-12-01",
        "2023-01-31",
    ) in memberships
    assert len(memberships) == 6  # the six unit links of conftest.py
    occupancy = {
        (names[p.first("holder")], p.first("startDate"), p.first("endDate"))
        for p in by_schema["Occupancy"]
    }
    assert ("Ana Pérez", "2021-03-01", "2022-12-14") in occupancy and len(occupancy) == 9
    gomez = next(p for p in by_schema["Occupancy"] if names[p.first("holder")] == "Martín Gómez")
    assert sorted(gomez.get("date")) == ["2022-11-02", "2023-01-20"]  # cited, not known bounds
    assert len(gomez.get("proof")) == 2 and all(
        x.startswith("cadena-item-") for x in gomez.get("proof")
    )
    [event] = [p for p in by_schema["Event"] if "killing" in p.get("keywords")]
    assert event.first("startDate") == "2022-12-15T14:30"
    assert names[event.first("involved")] == "Escuadrón Móvil"
    assert "María Torres" not in out.read_text()


def test_geojson_has_incidents_and_deployments(world: World, tmp_path: Path) -> None:
    _incident(world)
    out = tmp_path / "map.geojson"
    assert export_geojson(world.case, out) == 2
    data = json.loads(out.read_text())
    layers = {f["properties"]["layer"]: f for f in data["features"]}
    assert layers["incident"]["geometry"] == {"type": "Point", "coordinates": [-74.08, 4.6]}
    assert layers["incident"]["properties"]["killed"] == 2
    assert layers["incident"]["properties"]["citations"][0]["item"] == world.video
    assert layers["deployment"]["geometry"]["type"] == "Polygon"
    assert "María" not in out.read_text()


def test_csv_export_leaves_identities_out_unless_asked(world: World, tmp_path: Path) -> None:
    _incident(world)
    plain = export_csv(world.case, tmp_path / "plain")
    assert [p.name for p in plain] == ["facts.csv", "citations.csv"]
    rows = list(csv.DictReader(plain[0].open(encoding="utf-8")))
    assert any(r["statement"] == "Plaza, 15 Dec attributed to Escuadrón Móvil" for r in rows)
    assert all("María" not in r["statement"] for r in rows)
    full = export_csv(world.case, tmp_path / "full", include_sensitive=True)
    assert "María Torres" in full[2].read_text()
