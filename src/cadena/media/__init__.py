"""Media: decoding, metadata, frames, fingerprints, audio."""
