"""Metrics derived from the count tables: fairness, performance, calibration, drift."""
