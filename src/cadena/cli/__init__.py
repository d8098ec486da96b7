"""Front door: the command line. Thin: parse, call the phase, render."""
