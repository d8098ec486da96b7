"""Tell shots from bullets' cracks, echoes, firecrackers and tear-gas launchers.

Rules, each resting on the physics of docs/sound.md (not on a trained model):

1. Echo: a weaker copy of an earlier, louder event at a delay that repeats (a wall
   returns every bang after the same delay). Echoes are listed, never counted.
2. Pulse width (time the envelope stays within 10 dB of its peak) tracks the
   Friedlander positive phase, which grows with the charge (Hopkinson cube-root
   scaling): bullets' N-waves and firecrackers are short (< ~0.6 ms), muzzle blasts of
   small arms ~0.7–2.5 ms, a 37/40 mm launcher's thump longer and without highs.
3. Crack–thump: short pulses that precede blast-like events by one common interval
   are the bullets' shock waves; the blasts they pair with are shots, with more
   confidence, and the interval gives the distance.
4. Rhythm: a run of ≥3 blast-like events at a steady interval is automatic fire;
   short pulses at irregular intervals without blasts behind them are a firecracker string.

Where the rules disagree or the measurements sit near a boundary the event is
"uncertain" and is not counted as a shot. Confidences are rule scores in 0–1, not
calibrated probabilities.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cadena.media.audio.features import Features

SHORT_MAX_MS = 0.6
BLAST_MAX_MS = 2.4
ECHO_MIN_DROP_DB = 1.5
ECHO_MIN_DROP_CLIPPED_DB = 0.3
# Spectral tilt (event power above 2 kHz over below 1 kHz): a muzzle blast's long
# positive phase puts its energy low, and air absorption darkens it further with
# distance; an N-wave (0.2–0.5 ms) or a firecracker is bright; a launcher's thump darker.
BLAST_TILT_MAX_DB = -10.0
BRIGHT_TILT_MIN_DB = -8.0
THUMP_TILT_MAX_DB = -18.0
THUMP_MIN_MS = 2.2  # a launcher's positive phase is longer than a rifle's
ECHO_MAX_DELAY_S = 0.2
ECHO_TOL_S = 0.0025
CRACK_MAX_LEAD_S = 1.5
GROUP_WINDOW_S = 1.0
PAIR_TOL_S = 0.002
PAIR_WIDE_MIN_S = 0.006  # a round's own crack–thump interval may differ from the common one
PAIR_WIDE_FRAC = 0.04
PAIR_WIDE_MAX_S = 0.02


@dataclass
class Event:
    """One impulsive event and what Cadena judges it to be."""

    features: Features
    cls: str = "uncertain"  # shot | crack | firecracker | teargas | echo | other | uncertain
    confidence: float = 0.5
    reasons: list[str] = field(default_factory=list)
    echo_of: float | None = None
    crack_t: float | None = None
    shape: str = ""

    @property
    def t(self) -> float:
        return self.features.t


def mark_echoes(events: list[Event]) -> None:
    """Mark followers at a delay that recurs after many bangs (a wall's echo) as echoes.

    A fixed reflector returns every bang from one direction after the same delay, to a
    tenth of a millisecond, weaker and of the same spectral shape. An automatic weapon's
    cycle can be as steady, so a delay is taken for an echo only if its followers are
    not louder and do not continue as a rhythm (an echo's echo is too faint to be heard;
    the next round of a burst is followed by another).
    """
    taken: set[int] = set()
    rhythms: list[float] = []  # delays found to be a weapon's cycle
    for _ in range(3):  # up to three reflectors (façades, a vehicle...)
        pairs = _echo_pairs(events, taken)
        if not pairs:
            return
        d_all = np.array([p[2] for p in pairs])
        support = np.array([np.count_nonzero(np.abs(d_all - v) <= ECHO_TOL_S) for v in d_all])
        loud = sum(1 for e in events if e.features.score_db >= 10)
        found = False
        tried: list[float] = []
        for best in np.argsort(-support, kind="stable"):
            d = float(d_all[best])
            if support[best] < 1 or len(tried) >= 8:
                break
            if any(abs(d - t) <= ECHO_TOL_S for t in tried) or _on_rhythm(d, rhythms):
                continue
            tried.append(d)
            group = [p for p in pairs if abs(p[2] - d) <= ECHO_TOL_S]
            verdict = _echo_group_ok(events, group, loud)
            if verdict is None:
                rhythms.append(d)
            elif verdict:
                _mark(events, group, taken)
                dark = np.median([events[i].features.tilt_db for i, _, _ in group])
                if len({i for i, _, _ in group}) >= 3 and dark < BRIGHT_TILT_MIN_DB:
                    _sweep(events, float(np.median([g[2] for g in group])), taken)
                found = True
                break
        if not found:
            return


ECHO_SWEEP_TOL_S = 0.0045


def _sweep(events: list[Event], d: float, taken: set[int]) -> None:
    """Once a reflector's delay is established by ≥3 bangs, take the other followers
    at that delay too, within a wider tolerance: in noise an onset is placed to ±2–3 ms,
    so some echoes miss the 2.5 ms that establishing the delay demanded. Only followers
    of the same shape that are weaker than their bang, and not themselves followed
    at that delay by another such (which would make them a rhythm), are taken."""
    times = np.array([e.t for e in events])
    for i, src in enumerate(events):
        if i in taken:
            continue
        for jj in np.flatnonzero(np.abs(times - src.t - d) <= ECHO_SWEEP_TOL_S):
            j = int(jj)
            f = events[j].features
            if j in taken or j == i or f.energy_db > src.features.energy_db:
                continue
            if abs(f.tilt_db - src.features.tilt_db) > 6.0:
                continue
            taken.add(j)
            events[j].cls, events[j].echo_of, events[j].confidence = "echo", src.t, 0.6
            events[j].reasons = [
                f"echo: {1000 * (events[j].t - src.t):.1f} ms after a louder bang of the same "
                f"shape, at a reflector's delay ({1000 * d:.1f} ms) found after ≥3 bangs"
            ]


def _on_rhythm(d: float, rhythms: list[float]) -> bool:
    """Is `d` one, two or three cycles (±6 %) of a rhythm already found?"""
    return any(abs(d - k * r) <= 0.06 * k * r for r in rhythms for k in (1, 2, 3))


def _echo_pairs(events: list[Event], taken: set[int]) -> list[tuple[int, int, float]]:
    pairs = []
    for j in range(len(events)):
        for i in range(j - 1, -1, -1):
            d = events[j].t - events[i].t
            if d > ECHO_MAX_DELAY_S:
                break
            if d > 0.002 and j not in taken and i not in taken and _alike(events[i], events[j]):
                pairs.append((i, j, d))
    return pairs


def _echo_group_ok(
    events: list[Event], group: list[tuple[int, int, float]], loud: int
) -> bool | None:
    """True: an echo delay; False: not shown to be one; None: a weapon's cycle."""
    sources = {i for i, _, _ in group}
    drops = [events[i].features.energy_db - events[j].features.energy_db for i, j, _ in group]
    followers = {j for _, j, _ in group}
    chained = len(sources & followers) / max(len(group), 1)
    if chained >= 0.3 or _rhythmic(events, group):
        return None  # the next rounds of a burst, not a reflection
    if len(sources) >= 3:
        # many bangs, one delay to the tenth of a millisecond: a reflector, as long as
        # the followers are not louder; levels alone are unreliable (clipping, noise)
        return float(np.median(drops)) >= 0.0
    # one or two bangs: the follower must also be clearly weaker (less if clipped,
    # since clipping flattens a bang and its echo alike)
    clipped = np.mean([events[i].features.clipped for i in sources]) >= 0.5
    lone = loud <= 2 and len(group) == 1
    return lone and float(np.mean(drops)) >= (
        ECHO_MIN_DROP_CLIPPED_DB if clipped else ECHO_MIN_DROP_DB
    )


def _rhythmic(events: list[Event], group: list[tuple[int, int, float]]) -> bool:
    """Do the pairs continue as a rhythm (another bang one delay further on, or one delay
    before the source, not much weaker, of the same spectral shape)? An echo's own echo
    is too faint to be heard; the next round of a burst is not, and a weapon's cycle
    wanders by a few per cent."""
    times = np.array([e.t for e in events])
    energy = np.array([e.features.energy_db for e in events])
    tilt = np.array([e.features.tilt_db for e in events])
    clipped = np.array([e.features.clipped for e in events])  # levels unreliable there
    hits = 0
    for i, j, d in group:
        # a weapon's cycle wanders a few per cent, and in noise each onset is placed to
        # ±2–3 ms, so a measured interval between two rounds is good to about 6 ms
        tol = max(0.006, 0.04 * d)
        if tilt[j] >= BRIGHT_TILT_MIN_DB:
            # cracks keep the cycle less closely: each round passes the phone at its own
            # miss distance, which moves its crack by ≈2.5 ms per metre
            tol = max(0.006, CRACK_CYCLE_TOL * d)
        # another bang of the same spectral shape, not much weaker, one delay on (or before)
        like_j = (np.abs(tilt - tilt[j]) <= 6.0) & ((energy >= energy[j] - 6.0) | clipped)
        like_i = (np.abs(tilt - tilt[i]) <= 6.0) & ((energy >= energy[i] - 6.0) | clipped)
        nxt = bool(np.any((np.abs(times - (events[j].t + d)) <= tol) & like_j))
        prv = bool(np.any((np.abs(times - (events[i].t - d)) <= tol) & like_i))
        hits += int(nxt or prv)
    return hits >= 0.5 * len(group)


def _mark(events: list[Event], group: list[tuple[int, int, float]], taken: set[int]) -> None:
    n = len({i for i, _, _ in group})
    # a reflector returns cracks and blasts after different delays (the crack comes from
    # along the bullet's path, the blast from the muzzle): a group is of one kind, and a
    # pair of the other kind at the same delay is a coincidence (e.g. a blast's echo and
    # the next round of a burst)
    bright = [events[i].features.tilt_db >= BRIGHT_TILT_MIN_DB for i, _, _ in group]
    kind = sum(bright) * 2 >= len(bright)
    for (i, j, d), b in zip(group, bright, strict=True):
        if j in taken or b != kind:
            continue
        taken.add(j)
        events[j].cls, events[j].echo_of = "echo", events[i].t
        events[j].confidence = min(0.9, 0.5 + 0.05 * n)
        events[j].reasons = [
            f"echo: {1000 * d:.1f} ms after a louder bang of the same shape, "
            f"a delay that recurs after {n} bangs"
        ]


def _alike(src: Event, echo: Event) -> bool:
    """Could `echo` be a reflection of `src`: not louder, and of the same spectral shape.

    Shape matters: a bullet's crack and its muzzle blast also recur at one fixed delay,
    but the crack is bright and the blast dark.
    """
    a, b = src.features, echo.features
    return b.energy_db - a.energy_db <= 3.0 and abs(a.tilt_db - b.tilt_db) <= 6.0


def brightness(f: Features) -> float:
    return f.tilt_db


def pulse_ms(f: Features) -> float:
    """The pulse's duration for the shape rules: the envelope width, or for a clipped
    event (whose flattened top stretches the envelope) its positive phase."""
    return f.phase_ms if f.phase_ms > 0 else f.width_ms


def _shape(e: Event) -> str:
    f = e.features
    tilt = brightness(f)
    width = pulse_ms(f)
    if width < SHORT_MAX_MS or tilt >= BRIGHT_TILT_MIN_DB:
        return "short"
    if width > THUMP_MIN_MS and tilt < THUMP_TILT_MAX_DB:
        return "thump"
    if width <= BLAST_MAX_MS:
        return "blast" if tilt <= BLAST_TILT_MAX_DB else "uncertain"
    return "other"


def pair_cracks(events: list[Event], shapes: list[str], force: float | None = None) -> float | None:
    """Find the common crack→blast interval; mark cracks and give shots their crack time.

    `force`: use this interval instead of voting (see _reflection_lag)."""
    shorts = [i for i, s in enumerate(shapes) if s == "short"]
    blasts = [i for i, s in enumerate(shapes) if s == "blast"]
    diffs = [
        (i, j, events[j].t - events[i].t)
        for i in shorts
        for j in blasts
        if 0.002 < events[j].t - events[i].t < CRACK_MAX_LEAD_S
    ]
    if not diffs:
        return None
    d = np.array([x[2] for x in diffs])
    # votes within each candidate's own tolerance: rounds of one burst pass the phone at
    # different miss distances, so their intervals spread by several ms; the candidates
    # one cycle off (crack of round k with blast of round k+1) stay far outside it
    support = np.array([np.count_nonzero(np.abs(d - v) <= _wide(v)) for v in d])
    need = 2 if len(blasts) > 1 and len(shorts) > 1 else 1
    if support.max() < need:
        return None
    # Reflections of cracks and blasts that escaped the echo rule propose nearly as many
    # intervals as the direct sounds do, but the direct crack and blast are louder; in a
    # steady burst the interval one cycle off is as loud and pairs one round fewer.
    energy = np.array(
        [events[i].features.energy_db + events[j].features.energy_db for i, j, _ in diffs]
    )
    loudness = np.array([energy[np.abs(d - v) <= _wide(v)].mean() for v in d])
    strong = support >= max(need, 0.7 * support.max())
    anchor = _volley_anchor(events, shapes)
    if anchor is not None:
        # the volleys' first crack and first blast agree: that settles the interval
        # (reflections and a burst's later rounds cannot come first)
        strong = (np.abs(d - anchor) <= _wide(anchor)) & (support >= need)
        strong = strong if strong.any() else support >= max(need, 0.7 * support.max())
    finalists = strong & (loudness >= loudness[strong].max() - 1.5)
    best = int(np.argmax(np.where(finalists, support + loudness / 100.0, -np.inf)))
    dt = float(np.median(d[np.abs(d - d[best]) <= _wide(d[best])]))
    if force is not None:
        near = np.abs(d - force) <= _wide(force)
        dt = float(np.median(d[near])) if near.any() else force
    # each round's interval differs a little: the muzzle wanders, so each bullet passes
    # the phone at its own miss distance (≈2.5 ms per metre); nearest pairs first
    wide = _wide(dt)
    for i, j, v in sorted(diffs, key=lambda p: abs(p[2] - dt)):
        if abs(v - dt) <= wide and events[i].cls != "crack" and events[j].crack_t is None:
            events[i].cls, events[i].confidence = "crack", 0.8
            events[i].reasons = [f"bullet shock wave: {1000 * v:.1f} ms before a blast"]
            events[j].crack_t = events[i].t
    return dt


def _volley_anchor(events: list[Event], shapes: list[str]) -> float | None:
    """The crack–thump interval read from the start of each volley, if ≥2 volleys agree.

    A reflection arrives after the sound it reflects and a burst's later rounds after
    its first, so the first crack heard in a volley is the first round's own crack and
    the first blast after it that round's own blast. In a burst the vote over all pairs
    cannot tell the interval from one a cycle longer or shorter; the volleys' starts can.
    A volley whose first blast was missed gives a wrong anchor, so two must agree."""
    heard = sorted((e.t, s) for e, s in zip(events, shapes, strict=True) if s in ("short", "blast"))
    anchors: list[float] = []
    first_crack: float | None = None
    last = -np.inf
    for t, s in heard:
        if t - last > GROUP_WINDOW_S:
            first_crack, done = None, False
        last = t
        if s == "short" and first_crack is None:
            first_crack = t
        elif s == "blast" and first_crack is not None and not done:
            if 0.002 < t - first_crack < CRACK_MAX_LEAD_S:
                anchors.append(t - first_crack)
            done = True
    best: list[float] = []
    for a in anchors:
        # each anchor is one round, within ±_wide of the common interval: two agree
        # within twice that
        near = [b for b in anchors if abs(b - a) <= 2 * _wide(a)]
        best = near if len(near) > len(best) else best
    return float(np.median(best)) if len(best) >= 2 else None


def _wide(dt: float) -> float:
    return float(min(max(PAIR_WIDE_MIN_S, PAIR_WIDE_FRAC * dt), PAIR_WIDE_MAX_S))


def regular_runs(times: list[float], max_period: float = 0.2, tol: float = 0.25) -> list[list[int]]:
    """Runs of ≥3 indices whose successive intervals are short and steady (automatic fire)."""
    runs: list[list[int]] = []
    cur: list[int] = [0] if times else []
    for k in range(1, len(times)):
        gap = times[k] - times[k - 1]
        if gap <= max_period and (
            len(cur) < 2 or abs(gap - (times[cur[-1]] - times[cur[-2]])) <= tol * gap
        ):
            cur.append(k)
            continue
        if len(cur) >= 3:
            runs.append(cur)
        cur = [cur[-1], k] if gap <= max_period else [k]
    if len(cur) >= 3:
        runs.append(cur)
    return runs


def classify(features: list[Features]) -> tuple[list[Event], float | None]:
    """Classes for every onset, and the crack–thump interval if one was found.

    Weak onsets (below the detection threshold) take no part in the rules; the second
    pass (expected_blasts) promotes those that fall where a shot is expected, and the
    rest are dropped.
    """
    ordered = sorted(features, key=lambda f: f.t)
    events = [Event(f) for f in ordered if not f.weak]
    weak = [Event(f, shape="weak") for f in ordered if f.weak]
    faint = [w.t for w in weak if w.features.tilt_db <= WEAK_TILT_MAX_DB]
    events, dt = _classify_strong(events, faint)
    live = [e for e in events if e.cls not in ("echo",)]
    events = _one_per_blast(sorted(events + expected_blasts(live, weak, dt), key=lambda e: e.t))
    _one_round_per_cycle(events)
    return events, dt


def _one_round_per_cycle(events: list[Event]) -> None:
    """A weapon fires once per cycle: where a steady burst's shots are each followed by
    another at one fixed lag shorter than the cycle, the followers are reflections.

    This happens when each direct blast arrives together with a later round's crack
    (found as a masked blast) and a façade returns it a few tens of ms later, dark and
    uncracked like a blast. The earlier of each pair is the direct sound."""
    shots = [e for e in events if e.cls == "shot"]
    times = np.array([e.t for e in shots])
    gaps = np.diff(times)
    gaps = gaps[(gaps >= DUPLICATE_S) & (gaps <= AUTO_PERIOD_MAX_S)]
    for lag in np.unique(np.round(gaps, 3)):  # a millisecond grid: tolerance is 4.5 ms
        lo = np.searchsorted(times, times + lag - ECHO_SWEEP_TOL_S, side="left")
        hi = np.searchsorted(times, times + lag + ECHO_SWEEP_TOL_S, side="right")
        pairs = [(i, int(lo[i])) for i in np.flatnonzero(hi > lo)]
        sources = sorted({i for i, _ in pairs})
        runs = [r for r in regular_runs([float(times[i]) for i in sources]) if len(r) >= 3]
        if not runs:
            continue
        period = float(np.median(np.diff(times[[sources[k] for k in runs[0]]])))
        if lag > 0.8 * period or abs(lag - period / 2) <= 0.15 * period:
            continue  # not told apart from a burst at twice the rate
        steady = {sources[k] for run in runs for k in run}
        for i, j in pairs:
            # a reflection is weaker than its blast, also in the low band where a blast
            # lives (it shows under a masking crack too); a louder follower is the blast
            low = shots[j].features.band_excess_db[0] <= shots[i].features.band_excess_db[0]
            if i in steady and j not in steady and shots[j].cls == "shot" and low:
                e = shots[j]
                e.cls, e.confidence, e.echo_of = "echo", 0.6, float(times[i])
                e.reasons = e.reasons + [
                    f"a second bang {1000 * lag:.0f} ms after each round of a steady burst "
                    f"(cycle {1000 * period:.0f} ms): a weapon fires once per cycle, so a "
                    "reflection"
                ]


DUPLICATE_S = 0.012  # two shots closer than this are one (no weapon cycles that fast)


def _one_per_blast(events: list[Event]) -> list[Event]:
    """Keep the more confident of two shots within DUPLICATE_S (a blast found both as
    an onset and as one masked behind a crack); the other is no longer a shot."""
    last: Event | None = None
    for e in events:
        if e.cls != "shot":
            continue
        if last is not None and e.t - last.t < DUPLICATE_S:
            drop = e if e.confidence <= last.confidence else last
            drop.cls = "uncertain" if drop.shape != "masked" else "duplicate"
            drop.reasons = drop.reasons + ["same blast as a nearby shot"]
            if drop is last:
                last = e
            continue
        last = e
    return [e for e in events if e.cls != "duplicate"]


def _classify_strong(
    events: list[Event], faint: list[float] | None = None
) -> tuple[list[Event], float | None]:
    mark_echoes(events)
    live = [e for e in events if e.cls != "echo"]
    shapes = [_shape(e) for e in live]
    for e, s in zip(live, shapes, strict=True):
        e.shape = s
    dt = pair_cracks(live, shapes)
    lag = _reflection_lag(live, shapes)
    if dt is not None and lag is not None and lag < 0:
        # the cracks were paired with the blasts' reflections: pair them again with
        # the direct blasts, which come |lag| earlier
        for e in live:
            e.crack_t = None
            if e.cls == "crack":
                e.cls, e.reasons = "uncertain", []
        dt = pair_cracks(live, shapes, force=dt + lag)
        lag = _reflection_lag(live, shapes)
    if lag is not None and lag > 0:
        _mark_reflections(live, shapes, lag)
        live = [e for e in live if e.cls != "echo"]
        shapes = [e.shape for e in live]
    blast_t = [e.t for e, s in zip(live, shapes, strict=True) if s == "blast"]
    runs = [[blast_t[k] for k in run] for run in regular_runs(blast_t)]
    auto = {t for run in runs for t in run}
    for e, s in zip(live, shapes, strict=True):
        if e.cls == "crack":
            continue
        _judge(e, s, e.t in auto)
    _firecracker_strings(live)
    masked = infer_masked_blasts(live, dt, faint)
    _demand_cracks(events, live + masked, dt, runs)
    events = sorted(events + masked, key=lambda e: e.t)
    return events, dt


CRACKED_SHARE = 0.6  # of a volley's shots paired with a crack, for the rule to apply


def _demand_cracks(
    events: list[Event], shots_pool: list[Event], dt: float | None, runs: list[list[float]]
) -> None:
    """In a volley whose rounds bring their cracks, a blast with no onset at all where
    its own crack should be (one crack–thump interval earlier) is not taken for a shot.

    Every supersonic round heard inside the Mach cone has a crack, and cracks are the
    loudest sounds of a volley; a reflection of a blast, δ later, finds no crack δ after
    the real one. Applied only where ≥3 shots and ≥60 % of the volley are crack-paired.
    """
    if dt is None:
        return
    wide = _wide(dt)
    onsets = np.array([e.t for e in events if e.shape == "short" or e.cls == "crack"])
    shots = [e for e in shots_pool if e.cls == "shot"]
    for e in shots:
        if e.crack_t is not None or e.shape != "blast":
            continue
        volley = [s for s in shots if abs(s.t - e.t) <= GROUP_WINDOW_S]
        if _on_cracked_cycle(e.t, [s.t for s in volley if s.crack_t is not None], runs):
            continue
        paired = sum(1 for s in volley if s.crack_t is not None)
        if paired < 3 or paired < CRACKED_SHARE * len(volley):
            continue
        if np.any(np.abs(onsets - (e.t - dt)) <= wide):
            continue
        e.cls, e.confidence = "uncertain", 0.4
        e.reasons = e.reasons + [
            f"no crack {1000 * dt:.0f} ms before it, though its volley's rounds have theirs: "
            "likely a reflection"
        ]


def _on_cracked_cycle(t: float, paired: list[float], runs: list[list[float]]) -> bool:
    """Is `t` one or two cycles of its steady burst from a crack-paired shot?

    Such a blast is a round of the burst whose crack is hidden in another sound (an
    onset arriving within ~10 ms of a louder one is not detected); a reflection keeps
    its reflector's lag from the rounds and falls off their cycle."""
    for run in runs:
        if t not in run:
            continue
        period = float(np.median(np.diff(run)))
        tol = max(0.006, 0.1 * period)
        return any(abs(abs(t - p) - k * period) <= tol for p in paired for k in (1, 2))
    return False


REFLECTION_MAX_S = 0.15
REFLECTION_TOL_S = 0.003


def _loose_lags(live: list[Event], shapes: list[str]) -> tuple[list[float], list[int]]:
    paired = [e.t for e in live if e.crack_t is not None]
    loose = [
        k
        for k, (e, s) in enumerate(zip(live, shapes, strict=True))
        if s == "blast" and e.crack_t is None and e.cls != "crack"
    ]
    lags, who = [], []
    for k in loose:
        for p in paired:
            if 0.003 < abs(live[k].t - p) < REFLECTION_MAX_S:
                lags.append(live[k].t - p)
                who.append(k)
    return lags, who


def _reflection_lag(live: list[Event], shapes: list[str]) -> float | None:
    """The lag of blast-like events without a crack from the shots with one, if one lag
    recurs (≥3 times, for at least half the paired shots) and is not the burst's cycle.

    Every supersonic round has its own crack. Blast-like events without one, at one fixed
    lag after the crack-paired shots, are a reflector's copies of the blasts; at a fixed
    lag *before* them, they are the direct blasts and the pairing took the reflections.
    """
    lags, _ = _loose_lags(live, shapes)
    n_paired = sum(1 for e in live if e.crack_t is not None)
    if len(lags) < 3 or n_paired < 3:
        return None
    arr = np.array(lags)
    support = np.array([np.count_nonzero(np.abs(arr - v) <= REFLECTION_TOL_S) for v in arr])
    shots = sorted(e.t for e in live if e.crack_t is not None)
    cycles = [b - a for a, b in zip(shots, shots[1:], strict=False) if b - a <= 0.2]
    # in a burst a reflection δ after round k is also P − δ before round k + 1: the
    # shorter of the two lags is the reflector's
    for k in np.argsort(np.abs(arr), kind="stable"):
        if support[k] < max(3, 0.5 * n_paired):
            continue
        lag = float(np.median(arr[np.abs(arr - arr[k]) <= REFLECTION_TOL_S]))
        if cycles and _on_rhythm(abs(lag), [float(np.median(cycles))]):
            continue
        return lag
    return None


def _mark_reflections(live: list[Event], shapes: list[str], lag: float) -> None:
    lags, who = _loose_lags(live, shapes)
    for v, k in zip(lags, who, strict=True):
        e = live[k]
        if abs(v - lag) <= REFLECTION_TOL_S and e.cls != "echo":
            e.cls, e.shape, e.confidence = "echo", "echo", 0.7
            e.echo_of = e.t - v
            e.reasons = [
                f"echo: {1000 * v:.1f} ms after a shot with its crack, a lag that recurs; "
                "this blast has no crack of its own"
            ]


CRACK_TILT_MIN_DB = 3.0  # an unpaired pulse must be this bright to be taken for a crack
WEAK_TILT_MAX_DB = -8.0  # a weak onset taken for a blast must be dark, not a crack's echo
BURST_MISSES = 2  # rounds a burst may skip before its extension stops


def expected_blasts(live: list[Event], weak: list[Event], dt: float | None) -> list[Event]:
    """Weak onsets where a shot is expected: a crack's blast, a burst's missing round.

    At low SNR a distant muzzle blast may rise above the street's noise by less than
    the detection threshold, while its bullet's crack (loud, bright) and the burst's
    other rounds were found. Such a blast is taken only at the time they predict: one
    crack–thump interval after an unpaired crack, or one cycle (±10 %) from a burst's
    rounds, and only if it is dark like a blast.
    """
    shots = [e.t for e in live if e.cls == "shot"]
    pool = [w for w in weak if w.features.tilt_db <= WEAK_TILT_MAX_DB]
    new: list[Event] = []

    def take(t: float, tol: float, reason: str, crack: float | None = None) -> float | None:
        near = [w for w in pool if abs(w.t - t) <= tol and w not in new]
        if not near or any(abs(s - t) <= 0.005 for s in shots):
            return None
        w = min(near, key=lambda w: abs(w.t - t))
        if any(abs(s - w.t) <= 0.005 for s in shots):
            return None
        w.cls, w.confidence, w.crack_t, w.reasons = "shot", 0.5, crack, [reason]
        new.append(w)
        shots.append(w.t)
        return w.t

    if dt is not None:
        paired = {e.crack_t for e in live if e.crack_t is not None}
        train = _crack_trains(live)
        for c in live:
            bright = c.shape == "short" and (
                c.features.tilt_db >= CRACK_TILT_MIN_DB or c.t in train
            )
            if c.t in paired or not (c.cls == "crack" or bright):
                continue
            why = f"faint blast one crack–thump interval ({1000 * dt:.0f} ms) after a crack"
            if take(c.t + dt, _wide(dt), why, c.t) is not None and c.cls != "crack":
                c.cls, c.confidence = "crack", 0.6
                c.reasons = [f"bullet shock wave: {1000 * dt:.1f} ms before a faint blast"]
    cracked = {e.t for e in live if e.cls == "shot" and e.crack_t is not None}
    cracked |= {w.t for w in new if w.crack_t is not None}
    crack_like = sorted(e.t for e in live if e.shape == "short" or e.cls == "crack")
    wide = _wide(dt) if dt is not None else 0.0

    def heard(t: float, run: list[float]) -> bool:
        """May a round at t be taken without a crack of its own? Only if its burst's
        rounds do not bring theirs (≥ 60 % crack-paired), or a crack-like onset is
        there one crack–thump interval before it."""
        if dt is None or sum(r in cracked for r in run) < CRACKED_SHARE * len(run):
            return True
        return _any_within(crack_like, t - dt, wide)

    _extend_bursts(sorted(shots), take, heard)
    return new


def _crack_trains(live: list[Event]) -> set[float]:
    """Short pulses that follow one another at a steady cycle (≥4, ≤0.2 s apart).

    An automatic weapon's bullets pass the phone at its cycle, so their cracks keep it
    (to a few per cent: each round passes at its own miss distance); a string of
    firecrackers goes off at random intervals (20–250 ms). Clipping and noise can make
    a crack look dark, but its place in the train still says what it is."""
    shorts = np.array(sorted(e.t for e in live if e.shape == "short" and e.cls != "echo"))
    out: set[float] = set()
    for i, t0 in enumerate(shorts):
        for t1 in shorts[i + 1 :]:
            if t1 - t0 > AUTO_PERIOD_MAX_S:
                break
            if t1 - t0 < 0.04 or t1 in out:
                continue
            chain = _follow_cycle(shorts, [float(t0), float(t1)])
            if len(chain) >= 4:
                out.update(chain)
    return out


AUTO_PERIOD_MAX_S = 0.2
# a crack arrives ≈2.5 ms earlier per metre its bullet passes farther from the phone,
# and the rounds of a burst pass metres apart: cracks keep the cycle to about a fifth
CRACK_CYCLE_TOL = 0.2


def _follow_cycle(times: np.ndarray, chain: list[float]) -> list[float]:
    """Extend `chain` forward by pulses one cycle (±20 %) after its last member; other
    pulses in between (echoes, firecrackers, noise) are passed over."""
    while True:
        period = float(np.median(np.diff(chain)))
        tol = max(0.006, CRACK_CYCLE_TOL * period)
        near = times[np.abs(times - (chain[-1] + period)) <= tol]
        if near.size == 0:
            return chain
        chain.append(float(near[np.argmin(np.abs(near - (chain[-1] + period)))]))


def _extend_bursts(shots: list[float], take: Any, heard: Any) -> None:
    """Look for a burst's rounds one cycle before its first and after its last shot
    (and across skipped rounds), until BURST_MISSES cycles in a row bring nothing.
    In a burst whose rounds bring their cracks, a round is taken only with its crack."""
    for run in regular_runs(shots):
        ts = [shots[k] for k in run]
        period = float(np.median(np.diff(ts)))
        tol = max(0.006, 0.1 * period)
        why = f"faint round on the cycle ({60 / period:.0f} rounds/min) of an automatic burst"
        for start, step in ((ts[-1], period), (ts[0], -period)):
            t, misses = start, 0
            while misses < BURST_MISSES:
                t += step
                got = take(t, tol, why) if heard(t, ts) else None
                if got is None:
                    misses += 1
                else:
                    t, misses = got, 0


MASKED_LF_MARGIN_DB = 6.0


def _blast_low_band(live: list[Event]) -> float:
    """The lowest band's excess (dB) typical of this recording's muzzle blasts.

    One weapon fired from one place gives blasts of one level (±1 dB round to round);
    the crack-paired blast-shaped shots show it, else all blast-shaped shots."""
    paired = [e.features.band_excess_db[0] for e in live if e.cls == "shot" and e.crack_t]
    blasts = [e.features.band_excess_db[0] for e in live if e.cls == "shot"]
    ref = paired or blasts
    return float(np.median(ref)) if ref else -np.inf


def infer_masked_blasts(
    live: list[Event], dt: float | None, faint: list[float] | None = None
) -> list[Event]:
    """Shots whose muzzle blast is buried under another bullet's crack.

    In a burst the crack of a later round can arrive together with the blast of an
    earlier one (when the crack–thump interval is near a multiple of the cycle). Once
    the interval is known from clean pairs, a bright pulse followed, one interval
    later, by an onset that is not already a shot is a crack, and that onset its shot.
    """
    if dt is None:
        return []
    new: list[Event] = []
    shots = sorted(e.t for e in live if e.cls == "shot")
    lf_floor = _blast_low_band(live) - MASKED_LF_MARGIN_DB
    masks: set[float] = set()  # onsets found to be a blast under another round's crack
    times = np.array([o.t for o in live])  # live is in time order
    seen = np.sort(np.asarray(faint if faint else [], dtype=float))
    wide = _wide(dt)
    for e in live:
        crackish = (
            e.cls == "crack"
            or e.t in masks  # it holds a later round's crack as well as its blast
            or (e.shape == "short" and e.features.tilt_db >= CRACK_TILT_MIN_DB)
        )
        if not crackish:
            continue
        tb = e.t + dt
        if _any_within(shots, tb, wide):
            continue  # its blast is there already
        if _any_within(seen, tb, wide):
            continue  # seen faintly where it is: the second pass places it there
        lo, hi = np.searchsorted(times, [tb - wide, tb + wide], side="left")
        near = [
            o
            for o in live[lo:hi]
            if o is not e
            and abs(o.t - tb) <= wide
            and o.cls not in ("teargas",)  # a bang of its own, not a mask
            # a blast under a crack still brings its low-frequency energy, which a bare
            # N-wave lacks: without it the onset is only the other round's crack
            and o.features.band_excess_db[0] >= lf_floor
        ]
        if not near:
            continue
        o = min(near, key=lambda o: abs(o.t - tb))
        if e.cls != "crack":
            e.cls, e.confidence = "crack", 0.6
            e.reasons = [
                f"bright pulse {1000 * dt:.1f} ms (the crack–thump interval) before an onset"
            ]
        shot = Event(o.features, cls="shot", confidence=0.55, crack_t=e.t, shape="masked")
        shot.reasons = [
            "muzzle blast masked by another sound (e.g. a later bullet's crack); placed by "
            f"its crack and the crack–thump interval ({1000 * dt:.1f} ms)"
        ]
        new.append(shot)
        bisect.insort(shots, o.t)
        masks.add(o.t)
    return new


def _any_within(sorted_times: Sequence[float] | np.ndarray, t: float, tol: float) -> bool:
    """Is any of `sorted_times` within `tol` of `t`?"""
    k = bisect.bisect_left(sorted_times, t - tol)
    return k < len(sorted_times) and sorted_times[k] <= t + tol


def _judge(e: Event, shape: str, in_auto: bool) -> None:
    f = e.features
    w = pulse_ms(f)
    if shape == "blast":
        conf = 0.6
        e.reasons = [f"blast-like pulse ({w:.2f} ms, tilt {f.tilt_db:.0f} dB)"]
        if e.crack_t is not None:
            conf += 0.25
            e.reasons.append("preceded by a supersonic crack")
        if in_auto:
            conf += 0.15
            e.reasons.append("in a steady automatic burst")
        if w < SHORT_MAX_MS + 0.15 or w > BLAST_MAX_MS - 0.3:
            conf -= 0.15
            e.reasons.append("width near a class boundary")
        e.cls, e.confidence = ("shot", min(conf, 0.97)) if conf >= 0.5 else ("uncertain", conf)
    elif shape == "thump":
        e.cls, e.confidence = "teargas", 0.6
        e.reasons = [f"long dark thump ({w:.1f} ms, tilt {f.tilt_db:.0f} dB): launcher-like"]
    elif shape == "short":
        e.cls, e.confidence = "uncertain", 0.4
        e.reasons = [
            f"short or bright pulse ({w:.2f} ms, tilt {brightness(f):+.0f} dB): "
            "firecracker or unpaired crack"
        ]
    elif shape == "uncertain":
        e.cls, e.confidence = "uncertain", 0.4
        e.reasons = [f"blast-like width ({w:.2f} ms), tilt between blast and crack"]
    else:
        e.cls, e.confidence = "other", 0.5
        e.reasons = [f"impulsive but not blast-like ({w:.1f} ms)"]


def _firecracker_strings(live: list[Event]) -> None:
    """Short unpaired pulses with another within a second: a firecracker string."""
    shorts = [e for e in live if e.cls == "uncertain" and e.shape == "short"]
    for k, e in enumerate(shorts):
        near = [o for o in shorts[max(0, k - 3) : k + 4] if o is not e and abs(o.t - e.t) < 1.0]
        if near:
            e.cls, e.confidence = "firecracker", 0.7
            e.reasons.append("in an irregular string of short bangs without blasts")
