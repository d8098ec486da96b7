"""Commands of publishing: the court package and its offline check."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cadena.cli.common import JsonOption, emit_json, out, user_errors
from cadena.publish.package import check_package as check


def register(app: typer.Typer) -> None:
    app.command("check-package")(check_package)


@user_errors
def check_package(
    path: Annotated[Path, typer.Argument(help="The package folder (a BagIt bag).")],
    json_: JsonOption = False,
) -> None:
    """Check a court package offline: manifests, custody chain and signatures, citations."""
    findings = check(path)
    if json_:
        emit_json({"intact": not findings, "findings": [asdict(f) for f in findings]})
    else:
        for f in findings:
            out.print(f"[red]{f.kind}[/] at {escape(f.place)}: {escape(f.detail)}", highlight=False)
        out.print("[green]intact[/]" if not findings else f"[red]{len(findings)} finding(s)[/]")
    raise typer.Exit(1 if findings else 0)
