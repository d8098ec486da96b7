"""Weapon classes (bullet-speed ranges and more) from the editable data file weapons.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceClass:
    """A weapon class or other impulsive source, as weapons.toml describes it."""

    key: str
    label: str
    blast_peak_pa_1m: tuple[float, float]
    positive_phase_ms: tuple[float, float]
    bullet_speed_ms: tuple[float, float] | None = None
    cyclic_rate_rpm: tuple[float, float] | None = None
    caliber_mm: float | None = None
    bullet_length_mm: float | None = None
    rise_ms: tuple[float, float] | None = None


def _pair(v: Any) -> tuple[float, float] | None:
    return None if v is None else (float(v[0]), float(v[1]))


def _make(key: str, d: dict[str, Any]) -> SourceClass:
    return SourceClass(
        key=key,
        label=str(d.get("label", key)),
        blast_peak_pa_1m=_pair(d["blast_peak_pa_1m"]) or (0.0, 0.0),
        positive_phase_ms=_pair(d["positive_phase_ms"]) or (0.0, 0.0),
        bullet_speed_ms=_pair(d.get("bullet_speed_ms")),
        cyclic_rate_rpm=_pair(d.get("cyclic_rate_rpm")),
        caliber_mm=d.get("caliber_mm"),
        bullet_length_mm=d.get("bullet_length_mm"),
        rise_ms=_pair(d.get("rise_ms")),
    )


@cache
def _load(path: str | None) -> tuple[dict[str, SourceClass], dict[str, SourceClass]]:
    if path is None:
        text = resources.files("cadena.media.audio").joinpath("data/weapons.toml").read_text()
    else:
        text = Path(path).read_text()
    raw = tomllib.loads(text)
    weapons = {k: _make(k, v) for k, v in raw.get("classes", {}).items()}
    others = {k: _make(k, v) for k, v in raw.get("others", {}).items()}
    return weapons, others


def weapon_classes(path: str | None = None) -> dict[str, SourceClass]:
    """Weapon classes by key (e.g. ``rifle_762x39``); `path` overrides the shipped file."""
    return _load(path)[0]


def other_sources(path: str | None = None) -> dict[str, SourceClass]:
    """Non-weapon impulsive sources (firecracker, tear-gas launcher) for the generator."""
    return _load(path)[1]


def weapon_class(key: str, path: str | None = None) -> SourceClass:
    """One weapon class; a clear error naming the known ones if `key` is unknown."""
    classes = weapon_classes(path)
    if key not in classes:
        raise KeyError(f"unknown weapon class {key!r}; known: {', '.join(sorted(classes))}")
    cls = classes[key]
    if cls.bullet_speed_ms is None:
        raise KeyError(f"weapon class {key!r} has no bullet_speed_ms range")
    return cls
