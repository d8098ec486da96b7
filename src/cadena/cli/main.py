"""The `cadena` command: one verb per job (see DESIGN.md, "The command line").

Each phase's commands live in their own module under `cadena.cli`, each with a
`register(app)` function; this file only assembles them.
"""

from __future__ import annotations

import importlib
import sys

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


# Each phase module, with the commands it defines through `register(app: typer.Typer)`.
# A command line names one command, so only its module is imported: `cadena verify` does not
# pay for loading OpenCV, SciPy and Matplotlib. tests/test_cli_main.py keeps this list true.
COMMANDS: dict[str, tuple[str, ...]] = {
    "cadena.cli.vault": ("init", "add", "show", "log", "verify", "demo"),
    "cadena.cli.chrono": ("sun", "chrono", "geo"),
    "cadena.cli.documents": ("text", "search", "quote"),
    "cadena.cli.intake": ("capture", "import-chat", "expand", "timestamp"),
    "cadena.cli.facts": ("export", "template", "duplicates", "merge", "query", "import"),
    "cadena.cli.verifying": ("annotate", "review", "provenance", "redact", "geolocate"),
    "cadena.cli.publish": ("check-package",),
    "cadena.cli.footage": ("fingerprint", "similar", "copies"),
    "cadena.cli.sound": ("shots", "sync"),
    "cadena.cli.report": ("report",),
    "cadena.cli.analysis": ("analyze",),
}
COMMAND_MODULES = list(COMMANDS)


def modules_for(argv: list[str]) -> list[str]:
    """The module defining the command named on the line; every module for help or a typo."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return [m for m, names in COMMANDS.items() if first in names] or COMMAND_MODULES


for _name in modules_for(sys.argv[1:]):
    importlib.import_module(_name).register(app)
