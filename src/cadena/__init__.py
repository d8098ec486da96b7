"""Cadena: preserve audiovisual evidence and show who called the shots."""

__version__ = "0.1.0"
