"""`cadena report`: the dossier of the case, as self-contained HTML (and a PDF on request)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cadena.cli.common import CaseOption, JsonOption, case_from, emit_json, err, out, user_errors
from cadena.errors import CadenaError
from cadena.publish.dossier.build import build
from cadena.publish.dossier.i18n import LANGS
from cadena.publish.dossier.render import write_dossier


@contextmanager
def _status(show: bool) -> Iterator[Callable[[str], None]]:
    """A spinner with what is being done, on a terminal only (quiet in --json)."""
    if not show:
        yield lambda _text: None
        return
    with err.status("") as live:
        yield lambda text: live.update(text)


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@user_errors
def report(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default: <case>/reports)."),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF of the dossier.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the dossier: en or es.")] = "en",
    case_path: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the dossier: summary, timeline, map, org charts, findings, evidence register."""
    if lang not in LANGS:
        raise CadenaError(f"--lang {lang!r}: the dossier is written in en or es.")
    case = case_from(case_path)
    folder = out_dir or case.config.root / "reports"
    with _status(not json_ and err.is_terminal) as status:
        status("Checking the vault's integrity and running the analysis…")
        dossier = build(case)
        status("Writing the dossier" + (" and its PDF…" if pdf else "…"))
        written = write_dossier(case, folder, lang=lang, pdf=pdf, dossier=dossier)
    if json_:
        emit_json(
            written.as_dict()
            | {
                "integrity_clean": dossier.integrity.get("clean"),
                "refused_analyses": dossier.refused,
            }
        )
        return
    out.print(f"dossier: {written.html}", highlight=False)
    if written.pdf:
        out.print(f"pdf:     {written.pdf}", highlight=False)
    c = written.counts
    out.print(
        f"{c['incidents']} incident(s), {c['findings']} finding(s), {c['citations']} "
        f"citation(s), {c['items']} item(s) in the register",
        highlight=False,
    )
    if dossier.refused:
        out.print(f"[yellow]refused:[/] {'; '.join(dossier.refused)}", highlight=False)
    if not dossier.integrity.get("clean", True):
        out.print("[red]the vault's integrity check found problems: see the method section[/]")
