"""Provenance of an item: where it was first seen, whether it looks like a camera original or a
platform's re-encode, and whether what is claimed about it agrees with what the file says.

Claims come from the item's sources and from the investigator asking:

- a source's `posted_at` (and a chat message's `sent_utc`): when it was posted;
- a source's `platform` (and a chat's platform): where it came from;
- a source's `extra["claim"]`, what the sender said of it: `{"place": {"lat": .., "lon": ..,
  "radius_m": .., "name": ..} | "LAT,LON", "filmed_at": ISO 8601 time or date, "device": text}`;
- `Claim(...)` passed to `provenance` (the `cadena provenance --claimed-*` options).

Every check is a `Check` with a status (consistent, inconsistent, unknown, note) and a reason in
words; a claim that cannot be checked says why (e.g. "the file carries no GPS tag"). Metadata is
read from what intake recorded (`Metadata.normalized`, see `cadena.media.metadata`).

Copies by fingerprint come from `cadena.media.fingerprint.copies.copies_of(case, sha256)` (keys
`copies`: [{item, distance, offset_s, posted_at, by}], and `earliest`: {item, posted_at, reason,
...} or None); it fingerprints items that lack one first. The earliest upload is the earliest
posting among the item and its copies; without copy search (the module absent), the report says
so and gives the earliest upload of this exact file from its sources.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.media.metadata import parse_time
from cadena.vault.case import Case
from cadena.vault.models import Item, Metadata, Source
from cadena.verify import geo

TOOL = "cadena.verify.provenance"
TOOL_VERSION = "0.1.0"
PLACE_TOLERANCE_M = 10_000.0  # a claimed place is usually a neighbourhood or a town
TIME_TOLERANCE_S = 2 * 3600.0  # claims are rarely more exact than "that afternoon"
CLOCK_SKEW_S = 300.0  # a phone's clock may run a few minutes off
# Platforms that strip camera metadata (GPS, device, capture time) from what they deliver.
STRIPPING = ("whatsapp", "telegram", "facebook", "instagram", "twitter", "x", "tiktok", "signal")
ORIGINAL_WORDS = re.compile(r"\b(original|camera|from the (phone|device)|sd card)\b", re.I)
STRONG_HINT = re.compile(r"ffmpeg|edit|convert|photoshop|gimp|lightroom|exported", re.I)


@dataclass(frozen=True)
class Claim:
    """What someone says of an item, and who said it (a source id, or the investigator)."""

    origin: str
    place: geo.Place | None = None
    place_name: str | None = None
    filmed_at: str | None = None
    device: str | None = None
    platform: str | None = None
    posted_at: str | None = None


@dataclass
class Check:
    check: str  # place | time | device | platform | posted | clock
    status: str  # consistent | inconsistent | unknown | note
    reason: str
    claimed: Any = None
    metadata: Any = None
    origin: str | None = None  # whose claim: "source 3", "asked"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def provenance(
    case: Case,
    item_ref: str,
    asked: Claim | None = None,
    place_tolerance_m: float = PLACE_TOLERANCE_M,
    time_tolerance_s: float = TIME_TOLERANCE_S,
) -> dict[str, Any]:
    """The provenance report of an item (stable keys: item, media_type, sources, earliest_upload,
    copies, copies_note, origin, checks, inconsistent, tool, tool_version)."""
    with case.session(write=False) as s:
        item = case.resolve_item(s, item_ref)
        meta = s.get(Metadata, item.sha256)
        norm = dict(meta.normalized) if meta else {}
        sources = list(item.sources)
        claims = [c for src in sources for c in claims_of(src)]
        report = _report(s, item, norm, sources)
    if asked is not None:
        claims.append(asked)
    checks = [
        c for claim in claims for c in check_claim(claim, norm, place_tolerance_m, time_tolerance_s)
    ]
    checks += check_clock(norm, item.added_at)
    copies, note = _copies(case, item.sha256)
    report.update(
        copies=copies.get("copies") if copies else None,
        copies_note=note,
        checks=[c.as_dict() for c in checks],
        inconsistent=sum(1 for c in checks if c.status == "inconsistent"),
    )
    if copies and copies.get("earliest"):
        report["earliest_upload"] = copies["earliest"]
    return report


def _report(s: Session, item: Item, norm: dict[str, Any], sources: list[Source]) -> dict[str, Any]:
    return {
        "item": item.sha256,
        "media_type": item.media_type,
        "sources": [_source_dict(src) for src in sources],
        "earliest_upload": earliest_upload(item.sha256, sources),
        "origin": origin(norm),
        "tool": TOOL,
        "tool_version": TOOL_VERSION,
    }


def _source_dict(src: Source) -> dict[str, Any]:
    return {
        "id": src.id,
        "platform": _platform(src),
        "account": src.account,
        "url": src.url,
        "posted_at": _posted(src),
        "collected_at": src.collected_at,
        "claim": (src.extra or {}).get("claim"),
    }


# -- claims ---------------------------------------------------------------------------------


def claims_of(src: Source) -> list[Claim]:
    """What a source says of its item, as one claim (none when it says nothing checkable)."""
    said = (src.extra or {}).get("claim") or {}
    if not isinstance(said, dict):
        said = {}
    place, name = _claimed_place(said.get("place"), f"source {src.id}")
    claim = Claim(
        origin=f"source {src.id}",
        place=place,
        place_name=name,
        filmed_at=_text(said.get("filmed_at")),
        device=_text(said.get("device")),
        platform=_platform(src),
        posted_at=_posted(src),
    )
    if any((claim.place, claim.filmed_at, claim.device, claim.platform, claim.posted_at)):
        return [claim]
    return []


def _claimed_place(value: Any, origin: str) -> tuple[geo.Place | None, str | None]:
    if value is None:
        return None, None
    try:
        if isinstance(value, str):
            return geo.Place.parse(value), None
        if isinstance(value, dict) and "lat" in value and "lon" in value:
            radius = float(value.get("radius_m") or 0.0)
            return geo.Place.point(float(value["lat"]), float(value["lon"]), radius), value.get(
                "name"
            )
    except (CadenaError, TypeError, ValueError):
        pass
    raise CadenaError(
        f"{origin}: the claimed place {value!r} is not LAT,LON or {{lat, lon, radius_m}}; "
        "correct the source's claim"
    )


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _platform(src: Source) -> str | None:
    chat = (src.extra or {}).get("chat") or {}
    return src.platform or (chat.get("platform") if isinstance(chat, dict) else None)


def _posted(src: Source) -> str | None:
    chat = (src.extra or {}).get("chat") or {}
    sent = chat.get("sent_utc") if isinstance(chat, dict) else None
    return src.posted_at or sent


def check_claim(
    claim: Claim, norm: dict[str, Any], place_tol: float, time_tol: float
) -> list[Check]:
    checks = []
    if claim.place is not None:
        checks.append(check_place(claim, norm, place_tol))
    if claim.filmed_at:
        checks.append(check_time(claim, norm, time_tol))
    if claim.device:
        checks.append(check_device(claim, norm))
    if claim.platform:
        checks.extend(check_platform(claim, norm))
    if claim.posted_at:
        checks.extend(check_posted(claim, norm))
    return checks


def check_place(claim: Claim, norm: dict[str, Any], tolerance_m: float) -> Check:
    assert claim.place is not None
    said = claim.place.to_dict() | ({"name": claim.place_name} if claim.place_name else {})
    gps = norm.get("gps")
    if not isinstance(gps, dict) or "lat" not in gps:
        return Check(
            "place", "unknown", "the file carries no GPS tag (platforms strip it; many cameras "
            "never write one): geolocate it from what it shows", said, None, claim.origin,
        )  # fmt: skip
    tagged = geo.Place.point(float(gps["lat"]), float(gps["lon"]), tolerance_m)
    agree = geo.agreement(claim.place, tagged)
    distance_km = agree.separation_m / 1000
    if agree.agrees:
        reason = (
            f"the GPS tag ({gps['lat']:.5f}, {gps['lon']:.5f}) lies {distance_km:,.1f} km from "
            f"the claimed place, within the {agree.tolerance_m / 1000:,.1f} km allowed"
        )
    else:
        reason = (
            f"the GPS tag ({gps['lat']:.5f}, {gps['lon']:.5f}) lies {distance_km:,.1f} km from "
            f"the claimed place; more than the {agree.tolerance_m / 1000:,.1f} km allowed. Either "
            "the claim is wrong, the footage is from elsewhere, or the tag is (a stale fix)"
        )
    status = "consistent" if agree.agrees else "inconsistent"
    return Check(
        "place", status, reason, said, gps, claim.origin,
        {"distance_m": round(agree.separation_m, 1), "tolerance_m": agree.tolerance_m},
    )  # fmt: skip


def check_time(claim: Claim, norm: dict[str, Any], tolerance_s: float) -> Check:
    said = claim.filmed_at or ""
    shown: dict[str, Any] = {
        k: norm[k] for k in ("created_at", "created_at_local", "created_at_source") if k in norm
    }
    if "created_at_local" not in norm:
        return Check(
            "time", "unknown", "the file carries no capture time (or a zeroed one): "
            "messaging platforms and social media drop it; date it by chronolocation",
            said, None, claim.origin,
        )  # fmt: skip
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said.strip()):
        return _check_date(claim, said.strip(), norm, shown)
    claimed_utc, claimed_local = parse_time(said)
    if claimed_local is None:
        raise CadenaError(
            f"{claim.origin}: the claimed time {said!r} is not ISO 8601 (2024-03-02T16:10-05:00) "
            "or a date (2024-03-02)"
        )
    meta_utc = _utc(norm.get("created_at"))
    if claimed_utc is not None and meta_utc is not None:
        delta, basis = (meta_utc - claimed_utc).total_seconds(), "UTC"
    else:  # one side has no zone: compare the clocks as written (local wall time)
        local = dt.datetime.fromisoformat(str(norm["created_at_local"])).replace(tzinfo=None)
        mine = dt.datetime.fromisoformat(claimed_local).replace(tzinfo=None)
        delta, basis = (local - mine).total_seconds(), "local clock time (a zone is missing)"
    return _time_verdict(claim, said, shown, delta, basis, tolerance_s)


def _time_verdict(
    claim: Claim, said: str, shown: dict[str, Any], delta: float, basis: str, tolerance_s: float
) -> Check:
    gap = _duration(abs(delta))
    direction = "after" if delta > 0 else "before"
    extra = {"difference_s": round(delta, 1), "tolerance_s": tolerance_s, "compared_as": basis}
    if abs(delta) <= tolerance_s:
        reason = f"the capture time is {gap} {direction} the claimed time ({basis}), within the "
        reason += f"{_duration(tolerance_s)} allowed"
        return Check("time", "consistent", reason, said, shown, claim.origin, extra)
    reason = f"the capture time is {gap} {direction} the claimed time ({basis}); more than "
    reason += f"the {_duration(tolerance_s)} allowed"
    hours = abs(delta) / 3600
    if abs(hours - round(hours)) < 0.25 and round(hours) <= 14:
        reason += (
            f". {round(hours)} whole hours: possibly a time-zone mix-up (a device clock set to "
            "another zone, or UTC read as local time)"
        )
    elif 0.9 <= abs(delta) / 86400 <= 1.1:
        reason += ": about a day apart, a different day from the one claimed"
    return Check("time", "inconsistent", reason, said, shown, claim.origin, extra)


def _check_date(claim: Claim, said: str, norm: dict[str, Any], shown: dict[str, Any]) -> Check:
    local_date = str(norm["created_at_local"])[:10]
    days = (dt.date.fromisoformat(local_date) - dt.date.fromisoformat(said)).days
    extra = {"difference_days": days, "compared_as": "local calendar date"}
    if days == 0:
        reason = f"the capture date ({local_date}, local) is the claimed date"
        return Check("time", "consistent", reason, said, shown, claim.origin, extra)
    reason = f"the capture date ({local_date}, local) is {abs(days)} day(s) "
    reason += ("after" if days > 0 else "before") + f" the claimed date {said}"
    return Check("time", "inconsistent", reason, said, shown, claim.origin, extra)


def check_device(claim: Claim, norm: dict[str, Any]) -> Check:
    said = claim.device or ""
    tags = " ".join(str(norm[k]) for k in ("device_make", "device_model") if norm.get(k))
    if not tags:
        return Check(
            "device", "unknown", "the file names no device (make, model): stripped on the way, "
            "or written by software rather than a camera", said, None, claim.origin,
        )  # fmt: skip
    words = {w for w in re.findall(r"[a-z0-9]+", said.lower()) if len(w) > 1}
    found = set(re.findall(r"[a-z0-9]+", tags.lower()))
    shared = sorted(words & found)
    if shared:
        reason = f"the file names the device {tags!r}, which shares {', '.join(shared)!r} with "
        reason += "the claim"
        return Check("device", "consistent", reason, said, tags, claim.origin)
    reason = f"the file names the device {tags!r}; nothing in it matches the claimed {said!r}"
    return Check("device", "inconsistent", reason, said, tags, claim.origin)


def check_platform(claim: Claim, norm: dict[str, Any]) -> list[Check]:
    platform = (claim.platform or "").strip().lower()
    hints = [str(h) for h in norm.get("reencode_hint") or []]
    kept = [k for k in ("gps", "device_make", "device_model") if k in norm]
    out = []
    if platform in STRIPPING and kept:
        out.append(
            Check(
                "platform",
                "note",
                f"said to come through {claim.platform}, which strips camera "
                f"metadata, yet the file keeps {', '.join(kept)}: sent as a document or file, "
                "or it did not pass through that platform",
                claim.platform,
                kept,
                claim.origin,
            )  # fmt: skip
        )
    strong = [h for h in hints if STRONG_HINT.search(h)]
    if ORIGINAL_WORDS.search(platform) and strong:
        out.append(
            Check(
                "platform",
                "inconsistent",
                "said to be a camera original, but " + "; ".join(strong),
                claim.platform,
                strong,
                claim.origin,
            )  # fmt: skip
        )
    return out


def check_posted(claim: Claim, norm: dict[str, Any]) -> list[Check]:
    posted, recorded = _utc(claim.posted_at), _utc(norm.get("created_at"))
    if posted is None or recorded is None:
        return []
    ahead = (recorded - posted).total_seconds()
    if ahead > CLOCK_SKEW_S:
        reason = f"posted {_duration(ahead)} before the file says it was recorded: the posting "
        reason += "time, the device's clock or the claim that this is that post is wrong"
        return [
            Check(
                "posted",
                "inconsistent",
                reason,
                claim.posted_at,
                norm.get("created_at"),
                claim.origin,
                {"difference_s": round(ahead, 1)},
            )  # fmt: skip
        ]
    reason = f"posted {_duration(-ahead)} after the recorded capture time"
    return [
        Check("posted", "consistent", reason, claim.posted_at, norm.get("created_at"), claim.origin)
    ]


def check_clock(norm: dict[str, Any], added_at: str) -> list[Check]:
    """A capture time after the item reached the case means a device clock set wrong."""
    recorded, added = _utc(norm.get("created_at")), _utc(added_at)
    if recorded is None or added is None or recorded <= added + dt.timedelta(days=1):
        return []
    reason = f"the capture time {norm['created_at']} is after the item was preserved "
    reason += f"({added_at}): the device's clock was set wrong; its times cannot be trusted"
    return [Check("clock", "inconsistent", reason, None, norm.get("created_at"), "metadata")]


# -- origin ---------------------------------------------------------------------------------


def origin(norm: dict[str, Any]) -> dict[str, Any]:
    """Camera original or re-encode, from the metadata's hints; always with its reasons."""
    hints = [str(h) for h in norm.get("reencode_hint") or []]
    device = {
        k: norm[k] for k in ("device_make", "device_model", "encoder", "software") if k in norm
    }
    strong = [h for h in hints if STRONG_HINT.search(h)]
    if strong:
        verdict = "re-encoded or edited"
    elif hints:
        verdict = "possibly re-encoded"
    elif any(k in norm for k in ("device_make", "device_model")):
        verdict = "looks like a camera original"
    else:
        verdict = "undetermined"
    reasons = hints or (
        [f"device tags kept ({', '.join(f'{k}={v}' for k, v in device.items())}) and no sign "
         "of re-encoding"] if device else ["no metadata either way"]
    )  # fmt: skip
    return {
        "assessment": verdict,
        "reasons": reasons,
        "tags": device,
        "caveat": "a hint, never proof: originals can lack tags and copies can keep them",
    }


