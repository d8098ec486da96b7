"""Facts: the security forces over time, incidents, orders, and what superiors did.

Write with `cadena.facts.record.Recorder`, ask with `cadena.facts.queries`; see docs/facts.md.
"""
