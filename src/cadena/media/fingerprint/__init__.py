"""Fingerprints of images, video and sound, and finding the same footage with them.

- `pdq`: Meta's PDQ for images and frames, with the eight rotations and flips.
- `vpdq`: video signatures in Meta's vPDQ text format, exchangeable with hash-sharing programmes.
- `video`: Cadena's video fingerprint (bars removed, crops, mirror), built on PDQ.
- `audio`: a spectral-peak landmark fingerprint of the sound.
- `index`: a near-duplicate index of 256-bit codes (multi-index hashing), exact within a radius.
- `copies`: similar items, same-footage clusters and the earliest upload.
"""
