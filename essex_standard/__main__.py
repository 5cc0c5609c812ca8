"""``python -m essex_standard`` runs the CLI."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
