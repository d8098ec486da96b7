"""The attribute phase: who called the shots, derived on demand from the facts.

Every analysis here reads the facts (never writes them) and returns `Finding`s: one statement
each, with the facts and citations it rests on, the assumptions it used, and the framework that
defined it. See docs/analysis.md.
"""
