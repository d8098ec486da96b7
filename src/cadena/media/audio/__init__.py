"""What the sound says: decoding, gunshot detection, distance, sync and pictures.

The pure library of issue 9; it needs no case. Modules:

- :mod:`decode`   any item's sound → mono float32 at a chosen rate, in chunks
- :mod:`generator` a physical-model generator of labelled gunshot scenes
- :mod:`onsets`   impulsive onset detection
- :mod:`classify` shot / firecracker / tear-gas launcher / uncertain
- :mod:`shots`    the full analysis: onsets, classes, bursts, crack–thump distance
- :mod:`distance` distance to the shooter off the line of fire (Mach cone, miss distance)
- :mod:`nwave`    a bullet's N-wave duration, measured (Whitham: it tells the miss distance)
- :mod:`sync`     offsets between recordings of one moment, merged shot timeline
- :mod:`picture`  spectrogram/waveform and aligned-waveform PNGs
"""

TOOL_VERSION = "0.2.0"  # 0.2: weak-onset second pass, off-axis distance
