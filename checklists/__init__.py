"""The Essex Standard, as versioned YAML files.

This folder is mapped to the ``essex_standard.checklists`` package by setup.cfg so that a
non-editable install ships it inside the wheel; the file is otherwise empty on purpose.
"""
