"""A documented physical-model generator of labelled gunfire recordings.

Not a sample player: every sound is computed from a model of its source and its path
(docs/sound.md lists the model and its references):

- muzzle blast: Friedlander wave (peak and positive-phase duration per weapon class),
  directivity, spherical spreading and ISO 9613-1 air absorption over the path;
- supersonic bullets: Whitham N-wave (peak and duration at the miss distance b) at the
  Mach-cone first-arrival time x/v + b·√(1/c² − 1/v²), so that the crack precedes the
  blast by Δt = D/c − D/v on the line of fire and by less off it (Whitham 1952;
  Maher 2006); the estimator (distance.py) is not used here;
- image sources for the ground and for a wall near the microphone, and a diffuse tail;
- crowd babble, shouting, sirens and traffic as background at a chosen SNR;
- firecrackers (short Friedlander pulses in irregular strings), tear-gas launcher
  thumps (slow-rising, long pulse, subsonic) with the canister's hiss, door slams;
- a phone: clipping at a chosen level and a low-bitrate codec (AAC, Opus, AMR) through
  PyAV, decoded back and time-aligned so the labels stay exact.

Every recording comes with its labels: what happened, when it arrives at the
microphone, from how far, the bullet speed, and the recording's start in scene time
(so several microphones of one scene carry known offsets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from cadena.media.audio.encode import codec_roundtrip, write_aac_mp4
from cadena.media.audio.physics import (
    friedlander,
    n_wave,
    propagation_filter,
    speed_of_sound,
    whitham_n_wave,
)
from cadena.media.audio.weapons import SourceClass, other_sources, weapon_classes

SNR_WINDOW_S = 0.1  # shot energy is measured over 100 ms after the blast arrives


@dataclass
class Emission:
    """One sound made at a place and time of the scene."""

    kind: str  # shot | firecracker | teargas | slam
    t: float  # scene time, s
    position: np.ndarray
    peak_pa_1m: float
    t_star_s: float
    source: str  # weapon class or other-source key
    aim: np.ndarray | None = None  # unit vector of the line of fire (shots)
    bullet_speed_ms: float | None = None
    caliber_m: float = 0.0
    length_m: float = 0.0
    rise_s: float = 0.0
    burst: int = -1


@dataclass
class Label:
    """What a microphone hears of one emission (times are recording times, s)."""

    kind: str
    t: float  # arrival of the direct blast / bang
    distance_m: float
    source: str
    crack_t: float | None = None
    bullet_speed_ms: float | None = None
    burst: int = -1
    emission: int = -1  # index in Scene.emissions (the same sound across microphones)
    miss_m: float | None = None  # how far the bullet's path passed the microphone


@dataclass
class Mic:
    """A recording phone: where it is, when it records, and what it does to the sound."""

    position: np.ndarray
    start_s: float = 0.0
    duration_s: float = 10.0
    rate: int = 48_000
    wall_distance_m: float | None = 6.0  # a façade this far behind the phone (x direction)
    wall_coeff: float = 0.7
    ground_coeff: float = 0.8
    reverb_db: float = -16.0  # diffuse tail energy relative to the direct blast
    rt60_s: float = 0.6
    snr_db: float | None = 10.0
    sirens: bool = True
    shouting: bool = True
    clip_db: float | None = None  # clip this many dB below the median shot peak
    codec: tuple[str, int] | None = None  # e.g. ("aac", 32000)


@dataclass
class Scene:
    emissions: list[Emission]
    temperature_c: float = 20.0
    humidity_pct: float = 50.0


@dataclass
class Recording:
    """A generated recording with its labels."""

    audio: np.ndarray
    rate: int
    labels: list[Label]
    start_s: float
    temperature_c: float
    info: dict[str, object] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Label]:
        return [lab for lab in self.labels if lab.kind == kind]


# --- sources ---------------------------------------------------------------------------


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(lo_hi[0], lo_hi[1]))


def shot(
    rng: np.random.Generator,
    cls: SourceClass,
    t: float,
    position: np.ndarray,
    aim: np.ndarray,
    burst: int = -1,
    speed_ms: float | None = None,
    weapon: tuple[float, float] | None = None,
) -> Emission:
    """One round fired by a weapon of class `cls` along `aim`.

    `weapon` = (peak Pa at 1 m, positive phase s) of this particular weapon and load;
    rounds from one weapon vary around it by ±1 dB and ±5 %.
    """
    peak, t_star = weapon if weapon is not None else weapon_sample(rng, cls)
    return Emission(
        kind="shot",
        t=t,
        position=np.asarray(position, float),
        peak_pa_1m=peak * 10 ** (rng.uniform(-1, 1) / 20),
        t_star_s=t_star * rng.uniform(0.95, 1.05),
        source=cls.key,
        aim=np.asarray(aim, float) / np.linalg.norm(aim),
        bullet_speed_ms=speed_ms
        if speed_ms is not None
        else _u(rng, cls.bullet_speed_ms or (0, 0)),
        caliber_m=(cls.caliber_mm or 7.0) / 1000.0,
        length_m=(cls.bullet_length_mm or 25.0) / 1000.0,
        burst=burst,
    )


def weapon_sample(rng: np.random.Generator, cls: SourceClass) -> tuple[float, float]:
    """One weapon of the class: its blast peak at 1 m (Pa) and positive phase (s)."""
    return _u(rng, cls.blast_peak_pa_1m), _u(rng, cls.positive_phase_ms) / 1000.0


def burst_times(
    rng: np.random.Generator, t0: float, n: int, rate_rpm: float, jitter: float = 0.01
) -> list[float]:
    """Emission times of an automatic burst at `rate_rpm` with small cycle-to-cycle jitter."""
    period = 60.0 / rate_rpm
    steps = period * (1.0 + jitter * rng.standard_normal(max(n - 1, 0)))
    return [t0] + list(t0 + np.cumsum(steps))


def firecracker_string(
    rng: np.random.Generator, t0: float, position: np.ndarray, n: int
) -> list[Emission]:
    """A string of `n` firecrackers: short bangs at irregular intervals (20–250 ms)."""
    cls = other_sources()["firecracker"]
    peak = _u(rng, cls.blast_peak_pa_1m)
    times = t0 + np.concatenate([[0.0], np.cumsum(rng.uniform(0.02, 0.25, n - 1))])
    return [
        Emission(
            kind="firecracker",
            t=float(t),
            position=np.asarray(position, float) + rng.uniform(-0.5, 0.5, 3) * [1, 1, 0],
            peak_pa_1m=peak * 10 ** (rng.uniform(-6, 3) / 20),
            t_star_s=_u(rng, cls.positive_phase_ms) / 1000.0,
            source="firecracker",
        )
        for t in times
    ]


def teargas_launch(rng: np.random.Generator, t: float, position: np.ndarray) -> Emission:
    """A 37/40 mm launcher's thump: low pressure, slow rise, long positive phase."""
    cls = other_sources()["teargas_launcher"]
    return Emission(
        kind="teargas",
        t=t,
        position=np.asarray(position, float),
        peak_pa_1m=_u(rng, cls.blast_peak_pa_1m),
        t_star_s=_u(rng, cls.positive_phase_ms) / 1000.0,
        rise_s=_u(rng, cls.rise_ms or (1.0, 1.0)) / 1000.0,
        source="teargas_launcher",
    )


