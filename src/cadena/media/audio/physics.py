"""Outdoor acoustics of gunfire: sound speed, air absorption, blast and N-wave shapes.

Shared by the generator (to make sound) and the analysis (distance from crack–thump).
References are in docs/sound.md.
"""

from __future__ import annotations

import math

import numpy as np

P_ATM = 101_325.0


def speed_of_sound(temperature_c: float) -> float:
    """c = 331.3 + 0.606·T m/s (dry air, linearised; good to ~0.2% for -20..40 °C)."""
    return 331.3 + 0.606 * temperature_c


def crack_thump_distance(dt: float, c: float, v: float) -> float:
    """Distance to the shooter from the crack-to-blast interval `dt` (s).

    D = Δt·c·v/(v−c), for a receiver close to the bullet's path and a bullet of
    constant mean speed v > c. Sound reaches the receiver after D/c, the bullet's
    shock after ≈ D/v, so Δt = D/c − D/v.
    """
    if v <= c:
        raise ValueError(f"bullet speed {v} m/s is not supersonic at c={c:.1f} m/s")
    return dt * c * v / (v - c)


def shock_delay_per_m(c: float, v: float) -> float:
    """Extra delay (s per metre of miss distance) of the crack's first arrival:
    √(1/c² − 1/v²) (Mach-cone geometry; Maher 2006, fig. 1)."""
    return math.sqrt(max(1.0 / c**2 - 1.0 / v**2, 0.0))


def crack_thump_range(dt: float, miss_m: float, c: float, v: float) -> float | None:
    """Distance to the shooter from the crack–thump interval for a receiver `miss_m`
    metres off a straight, constant-speed bullet path.

    Blast: r/c. Crack (first arrival from the Mach cone): x/v + b·√(1/c² − 1/v²) with
    x = √(r² − b²) the receiver's place along the path. Setting their difference to Δt
    and u = Δt + b·√(1/c² − 1/v²) gives (M² − 1)r² − 2Mvu·r + v²u² + b² = 0, M = v/c:

        r = (M·v·u + √(v²u² − (M² − 1)·b²)) / (M² − 1)

    which is D = Δt·c·v/(v − c) at b = 0. None when no geometry gives this Δt (the
    receiver would be outside the Mach cone).
    """
    if v <= c:
        raise ValueError(f"bullet speed {v} m/s is not supersonic at c={c:.1f} m/s")
    m = v / c
    u = dt + miss_m * shock_delay_per_m(c, v)
    disc = v * v * u * u - (m * m - 1.0) * miss_m * miss_m
    if u <= 0 or disc < 0:
        return None
    r = (m * v * u + math.sqrt(disc)) / (m * m - 1.0)
    return r if r > miss_m else None


def miss_from_nwave(
    duration_s: float, mach: float, caliber_m: float, length_m: float, c: float
) -> float:
    """Miss distance b (m) from an N-wave's duration: Whitham's T formula inverted,
    b = (T·c·(M²−1)^(3/8)·l^(1/4) / (1.82·M·d))⁴ (Whitham 1952; Maher 2007)."""
    k = mach * mach - 1.0
    return float((duration_s * c * k**0.375 * length_m**0.25 / (1.82 * mach * caliber_m)) ** 4)


def air_absorption_db_per_m(
    f: np.ndarray, temperature_c: float = 20.0, humidity_pct: float = 50.0
) -> np.ndarray:
    """Atmospheric absorption α(f) in dB/m, ISO 9613-1:1993 (pure-tone formula)."""
    t = temperature_c + 273.15
    t0, t01 = 293.15, 273.16
    pr = 1.0  # pressure ratio p_a / p_r at sea level
    c_sat = -6.8346 * (t01 / t) ** 1.261 + 4.6151
    h = humidity_pct * (10.0**c_sat) / pr
    fr_o = pr * (24.0 + 4.04e4 * h * (0.02 + h) / (0.391 + h))
    fr_n = pr * (t / t0) ** -0.5 * (9.0 + 280.0 * h * math.exp(-4.170 * ((t / t0) ** (-1 / 3) - 1)))
    f2 = np.asarray(f, dtype=np.float64) ** 2
    return (
        8.686
        * f2
        * (
            1.84e-11 / pr * (t / t0) ** 0.5
            + (t / t0) ** -2.5
            * (
                0.01275 * math.exp(-2239.1 / t) / (fr_o + f2 / fr_o)
                + 0.1068 * math.exp(-3352.0 / t) / (fr_n + f2 / fr_n)
            )
        )
    )


def friedlander(t: np.ndarray, t_star: float, decay: float = 1.0) -> np.ndarray:
    """Friedlander blast wave p(t) = (1 − t/t*)·exp(−b·t/t*) for t ≥ 0, 0 before (unit peak)."""
    out = np.zeros_like(t)
    m = t >= 0
    x = t[m] / t_star
    out[m] = (1.0 - x) * np.exp(-decay * x)
    return out


def n_wave(t: np.ndarray, duration: float) -> np.ndarray:
    """Ideal N-wave: jump to +1, linear fall to −1 over `duration`, jump back to 0."""
    out = np.zeros_like(t)
    m = (t >= 0) & (t <= duration)
    out[m] = 1.0 - 2.0 * t[m] / duration
    return out


def whitham_n_wave(
    mach: float, caliber_m: float, length_m: float, miss_m: float, c: float
) -> tuple[float, float]:
    """Peak overpressure (Pa) and duration (s) of a bullet's N-wave at miss distance `miss_m`.

    Whitham (1952) far-field: p = 0.53·P0·(M²−1)^(1/8)·d / (b^(3/4)·l^(1/4)),
    T = 1.82·M·b^(1/4)·d / (c·(M²−1)^(3/8)·l^(1/4)).
    """
    b = max(miss_m, 0.1)
    k = mach * mach - 1.0
    peak = 0.53 * P_ATM * k**0.125 * caliber_m / (b**0.75 * length_m**0.25)
    dur = 1.82 * mach * b**0.25 * caliber_m / (c * k**0.375 * length_m**0.25)
    return peak, dur


def min_phase_filter(magnitude: np.ndarray, n_fft: int) -> np.ndarray:
    """Minimum-phase spectrum (rfft layout) with the given magnitude, via the real cepstrum.

    Minimum phase keeps filtering causal: no pre-ringing that would move onsets earlier.
    """
    logm = np.log(np.maximum(magnitude, 1e-9))
    full = np.concatenate([logm, logm[-2:0:-1]])
    cep = np.fft.ifft(full).real
    fold = np.zeros(n_fft)
    fold[0] = 1.0
    fold[1 : n_fft // 2] = 2.0
    fold[n_fft // 2] = 1.0
    return np.exp(np.fft.rfft(cep * fold))


def propagation_filter(
    n_fft: int, rate: int, distance_m: float, temperature_c: float, humidity_pct: float
) -> np.ndarray:
    """Spherical spreading (1/r, re 1 m) and air absorption over `distance_m`, min-phase."""
    f = np.fft.rfftfreq(n_fft, 1.0 / rate)
    att_db = air_absorption_db_per_m(f, temperature_c, humidity_pct) * distance_m
    mag = 10 ** (-att_db / 20.0) / max(distance_m, 1.0)
    return min_phase_filter(mag, n_fft)
