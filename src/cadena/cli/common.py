"""What every command shares: finding the case, `--json`, errors without tracebacks, progress."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from cadena.errors import CadenaError
from cadena.vault.case import Case, open_case

CaseOption = Annotated[
    Path | None,
    typer.Option("--case", help="Case folder (default: $CADENA_CASE, else the current folder)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON with stable keys.")]

# Piped output (a file, another program, a test) is not cut to 80 columns.
_WIDTH = None if sys.stdout.isatty() else 160
out = Console(soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(fn: F) -> F:
    """A CadenaError becomes its message on stderr and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CadenaError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def case_from(path: Path | None) -> Case:
    return open_case(path)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def byte_progress(enabled: bool) -> Progress:
    """A bar over bytes; disabled (silent) in --json mode or when stdout is not a terminal."""
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not enabled or not err.is_terminal,
        transient=True,
    )


def count_progress(enabled: bool) -> Progress:
    """A bar over a count of items; silent in --json mode or when stderr is not a terminal."""
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not enabled or not err.is_terminal,
        transient=True,
    )
