"""Pictures of what the sound says: spectrogram + waveform with the shots marked, and the
waveforms of several recordings aligned on one clock.

Both are computed from the sound in chunks (a column of pixels at a time), so a long
recording costs no more memory than a short one. PNGs carry no timestamp, so the
same analysis gives the same bytes (derivatives are content-addressed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cadena.media.audio.decode import Source, iter_chunks
from cadena.media.audio.shots import ShotReport
from cadena.media.audio.sync import SyncReport

PIC_RATE = 16_000
NFFT = 512
COLUMNS = 2000

_COLOURS = {
    "shot": "#d62728",
    "uncertain": "#ff7f0e",
    "firecracker": "#2ca02c",
    "teargas": "#9467bd",
    "crack": "#1f77b4",
}


@dataclass
class Overview:
    """Per column: waveform min and max, and a spectrum column (dB)."""

    t: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    spec_db: np.ndarray  # (freq, column)
    freqs: np.ndarray


def overview(source: Source, duration_s: float, columns: int = COLUMNS) -> Overview:
    """Min/max waveform and spectrogram columns of a recording, streamed in chunks."""
    total = max(int(duration_s * PIC_RATE), NFFT)
    hop = max(NFFT // 2, total // columns)
    win = np.hanning(NFFT)
    lo: list[float] = []
    hi: list[float] = []
    spec: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    for chunk in iter_chunks(source, PIC_RATE, chunk_seconds=10.0):
        x = np.concatenate([carry, chunk])
        n = x.size // hop
        if n == 0:
            carry = x
            continue
        blocks = x[: n * hop].reshape(n, hop)
        lo += list(blocks.min(axis=1))
        hi += list(blocks.max(axis=1))
        frames = np.zeros((n, NFFT), dtype=np.float32)
        take = min(NFFT, hop)
        frames[:, :take] = blocks[:, :take]
        spec.append(np.abs(np.fft.rfft(frames * win, axis=1)) ** 2)
        carry = x[n * hop :]
    if not spec:
        spec = [np.zeros((1, NFFT // 2 + 1))]
        lo, hi = [0.0], [0.0]
    s = np.concatenate(spec).T
    t = (np.arange(s.shape[1]) + 0.5) * hop / PIC_RATE
    return Overview(
        t, np.array(lo), np.array(hi), 10 * np.log10(s + 1e-10), np.fft.rfftfreq(NFFT, 1 / PIC_RATE)
    )


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def shots_png(source: Source, report: ShotReport, title: str = "") -> bytes:
    """Waveform and spectrogram with every classified event marked, as PNG bytes."""
    ov = overview(source, report.duration_s)
    fig = Figure(figsize=(12, 6))
    ax_w, ax_s = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2]})
    ax_w.fill_between(ov.t, ov.lo, ov.hi, color="#444444", linewidth=0)
    ax_w.set_ylim(-1.05, 1.05)
    ax_w.set_ylabel("amplitude")
    vmax = float(np.percentile(ov.spec_db, 99.5))
    ax_s.pcolormesh(
        ov.t, ov.freqs / 1000, ov.spec_db, shading="auto", vmin=vmax - 70, vmax=vmax, cmap="magma"
    )
    ax_s.set_ylabel("kHz")
    ax_s.set_xlabel("seconds")
    for e in report.events:
        colour = _COLOURS.get(e.cls)
        if colour is None:
            continue
        style = "-" if e.cls == "shot" else ":"
        for ax in (ax_w, ax_s):
            ax.axvline(e.t, color=colour, linestyle=style, linewidth=0.8, alpha=0.9)
    handles = [
        ax_w.plot([], [], color=c, label=k)[0]
        for k, c in _COLOURS.items()
        if any(e.cls == k for e in report.events)
    ]
    if handles:
        ax_w.legend(handles=handles, loc="upper right", fontsize=8, ncol=len(handles))
    js = report.to_json()
    dist = js["distance"]
    sub = f"{js['count']} shots, {len(js['bursts'])} bursts"
    if dist:
        sub += f", shooter {dist['min_m']:.0f}–{dist['max_m']:.0f} m ({dist['weapon_class']})"
    fig.suptitle(f"{title}  {sub}".strip(), fontsize=11)
    fig.text(
        0.01,
        0.005,
        "cadena.media.audio.shots: multiband onset rise, pulse width/tilt, crack pairing, rhythm",
        fontsize=7,
        color="#666666",
    )
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    return _png(fig)


def aligned_png(
    sources: list[Source], durations: list[float], report: SyncReport, names: list[str]
) -> bytes:
    """Each recording's waveform on the reference clock, with the merged shots marked."""
    n = len(sources)
    fig = Figure(figsize=(12, 1.6 * n + 1))
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for k, (src, dur) in enumerate(zip(sources, durations, strict=True)):
        ax = axes[k]
        off = report.offsets[k].offset_s
        ov = overview(src, dur, columns=1500)
        shift = 0.0 if off is None else off
        colour = "#444444" if off is not None else "#bbbbbb"
        ax.fill_between(ov.t + shift, ov.lo, ov.hi, color=colour, linewidth=0)
        status = report.offsets[k].status
        label = f"{names[k]}  ({status}" + ("" if off is None else f", {off:+.3f} s") + ")"
        ax.set_title(label, fontsize=9, loc="left")
        ax.set_ylim(-1.05, 1.05)
        for m in report.merged:
            if k in m.heard_in:
                ax.axvline(m.t, color=_COLOURS["shot"], linewidth=0.8, alpha=0.9)
    axes[-1].set_xlabel(f"seconds on the clock of {names[0]}")
    fig.suptitle(f"{len(report.merged)} shots on one timeline", fontsize=11)
    fig.tight_layout()
    return _png(fig)