def slam(rng: np.random.Generator, t: float, position: np.ndarray) -> Emission:
    """A door or shutter slam: band-limited bang with a millisecond rise."""
    return Emission(
        kind="slam",
        t=t,
        position=np.asarray(position, float),
        peak_pa_1m=float(rng.uniform(30, 150)),
        t_star_s=float(rng.uniform(4e-3, 10e-3)),
        rise_s=float(rng.uniform(1e-3, 3e-3)),
        source="slam",
    )


# --- propagation -----------------------------------------------------------------------


def _images(mic: Mic, src: np.ndarray | None = None) -> list[tuple[np.ndarray, float]]:
    """Receiver image positions and their reflection coefficients (image-source method).

    The façade reflects only sources on the phone's side of it; a source beyond it
    is taken to be heard past the façade's end, without a reflection.
    """
    p = np.asarray(mic.position, float)
    ground = p * [1, 1, -1]
    out = [(p, 1.0), (ground, mic.ground_coeff)]
    wx = p[0] + (mic.wall_distance_m or 0.0)
    if mic.wall_distance_m is not None and (src is None or src[0] < wx):
        # façade is the plane x = p.x + wall_distance: mirror the receiver across it
        wall = p.copy()
        wall[0] = 2 * wx - p[0]
        out.append((wall, mic.wall_coeff))
        out.append((wall * [1, 1, -1], mic.wall_coeff * mic.ground_coeff))
    return out


