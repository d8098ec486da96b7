"""The intake commands, run as the real `cadena` in a child process (few runs: each takes ~1 s)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from cadena.intake.demo_chat import write_whatsapp_export
from cadena.intake.files import SourceFields, add_file
from cadena.vault.case import Case
from cadena.vault.models import Source


def test_import_chat_expand_and_timestamp_commands(tmp_path: Path, cli: Any) -> None:
    case_dir = tmp_path / "case"
    Case.init(case_dir).close()
    export = write_whatsapp_export(tmp_path / "WhatsApp Chat - Brigada de Salud.zip")
    done = cli(
        "import-chat", str(export), "--tz", "America/Lima", "--case", str(case_dir), "--json"
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["expansions"][0]
    assert result["chat"]["platform"] == "WhatsApp" and result["chat"]["messages"] == 10
    media = [m for m in result["members"] if m["path"].endswith((".jpg", ".mp4"))]
    assert len(media) == 2 and all(m["status"] == "added" for m in media)

    case = Case.open(case_dir)
    with case.session(write=False) as s:
        video = s.query(Source).filter(Source.original_name == "VID-20221215-WA0008.mp4").one()
    assert (video.platform, video.account, video.posted_at) == (
        "WhatsApp",
        "Miguel T.",
        "2022-12-15T21:43:00Z",
    )
    assert video.extra["chat"]["message"].endswith("Grabado desde el balcón del segundo piso")

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", bytes(100 << 20))
    sha = add_file(case, bomb, SourceFields()).sha256
    case.close()
    assert sha
    refused = cli("expand", sha[:12], "--case", str(case_dir))
    assert (
        refused.returncode == 1 and "refused" in refused.stdout and "--max-ratio" in refused.stdout
    )

    checked = cli("timestamp", "--check", "--case", str(case_dir), "--json", check=True)
    assert json.loads(checked.stdout) == {"timestamps": [], "findings": []}


def test_capture_and_timestamp_report_problems_without_traceback(tmp_path: Path, cli: Any) -> None:
    case_dir = tmp_path / "case"
    Case.init(case_dir).close()
    down = cli("capture", "http://127.0.0.1:1/gone", "--case", str(case_dir), "--json")
    assert down.returncode == 1
    assert json.loads(down.stdout)["captures"][0]["status"] == "failed"
    no_tsa = cli("timestamp", "--case", str(case_dir), env={"CADENA_TSA_URL": ""})
    assert no_tsa.returncode == 2 and "no timestamp authority configured" in no_tsa.stderr
    assert "Traceback" not in down.stderr + no_tsa.stderr
