"""Jinja2 templates and CSS for essex-standard reports.

This folder is mapped to the ``essex_standard.templates`` package by setup.cfg so that a
non-editable install ships it inside the wheel; the file is otherwise empty on purpose.
"""