def crack_geometry(
    src: np.ndarray, aim: np.ndarray, rx: np.ndarray, v: float, c: float, reach_m: float = 1200.0
) -> tuple[float, float, float] | None:
    """First arrival of a bullet's shock at `rx`: (delay after firing, miss distance, path).

    Constant-speed bullet along `aim`; the shock heard at rx left the trajectory where
    the ray meets it at the Mach angle: t = x/v + b·sqrt(1/c² − 1/v²). None when rx lies
    outside the Mach cone (behind the shooter, or past the bullet's reach).
    """
    s = emission_distance(src, aim, rx, v, c)
    if s is None or s < 0.5 or s > reach_m:
        return None
    d = rx - src
    x = float(d @ aim)
    b = float(np.linalg.norm(d - x * aim))
    path = float(np.hypot(x - s, b))
    return x / v + b * np.sqrt(1 / c**2 - 1 / v**2), b, path


def emission_distance(
    src: np.ndarray, aim: np.ndarray, rx: np.ndarray, v: float, c: float
) -> float | None:
    """How far along the trajectory the shock heard at `rx` was emitted (None if subsonic)."""
    if v <= c:
        return None
    d = rx - src
    x = float(d @ aim)
    b = float(np.linalg.norm(d - x * aim))
    return x - b * c / np.sqrt(v * v - c * c)


def _reflects(em: Emission, rx: np.ndarray, mic: Mic, v: float, c: float) -> bool:
    """Whether the reflectors that make receiver image `rx` can reflect this bullet's shock.

    The shock reaches the image from the point of the trajectory where it was emitted, and a
    wall or the ground reflects only what is emitted on the phone's side of it: a bullet past
    the end of the façade (beyond the wall's plane) is heard directly, not in the façade.
    """
    p = np.asarray(mic.position, float)
    assert em.aim is not None
    s = emission_distance(em.position, em.aim, rx, v, c)
    if s is None:
        return False
    emitted = em.position + s * em.aim
    if not np.isclose(rx[0], p[0]) and emitted[0] >= p[0] + (mic.wall_distance_m or 0.0):
        return False
    return bool(np.isclose(rx[2], p[2]) or emitted[2] > 0)


#: Samples of a crack's pulse before its arrival (the anti-alias filter rings ahead of a jump).
CRACK_LEAD = 12
_OVERSAMPLE = 16


