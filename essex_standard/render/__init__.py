"""Renderers: every output is a function of ``results.json`` alone."""
