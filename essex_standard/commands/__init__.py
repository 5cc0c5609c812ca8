"""One module per CLI sub-command, each exposing ``command`` (imported lazily by cli.py)."""
