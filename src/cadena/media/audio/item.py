"""Shots in a preserved item: the analysis, its picture as a derivative, and the custody entry.

The one path `cadena shots` and the training case take, so the command holds no logic.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cadena.errors import CadenaError
from cadena.media.audio import TOOL_VERSION
from cadena.media.audio.decode import AudioError, probe
from cadena.media.audio.picture import shots_png
from cadena.media.audio.shots import ShotParams, analyse
from cadena.vault.case import Case

# (seconds of sound in the item) -> a callback taking seconds analysed so far
Listening = Callable[[str, float], Callable[[float], None]]


def original(case: Case, ref: str) -> tuple[str, Path]:
    with case.session(write=False) as s:
        item = case.resolve_item(s, ref)
        return item.sha256, case.blobs.local_path(item.sha256)


def shots_of_item(
    case: Case, ref: str, params: ShotParams, listening: Listening | None = None
) -> dict[str, Any]:
    """Analyse an item's sound; store the marked spectrogram; log the result in custody."""
    sha, path = original(case, ref)
    try:
        duration = probe(path).duration_s or 0.0
        progress = listening(sha, duration) if listening else None
        report = analyse(path, params, progress=progress)
    except AudioError as exc:
        raise CadenaError(f"item {sha[:12]}: {exc}") from None
    result: dict[str, Any] = {"item": sha, **report.to_json()}
    png = shots_png(path, report, title=sha[:12])
    summary = {
        k: result[k]
        for k in ("count", "bursts", "distance", "uncertain_events", "other_events", "method")
    }
    with case.session() as s:
        d = case.add_derivative(
            s,
            sha,
            png,
            kind="shots-picture",
            tool="cadena.media.audio.shots",
            tool_version=TOOL_VERSION,
            params=params.as_dict(),
            media_type="image/png",
            result={"analysis": "shots", **summary},
        )
        result["derivative"] = d.sha256
    return result
