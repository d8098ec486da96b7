"""The `cadena` command: one verb per job (see DESIGN.md, "The command line").

Each phase's commands live in their own module under `cadena.cli`, each with a
`register(app)` function; this file only assembles them.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="cadena",
    help="Preserve audiovisual evidence and show who called the shots.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Cadena: evidence vault and command-responsibility workbench."""


# One line per phase module; each defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES = [
    "cadena.cli.vault",
    "cadena.cli.chrono",
    "cadena.cli.documents",
    "cadena.cli.intake",
    "cadena.cli.facts",
    "cadena.cli.verifying",
    "cadena.cli.publish",
    "cadena.cli.footage",
    "cadena.cli.sound",
    "cadena.cli.report",
    "cadena.cli.analysis",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)
