"""Bursts and rate of fire: the shots of a recording grouped into automatic bursts on a
steady cycle, and groups of single shots (used by shots.analyse)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GROUP_GAP_S = 1.0
AUTO_MAX_PERIOD_S = 0.2
GRID_TOL = 0.2  # a round is on its burst's cycle within 20 % of it (blasts placed ±2–3 ms)
MAX_SKIP = 3  # missed rounds in a row that still leave one burst
ALT_MIN_DB = 1.0  # a return weaker than its round (façade loss, longer path)
ALT_MIN_PAIRS = 4


@dataclass
class Burst:
    start: float
    end: float
    shots: int
    rate_rpm: float | None
    mode: str  # single | automatic


def bursts(
    shot_times: list[float], sure: list[bool] | None = None, level_db: list[float] | None = None
) -> list[Burst]:
    """Automatic bursts (≥3 rounds on a steady cycle ≤0.2 s) and groups of single shots.

    `sure[k]` says shot k is crack-paired (its bullet's crack was found before it). Where
    a burst has ≥3 such rounds its cycle is read from them alone: a façade can return
    each blast about half a cycle later, dark and uncracked like a blast, and those
    returns would otherwise double the rate. Missed rounds count as whole cycles (up to
    MAX_SKIP in a row), so a burst with a hole is neither split nor slowed. `level_db[k]`
    (the onset's energy) tells such returns where they were crack-paired as well: every
    other round of the run markedly weaker than the one before it (_alternating).
    """
    order = sorted(range(len(shot_times)), key=lambda k: shot_times[k])
    times = [float(shot_times[k]) for k in order]
    flags = [True if sure is None else bool(sure[k]) for k in order]
    levels = None if level_db is None else [float(level_db[k]) for k in order]
    out: list[Burst] = []
    loose: list[int] = []
    for cluster in _clusters(times, MAX_SKIP * AUTO_MAX_PERIOD_S):
        rest = cluster
        while (fit := _steady_chain(times, flags, rest, levels)) is not None:
            chain, cycles = fit
            first = times[chain[0]]
            if levels is not None:
                chain, cycles = _alternating(times, levels, chain, cycles)
            t0, t1 = times[chain[0]], times[chain[-1]]
            period = (t1 - t0) / cycles
            inside = [k for k in rest if first <= times[k] <= t1 + (1 - GRID_TOL) * period]
            end = times[inside[-1]]
            out.append(Burst(first, end, len(inside), 60.0 / period, "automatic"))
            rest = [k for k in rest if k not in inside]
        loose += rest
    single: list[float] = []
    for t in sorted(times[k] for k in loose):
        if single and t - single[-1] > GROUP_GAP_S:
            out.append(_single_burst(single))
            single = []
        single.append(t)
    if single:
        out.append(_single_burst(single))
    return sorted(out, key=lambda b: b.start)


def _alternating(
    times: list[float], levels: list[float], chain: list[int], cycles: int
) -> tuple[list[int], int]:
    """The louder half of a run whose every other round is a weaker return, else the run.

    A façade return about half a cycle after each round, crack-paired by chance like the
    direct blast, makes a burst look twice as fast. A weapon's rounds do not alternate in
    level; direct sound and its return do, the return second and weaker: where each of
    ≥ ALT_MIN_PAIRS one-cycle neighbours has its even-indexed round (the run's first is
    direct) ≥ ALT_MIN_DB louder, those rounds are the burst, at twice the cycle. (A masked
    blast, holding a later crack, makes a genuine run zigzag too, but not at every pair.)"""
    period = (times[chain[-1]] - times[chain[0]]) / cycles
    if 2 * period > AUTO_MAX_PERIOD_S:
        return chain, cycles
    index = [round((times[k] - times[chain[0]]) / period) for k in chain]
    at = dict(zip(index, chain, strict=True))
    pairs = [i for i in index if i + 1 in at]
    # > 0 where the even-indexed round of the pair is the louder
    signed = [(levels[at[i]] - levels[at[i + 1]]) * (1 if i % 2 == 0 else -1) for i in pairs]
    if len(signed) >= ALT_MIN_PAIRS and min(signed) >= ALT_MIN_DB:
        kept = [k for i, k in zip(index, chain, strict=True) if i % 2 == 0]
        if len(kept) >= 3:
            return kept, round((times[kept[-1]] - times[kept[0]]) / (2 * period))
    return chain, cycles


def _clusters(times: list[float], gap: float) -> list[list[int]]:
    """Indices of sorted times, split where two successive times are more than `gap` apart."""
    out: list[list[int]] = []
    for k, t in enumerate(times):
        if out and t - times[out[-1][-1]] <= gap:
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _steady_chain(
    times: list[float], flags: list[bool], idx: list[int], levels: list[float] | None = None
) -> tuple[list[int], int] | None:
    """The best run of ≥3 rounds on one cycle ≤ AUTO_MAX_PERIOD_S, and its cycle count.

    The cycle is looked for among the crack-paired rounds when ≥3 of them form a run,
    else among all; the run is then extended over the other shots on the same cycle.
    A run scores its rounds less half its empty cycles (a cycle of half the length takes
    in a return or two but leaves every other cycle empty; a missed round is common, so
    an empty cycle weighs less than a round found), ties go to more rounds, then to
    the longer cycle (a steady half-cycle echo must not double the rate)."""
    sure = [k for k in idx if flags[k]]
    for base in [sure, idx] if len(sure) >= 3 and len(sure) < len(idx) else [idx]:
        best: tuple[float, int, float, list[int], int] | None = None
        for start in range(len(base)):
            # the cycle is an interval between two of the next few shots (not only
            # successive ones: a stray return may sit between two rounds)
            near = base[start : start + 5]
            steps = {times[b] - times[a] for j, a in enumerate(near) for b in near[j + 1 :]}
            for period in (p for p in steps if 0 < p <= AUTO_MAX_PERIOD_S):
                chain, cycles = _walk(times, base[start:], period)
                empty = cycles - len(chain) + 1
                key = (len(chain) - empty / 2, len(chain), period, chain, cycles)
                span = times[chain[-1]] - times[chain[0]]
                if (
                    cycles
                    and _seen_twice(times, chain, span / cycles)
                    and (best is None or key[:3] > best[:3])
                ):
                    best = key
        if best is not None:
            chain, cycles = best[3], best[4]
            period = (times[chain[-1]] - times[chain[0]]) / cycles
            if base is sure and _rounds_between(times, flags, idx, chain, period, levels):
                continue  # the uncracked shots between are rounds: read the cycle off all
            return _extend(times, idx, chain, period)
    return None


def _rounds_between(
    times: list[float],
    flags: list[bool],
    idx: list[int],
    chain: list[int],
    period: float,
    levels: list[float] | None,
) -> bool:
    """Uncracked shots half a cycle after crack-paired rounds, as loud as those: rounds.

    The crack-paired rounds can be every other round of a burst (seed 31 scene 14): one
    weapon's rounds share a level. A round and its return differ by ALT_MIN_DB or more,
    either way round (where the pairing took the returns, the rounds are the louder,
    seed 31 scene 25); the rate is the crack-paired rounds' cycle then."""
    if levels is None:
        return False
    on = {round((times[k] - times[chain[0]]) / period): k for k in chain}
    mids = []
    for k in idx:
        n = (times[k] - times[chain[0]]) / period
        if not flags[k] and abs(n - int(n) - 0.5) <= GRID_TOL and int(n) in on:
            mids.append(levels[on[int(n)]] - levels[k])
    return len(mids) >= 2 and abs(float(np.median(mids))) < ALT_MIN_DB


def _seen_twice(times: list[float], chain: list[int], period: float) -> bool:
    """≥3 rounds with the cycle itself between two pairs of them, not only multiples of it:
    single shots 0.25–0.5 s apart (semi-automatic fire) would otherwise fit a cycle of a
    half or a third of their interval with the rounds between them "missed"."""
    steps = [round((times[b] - times[a]) / period) for a, b in zip(chain, chain[1:], strict=False)]
    return len(chain) >= 3 and steps.count(1) >= 2


def _walk(times: list[float], seq: list[int], period: float) -> tuple[list[int], int]:
    """From seq[0] forward: the rounds that fall on whole cycles of `period`, ≤ MAX_SKIP apart.

    The cycle is re-read from the span so far at each round taken (one interval is
    less sure of it than several; a blast placed a few ms off must not stop the walk)."""
    chain, cycles = [seq[0]], 0
    for k in seq[1:]:
        n = (times[k] - times[chain[-1]]) / period
        whole = round(n)
        if whole > MAX_SKIP:
            break
        if whole >= 1 and abs(n - whole) <= GRID_TOL:
            chain.append(k)
            cycles += whole
            period = (times[k] - times[seq[0]]) / cycles
    return chain, cycles


def _extend(
    times: list[float], idx: list[int], chain: list[int], period: float
) -> tuple[list[int], int]:
    """The chain widened, both ways, by other shots on its cycle; and its cycle count."""
    after, n_after = _walk(times, [k for k in idx if k >= chain[-1]], period)
    back = [-times[k] for k in reversed(idx) if k <= chain[0]]
    before, n_before = _walk(back, list(range(len(back))), period)
    head = [idx[idx.index(chain[0]) - j] for j in reversed(before[1:])]
    cycles = round((times[chain[-1]] - times[chain[0]]) / period)
    return head + chain + after[1:], n_before + cycles + n_after


def _single_burst(ts: list[float]) -> Burst:
    span = ts[-1] - ts[0]
    rate = 60.0 * (len(ts) - 1) / span if len(ts) > 1 and span > 0 else None
    return Burst(ts[0], ts[-1], len(ts), rate, "single")
