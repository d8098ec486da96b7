"""`cadena demo`, the README's first command, builds and verifies the training case."""

from __future__ import annotations

import json
from pathlib import Path


def test_demo_builds_a_verified_training_case(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "demo"
    done = cli("demo", "--out", str(out), "--json", "--no-pdf", env={"CADENA_DATABASE_URL": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["verify"]["clean"] is True
    assert result["ingest"]["added"] >= 4 and result["ingest"]["new_source"] == 1
    assert result["chat"]["members"] >= 3
    assert result["shots"]["count"] == result["shots"]["true_shots"] > 0  # the gunfire, counted
    assert result["where_when"]["geolocation"]["agreement"]["agrees"] is True
    assert result["where_when"]["windows"]
    assert result["review"]["status"] == "verified" and result["review"]["redacted_still"]
    assert result["review"]["faces_found"] >= 1  # the bystander's face, found and blurred
    assert len(result["copies"][0]["items"]) == 4  # the witness's video and its 3 re-uploads
    assert sum(result["facts"]["counts"].values()) > 20
    assert result["documents"]["hits"] >= 1
    assert result["documents"]["passage"]["kind"] == "passage"
    assert result["analysis"]["incidents"] == 3 and result["analysis"]["superiors"] >= 3
    assert {w["lang"] for w in result["dossier"]} == {"en", "es"}
    assert all(Path(w["html"]).is_file() for w in result["dossier"])
    assert result["package"]["intact"] is True
    assert cli("check-package", result["package"]["path"]).returncode == 0
    again = cli("demo", "--out", str(out), "--json", "--no-pdf", env={"CADENA_DATABASE_URL": ""})
    assert again.returncode == 0  # a previous demo folder is replaced
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("not a demo")
    refused = cli("demo", "--out", str(tmp_path / "mine"))
    assert refused.returncode == 2 and "not a previous demo" in refused.stderr
