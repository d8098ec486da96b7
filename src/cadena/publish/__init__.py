"""Publish: the dossier, the court package, and exchange formats."""
