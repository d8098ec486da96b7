"""The command map in cadena.cli.main names exactly the commands each module registers."""

from __future__ import annotations

import importlib

import typer

from cadena.cli.main import COMMANDS, modules_for


def _registered(module: str) -> set[str]:
    app = typer.Typer()
    importlib.import_module(module).register(app)
    names = {
        c.name or c.callback.__name__.replace("_", "-")
        for c in app.registered_commands
        if c.callback is not None
    }
    return names | {
        g.name or str(g.typer_instance.info.name)
        for g in app.registered_groups
        if g.typer_instance is not None
    }


def test_command_map_matches_registrations() -> None:
    for module, names in COMMANDS.items():
        assert _registered(module) == set(names), module


def test_only_the_named_commands_module_is_loaded() -> None:
    assert modules_for(["verify", "--case", "x"]) == ["cadena.cli.vault"]
    assert modules_for(["analyze", "chain", "I1"]) == ["cadena.cli.analysis"]
    assert modules_for(["--help"]) == list(COMMANDS)
    assert modules_for(["no-such-command"]) == list(COMMANDS)