def _pulse(em: Emission, frac: float, rate: int, kind: str, nwave_dur: float = 0.0) -> np.ndarray:
    if kind == "crack":
        # Sampled as a recorder does, through an anti-alias filter: point samples would put
        # both jumps on the sample grid and make every N-wave a whole number of samples long.
        n = int(max(nwave_dur * 4, 0.004) * rate) + 8
        t = (np.arange(-CRACK_LEAD * _OVERSAMPLE, n * _OVERSAMPLE) / _OVERSAMPLE - frac) / rate
        return resample_poly(n_wave(t, nwave_dur), 1, _OVERSAMPLE)
    n = int(max(em.t_star_s * 30, 0.03) * rate)
    t = (np.arange(n) - frac) / rate
    p = friedlander(t, em.t_star_s, decay=1.2)
    if em.rise_s > 0:
        p *= 1.0 - np.exp(-np.maximum(t, 0) / em.rise_s)
    if em.kind == "slam":
        p *= np.cos(2 * np.pi * 900 * np.maximum(t, 0))  # a panel's ringing
    return p


def _add(
    buf: np.ndarray, arrival_s: float, shape: np.ndarray, filt_dist: float, scene: Scene, rate: int
) -> None:
    """Add `shape` (already at unit peak, sub-sample aligned) after air propagation."""
    i0 = int(np.floor(arrival_s * rate))
    n_fft = 1 << int(np.ceil(np.log2(2 * shape.size)))
    h = propagation_filter(n_fft, rate, filt_dist, scene.temperature_c, scene.humidity_pct)
    y = np.fft.irfft(np.fft.rfft(shape, n_fft) * h, n_fft)[: shape.size] * filt_dist
    lo, hi = max(i0, 0), min(i0 + y.size, buf.size)
    if hi > lo:
        buf[lo:hi] += y[lo - i0 : hi - i0]


def _render_emission(
    em: Emission,
    mic: Mic,
    scene: Scene,
    buf: np.ndarray,
    crack_buf: np.ndarray,
    rng: np.random.Generator,
) -> Label | None:
    c = speed_of_sound(scene.temperature_c)
    rate = mic.rate
    direct = float(np.linalg.norm(mic.position - em.position))
    label = Label(
        kind=em.kind,
        t=em.t + direct / c - mic.start_s,
        distance_m=direct,
        source=em.source,
        bullet_speed_ms=em.bullet_speed_ms,
        burst=em.burst,
    )
    for rx, coeff in _images(mic, em.position):
        r = float(np.linalg.norm(rx - em.position))
        gain = coeff * em.peak_pa_1m * _directivity(em, rx) / max(r, 1.0)
        arrival = em.t + r / c - mic.start_s
        frac = arrival * rate - np.floor(arrival * rate)
        _add(buf, arrival, gain * _pulse(em, frac, rate, "blast"), r, scene, rate)
        if em.kind == "shot" and em.aim is not None and em.bullet_speed_ms:
            crack = _render_crack(em, rx, coeff, c, crack_buf, mic, scene)
            if crack is not None and coeff == 1.0:
                label.crack_t, label.miss_m = crack
    _add_tail(em, mic, label.t, direct, buf, rng, scene)
    if label.t < 0 or label.t > buf.size / rate:
        return None
    return label


def _render_crack(
    em: Emission, rx: np.ndarray, coeff: float, c: float, buf: np.ndarray, mic: Mic, scene: Scene
) -> tuple[float, float] | None:
    """Add the bullet's N-wave heard at `rx`; its arrival (recording time) and miss distance."""
    assert em.aim is not None and em.bullet_speed_ms is not None
    geo = crack_geometry(em.position, em.aim, rx, em.bullet_speed_ms, c)
    if geo is None or not _reflects(em, rx, mic, em.bullet_speed_ms, c):
        return None
    delay, miss, path = geo
    peak, dur = whitham_n_wave(em.bullet_speed_ms / c, em.caliber_m, em.length_m, miss, c)
    arrival = em.t + delay - mic.start_s
    frac = arrival * mic.rate - np.floor(arrival * mic.rate)
    # Whitham's peak is already the pressure at miss distance b (cylindrical spreading
    # and the N-wave's nonlinear stretching included): no further 1/r here; only the
    # air absorption over the ray's path is applied (_add undoes its own 1/r)
    shape = coeff * peak * _pulse(em, frac, mic.rate, "crack", dur)
    start = (np.floor(arrival * mic.rate) - CRACK_LEAD + 0.5) / mic.rate  # the filter's lead-in
    _add(buf, start, shape, path, scene, mic.rate)
    return arrival, miss


