"""The dossier: the case's findings as one self-contained HTML file (and a PDF), in English or
Spanish. `build` gathers the case into a plain data model, `render` writes it; neither computes a
finding, they render the ones the analysis returns (see docs/dossier.md)."""

from cadena.publish.dossier.render import Written, write_dossier

__all__ = ["Written", "write_dossier"]
