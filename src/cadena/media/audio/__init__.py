"""What the sound says: decoding, gunshot detection, distance, sync and pictures.

The pure library of issue 9; it needs no case. Modules:

- :mod:`decode`   any item's sound → mono float32 at a chosen rate, in chunks
- :mod:`generator` a physical-model generator of labelled gunshot scenes
- :mod:`onsets`   impulsive onset detection
- :mod:`classify` shot / firecracker / tear-gas launcher / uncertain
- :mod:`shots`    the full analysis: onsets, classes, bursts, crack–thump distance
- :mod:`sync`     offsets between recordings of one moment, merged shot timeline
- :mod:`picture`  spectrogram/waveform and aligned-waveform PNGs
"""

TOOL_VERSION = "0.1.0"
