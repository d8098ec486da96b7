"""Commands of the foundation: init, add, show, log, verify, demo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def version() -> None:
        """Print Cadena's version."""
        from cadena import __version__

        typer.echo(__version__)
