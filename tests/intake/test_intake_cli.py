"""The intake commands: once as the real `cadena` in a child process, then in-process through
Typer's runner (the same command code, without a child's start-up cost)."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.demo_chat import write_whatsapp_export
from cadena.intake.files import SourceFields, add_file
from cadena.vault.case import Case
from cadena.vault.models import Source


def test_import_chat_in_a_child_process(tmp_path: Path, cli: Any) -> None:
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
    case.close()
    assert (video.platform, video.account, video.posted_at) == (
        "WhatsApp",
        "Miguel T.",
        "2022-12-15T21:43:00Z",
    )
    assert video.extra["chat"]["message"].endswith("Grabado desde el balcón del segundo piso")


def test_expand_capture_timestamp_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    case_dir = tmp_path / "case"
    case = Case.init(case_dir)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", bytes(100 << 20))
    sha = add_file(case, bomb, SourceFields()).sha256
    case.close()
    assert sha
    refused = runner.invoke(app, ["expand", sha[:12], "--case", str(case_dir)])
    assert (
        refused.exit_code == 1 and "refused" in refused.output and "--max-ratio" in refused.output
    )
    raised = runner.invoke(
        app, ["expand", sha[:12], "--max-ratio", "5000", "--case", str(case_dir), "--json"]
    )
    assert raised.exit_code == 0, raised.output
    assert json.loads(raised.output)["expansions"][0]["members"][0]["status"] == "added"

    down = runner.invoke(
        app, ["capture", "http://127.0.0.1:1/gone", "--case", str(case_dir), "--json"]
    )
    assert down.exit_code == 1
    assert json.loads(down.output)["captures"][0]["status"] == "failed"
    not_url = runner.invoke(app, ["capture", "ftp://example.invalid/x", "--case", str(case_dir)])
    assert not_url.exit_code == 2 and "not an http(s) URL" in not_url.output

    no_tsa = runner.invoke(app, ["timestamp", "--case", str(case_dir)], env={"CADENA_TSA_URL": ""})
    assert no_tsa.exit_code == 2 and "no timestamp authority configured" in no_tsa.output
    checked = runner.invoke(app, ["timestamp", "--check", "--case", str(case_dir), "--json"])
    assert checked.exit_code == 0 and json.loads(checked.output) == {
        "timestamps": [],
        "findings": [],
    }


def test_hostile_member_names_printed_not_interpreted(tmp_path: Path) -> None:
    """Rich markup in a member's name (`[/red]` would raise, `[bold]` would vanish) is shown."""
    case_dir = tmp_path / "case"
    case = Case.init(case_dir)
    archive = tmp_path / "odd.tar"
    with tarfile.open(archive, "w") as t:
        link = tarfile.TarInfo("[/red][bold]x")
        link.type, link.linkname = tarfile.SYMTYPE, "[/]"
        t.addfile(link)
        info = tarfile.TarInfo("ok.txt")
        info.size = 2
        t.addfile(info, io.BytesIO(b"ok"))
    sha = add_file(case, archive, SourceFields()).sha256
    case.close()
    assert sha
    shown = CliRunner().invoke(app, ["expand", sha[:12], "--case", str(case_dir)])
    assert shown.exit_code == 1, shown.output
    assert "[/red][bold]x" in shown.output and "Traceback" not in shown.output