def _directivity(em: Emission, rx: np.ndarray) -> float:
    """Muzzle blast is louder ahead of the muzzle: 0 dB forward, −10 dB behind."""
    if em.aim is None:
        return 1.0
    d = rx - em.position
    cos = float(d @ em.aim / max(np.linalg.norm(d), 1e-9))
    return float(10 ** (-5.0 * (1.0 - cos) / 20.0))


def _add_tail(
    em: Emission,
    mic: Mic,
    t: float,
    r: float,
    buf: np.ndarray,
    rng: np.random.Generator,
    scene: Scene,
) -> None:
    """Diffuse reverberation of the street: decaying noise, darker than the direct sound."""
    rate = mic.rate
    n = int(mic.rt60_s * rate)
    i0 = int((t + 0.004) * rate)
    if n <= 0 or i0 >= buf.size or i0 + n <= 0:
        return
    env = np.exp(-6.9 * np.arange(n) / n)  # −60 dB over rt60
    tail = rng.standard_normal(n) * env
    # energy of the direct pulse, to set the tail's level relative to it
    e_direct = (em.peak_pa_1m * _directivity(em, mic.position) / max(r, 1.0)) ** 2 * em.t_star_s
    scale = np.sqrt(e_direct * 10 ** (mic.reverb_db / 10) / (np.sum(env**2) / rate))
    spec = np.fft.rfft(tail)
    f = np.fft.rfftfreq(n, 1 / rate)
    spec /= np.sqrt(1 + (f / 2500.0) ** 2)  # walls and distance take the highs
    tail = np.fft.irfft(spec, n) * scale
    lo, hi = max(i0, 0), min(i0 + n, buf.size)
    buf[lo:hi] += tail[lo - i0 : hi - i0]


# --- background ------------------------------------------------------------------------