# -- copies and the earliest upload ---------------------------------------------------------


def earliest_upload(sha: str, sources: Iterable[Source]) -> dict[str, Any] | None:
    """Among the sources of this exact file, the one posted first."""
    dated = [(t, src) for src in sources if (t := _utc(_posted(src))) is not None]
    if not dated:
        return None
    when, src = min(dated, key=lambda pair: pair[0])
    return {
        "item": sha,
        "source": src.id,
        "platform": _platform(src),
        "account": src.account,
        "url": src.url,
        "posted_at": _posted(src),
        "reason": f"the earliest posting time among the {len(dated)} dated source(s) of this "
        "exact file (the same SHA-256)",
    }


def _copies(case: Case, sha: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        module = importlib.import_module("cadena.media.fingerprint.copies")
    except ImportError:
        module = None
    find = getattr(module, "copies_of", None)
    if find is None:
        return None, (
            "copies by fingerprint are not searched yet (cadena.media.fingerprint.copies is not "
            "available); the earliest upload is of this exact file only"
        )
    try:
        return find(case, sha), None
    except CadenaError as exc:  # the claims can still be checked; say what failed
        return None, f"copies could not be searched: {exc}"


# -- helpers --------------------------------------------------------------------------------


def _utc(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    utc, _ = parse_time(text)
    return utc


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
