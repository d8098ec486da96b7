"""Vault: content-addressed blobs, items, sources, the signed custody log."""