def _shaped_noise(
    rng: np.random.Generator, n: int, rate: int, shape: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    spec *= shape(np.fft.rfftfreq(n, 1 / rate))
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


def _slow_envelope(rng: np.random.Generator, n: int, rate: int, hz: float) -> np.ndarray:
    m = max(int(n * hz * 2 / rate) + 2, 2)
    pts = rng.uniform(0.2, 1.0, m)
    return np.interp(np.linspace(0, m - 1, n), np.arange(m), pts)


def _resonance(fc: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda f: 1 / (1 + ((f - fc) / (0.8 * fc)) ** 2)


def crowd(rng: np.random.Generator, n: int, rate: int, voices: int = 6) -> np.ndarray:
    """Babble: speech-shaped noise in a few voices, each with a syllabic (~4 Hz) envelope."""
    out = np.zeros(n)
    for _ in range(voices):
        fc = rng.uniform(300, 1500)
        voice = _shaped_noise(rng, n, rate, _resonance(float(fc)))
        out += voice * _slow_envelope(rng, n, rate, rng.uniform(3, 6))
    return out / np.sqrt(voices)


def shouting(rng: np.random.Generator, n: int, rate: int, count: int) -> np.ndarray:
    """Shouts and chants: harmonic voices with pitch movement, 40–100 ms attacks."""
    out = np.zeros(n)
    for _ in range(count):
        dur = rng.uniform(0.4, 1.5)
        m = int(dur * rate)
        i0 = int(rng.uniform(0, max(n - m, 1)))
        t = np.arange(m) / rate
        f0 = rng.uniform(180, 450) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        formant = rng.uniform(600, 1200)
        v = sum(
            np.sin(k * phase) / (1 + ((k * f0.mean() - formant) / 500) ** 2) for k in range(1, 13)
        )
        attack = rng.uniform(0.04, 0.1)
        env = np.minimum(1, t / attack) * np.minimum(1, (dur - t) / 0.1)
        seg = v * env * rng.uniform(1.0, 3.0) / np.sqrt(np.mean(v**2) + 1e-12)
        end = min(i0 + m, n)
        out[i0:end] += seg[: end - i0]
    return out


def siren(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A police siren, wail (slow sweep) or yelp (fast sweep), odd harmonics."""
    t = np.arange(n) / rate
    period = rng.uniform(3, 6) if rng.random() < 0.5 else rng.uniform(0.25, 0.4)
    f = 650 + 425 * (1 + np.sin(2 * np.pi * t / period + rng.uniform(0, 6.28)))
    phase = 2 * np.pi * np.cumsum(f) / rate
    x = np.sin(phase) + np.sin(3 * phase) / 3 + np.sin(5 * phase) / 5
    fade = np.clip(np.minimum(t / 1.0, (t[-1] - t) / 1.0), 0, 1) if n > 1 else 1.0
    return x * fade


def traffic(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Engines and wind: brown-ish rumble."""
    return _shaped_noise(rng, n, rate, lambda f: 1 / (1 + (f / 150.0)))


def background(rng: np.random.Generator, mic: Mic) -> np.ndarray:
    n = int(mic.duration_s * mic.rate)
    x = crowd(rng, n, mic.rate) + 0.5 * traffic(rng, n, mic.rate)
    if mic.shouting:
        x += shouting(rng, n, mic.rate, count=int(mic.duration_s / 2) + 1)
    if mic.sirens and rng.random() < 0.7:
        x += rng.uniform(0.5, 2.0) * siren(rng, n, mic.rate)
    return x


# --- a recording -----------------------------------------------------------------------


def render(scene: Scene, mic: Mic, rng: np.random.Generator) -> Recording:
    """What `mic` records of `scene`: events, background at the SNR, clipping, codec."""
    n = int(mic.duration_s * mic.rate)
    events = np.zeros(n)
    shots_only = np.zeros(n)  # muzzle blasts with their reflections and tails
    cracks = np.zeros(n)
    labels: list[Label] = []
    for k, em in enumerate(scene.emissions):
        target = shots_only if em.kind == "shot" else events
        lab = _render_emission(em, mic, scene, target, cracks, rng)
        if lab is not None:
            lab.emission = k
            labels.append(lab)
    labels.sort(key=lambda lab: lab.t)
    shot_t = [lab.t for lab in labels if lab.kind == "shot"]
    signal = shots_only + events + cracks
    noise_gain = 0.0
    if mic.snr_db is not None:
        bg = background(rng, mic)
        ref = shot_t or [lab.t for lab in labels]
        ref_buf = shots_only if shot_t else events
        noise_gain = _noise_gain(ref_buf, bg, ref, mic.rate, mic.snr_db)
        signal = signal + noise_gain * bg
    audio = _to_digital(signal, shots_only, shot_t, mic)
    if mic.codec is not None:
        audio = codec_roundtrip(audio, mic.rate, mic.codec[0], mic.codec[1])
    info: dict[str, object] = {
        "snr_db": mic.snr_db,
        "clip_db": mic.clip_db,
        "codec": mic.codec,
        "clipped_fraction": float(np.mean(np.abs(audio) >= 0.98)),
    }
    return Recording(audio, mic.rate, labels, mic.start_s, scene.temperature_c, info)


def _noise_gain(
    ref_buf: np.ndarray, bg: np.ndarray, times: list[float], rate: int, snr_db: float
) -> float:
    """Scale for the background so that blast energy over 100 ms / noise energy = SNR.

    The reference is the muzzle blast (with its reflections and tail), not the bullet's
    crack, which near the line of fire is often far louder than a distant blast.
    """
    w = int(SNR_WINDOW_S * rate)
    energies = [
        float(np.sum(ref_buf[int(t * rate) : int(t * rate) + w] ** 2))
        for t in times
        if 0 <= t * rate < ref_buf.size
    ]
    p_noise = float(np.mean(bg**2)) * w
    if not energies or p_noise <= 0:
        return 1.0
    return float(np.sqrt(np.mean(energies) / (p_noise * 10 ** (snr_db / 10))))


def _to_digital(
    signal: np.ndarray, shots_only: np.ndarray, shot_t: list[float], mic: Mic
) -> np.ndarray:
    peak = float(np.max(np.abs(signal))) if signal.size else 0.0
    if peak == 0.0:
        return signal.astype(np.float32)
    if mic.clip_db is not None and shot_t:
        w = int(0.01 * mic.rate)
        peaks = [
            np.max(np.abs(shots_only[int(t * mic.rate) : int(t * mic.rate) + w]))
            for t in shot_t
            if 0 <= int(t * mic.rate) < shots_only.size - 1
        ]
        clip_level = float(np.median(peaks)) * 10 ** (mic.clip_db / 20)
        return np.clip(signal / clip_level, -1.0, 1.0).astype(np.float32)
    return (signal * (0.9 / peak)).astype(np.float32)


# --- ready-made scenes -----------------------------------------------------------------


@dataclass
class SceneSpec:
    """Knobs of a random protest scene (every one randomised within a stated range)."""

    duration_s: float = 10.0
    weapon: str = "rifle_762x39"
    distance_m: tuple[float, float] = (30.0, 300.0)
    volleys: int = 3
    automatic: float = 0.5  # probability that a volley is an automatic burst
    firecrackers: int = 0  # strings of firecrackers
    teargas: int = 0
    slams: int = 0
    aim_miss_m: tuple[float, float] = (2.0, 15.0)  # how far the line of fire passes the mic
    temperature_c: tuple[float, float] = (5.0, 35.0)


def random_scene(rng: np.random.Generator, spec: SceneSpec) -> tuple[Scene, Mic]:
    """A protest scene around one phone at the origin: gunfire and the chosen distractors."""
    temp = _u(rng, spec.temperature_c)
    mic = Mic(position=np.array([0.0, 0.0, 1.5]), duration_s=spec.duration_s)
    mic.wall_distance_m = float(rng.uniform(3, 15)) if rng.random() < 0.7 else None
    mic.rt60_s = float(rng.uniform(0.3, 1.0))
    mic.reverb_db = float(rng.uniform(-22, -12))
    emissions = _gunfire(rng, spec, mic.position)
    emissions += _distractors(rng, spec)
    return Scene(emissions, temperature_c=temp), mic


def _gunfire(rng: np.random.Generator, spec: SceneSpec, mic_pos: np.ndarray) -> list[Emission]:
    cls = weapon_classes()[spec.weapon]
    dist = _u(rng, spec.distance_m)
    ang = rng.uniform(0, 2 * np.pi)
    src = mic_pos + np.array([dist * np.cos(ang), dist * np.sin(ang), 0.0])
    # aim past the microphone, missing it sideways by a few metres
    to_mic = mic_pos - src
    side = np.array([-to_mic[1], to_mic[0], 0.0]) / np.linalg.norm(to_mic[:2])
    aim = to_mic + side * _u(rng, spec.aim_miss_m) * rng.choice([-1, 1])
    speed = _u(rng, cls.bullet_speed_ms or (0, 0))
    weapon = weapon_sample(rng, cls)
    out: list[Emission] = []
    slot = (spec.duration_s - 2.0) / max(spec.volleys, 1)
    for k in range(spec.volleys):
        t0 = 0.5 + k * slot + rng.uniform(0, slot * 0.3)
        if rng.random() < spec.automatic:
            rpm = _u(rng, cls.cyclic_rate_rpm or (600, 900))
            n = int(rng.integers(3, 12))
            n = min(n, int((slot * 0.65) / (60 / rpm)))
            times = burst_times(rng, t0, max(n, 3), rpm)
        else:
            n = int(rng.integers(1, 4))
            times = list(t0 + np.cumsum(np.concatenate([[0], rng.uniform(0.35, 0.9, n - 1)])))
        for t in times:
            jitter = rng.normal(0, 0.01, 3) * [1, 1, 0]  # muzzle climbs and wanders a little
            out.append(shot(rng, cls, float(t), src, aim + jitter * dist, k, speed, weapon))
    return out


def _distractors(rng: np.random.Generator, spec: SceneSpec) -> list[Emission]:
    out: list[Emission] = []

    def where(lo: float, hi: float) -> np.ndarray:
        r, a = rng.uniform(lo, hi), rng.uniform(0, 2 * np.pi)
        return np.array([r * np.cos(a), r * np.sin(a), 0.2])

    for _ in range(spec.firecrackers):
        t0 = rng.uniform(0.3, spec.duration_s - 2.0)
        out += firecracker_string(rng, t0, where(5, 80), int(rng.integers(1, 12)))
    for _ in range(spec.teargas):
        out.append(teargas_launch(rng, rng.uniform(0.3, spec.duration_s - 1), where(20, 150)))
    for _ in range(spec.slams):
        out.append(slam(rng, rng.uniform(0.3, spec.duration_s - 1), where(3, 30)))
    return out


def multi_mic_scene(
    rng: np.random.Generator,
    n_mics: int = 3,
    duration_s: float = 12.0,
    spread_m: float = 60.0,
    weapon: str = "rifle_762x39",
    codec: tuple[str, int] | None = ("aac", 48000),
) -> tuple[Scene, list[Mic]]:
    """Several phones at different places filming one moment, each starting at its own time.

    Mic k starts `start_s` seconds into the scene; the true offset between recordings
    i and j is start_j − start_i (plus, for any one sound, the difference in its travel times).
    """
    spec = SceneSpec(duration_s=duration_s + 6.0, weapon=weapon, volleys=4, firecrackers=1)
    scene, _ = random_scene(rng, spec)
    mics = []
    for _ in range(n_mics):
        pos = np.array([*rng.uniform(-spread_m / 2, spread_m / 2, 2), 1.5])
        mic = Mic(
            position=pos,
            start_s=float(rng.uniform(0.0, 5.0)),
            duration_s=duration_s,
            wall_distance_m=float(rng.uniform(3, 15)) if rng.random() < 0.6 else None,
            snr_db=float(rng.uniform(0, 15)),
            clip_db=float(rng.uniform(-12, 0)) if rng.random() < 0.5 else None,
            codec=codec,
        )
        mics.append(mic)
    return scene, mics


def phone_files(
    folder: Path, stem: str, scene: Scene, mics: list[Mic], rng: np.random.Generator
) -> tuple[list[Recording], list[Path]]:
    """What each phone of a multi-phone scene records, written as AAC in MP4 files
    `<stem><k>.m4a` in `folder` (as a phone or a messaging app would keep it)."""
    recs = [render(scene, m, rng) for m in mics]
    paths = [folder / f"{stem}{k}.m4a" for k in range(len(recs))]
    for rec, path in zip(recs, paths, strict=True):
        write_aac_mp4(path, rec.audio, rec.rate, bitrate=48_000)
    return recs, paths


def gunfire_soundtrack(
    seed: int,
    duration_s: float = 10.0,
    rate: int = 48_000,
    weapon: str = "rifle_762x39",
    snr_db: float = 10.0,
) -> Recording:
    """A labelled protest soundtrack with gunfire, for demos and examples (mono float32).

    Deterministic for a seed; `Recording.of_kind("shot")` lists what a count should find.
    """
    rng = np.random.default_rng(seed)
    spec = SceneSpec(duration_s=duration_s, weapon=weapon, volleys=max(1, int(duration_s / 4)))
    scene, mic = random_scene(rng, spec)
    mic.rate, mic.snr_db = rate, snr_db
    return render(scene, mic, rng)
