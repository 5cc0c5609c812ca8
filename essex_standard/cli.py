"""The ``essex-standard`` command line: thin, fast to start, honest exit codes.

Exit codes: 0 = done (for ``gate``: the Standard is met), 1 = the Standard is not met or the
gate failed, 2 = bad input or usage.  A user's mistake prints one paragraph and no traceback.

Sub-commands live in their own modules and are imported only when invoked, so ``--help``
never pays for pandas, scikit-learn or WeasyPrint.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from ._version import __version__

#: command name → "module:attribute" of a click command, imported on first use.
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": (
        "essex_standard.commands.audit",
        "Run an audit from an audit.yaml and write the reports.",
    ),
    "standard": (
        "essex_standard.commands.standard",
        "Print the Essex Standard's criteria.",
    ),
    "assess": (
        "essex_standard.commands.assess",
        "Answer the attested criteria (self-assessment).",
    ),
    "plan": (
        "essex_standard.commands.plan",
        "Sample-size plan: the gaps an audit can detect, the people needed for 'met'.",
    ),
    "gate": (
        "essex_standard.commands.gate",
        "Exit 0 if the Standard is met, 1 if not: for CI.",
    ),
    "report": (
        "essex_standard.commands.report",
        "Render the public or technical report from results.json.",
    ),
    "card": (
        "essex_standard.commands.card",
        "Write the model card (Markdown or JSON) from results.json.",
    ),
    "atrs": (
        "essex_standard.commands.atrs",
        "Write the ATRS transparency record from results.json.",
    ),
    "init": (
        "essex_standard.commands.init",
        "Write a commented audit.yaml from a data file's columns.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Show short help without importing every command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="essex-standard")
def cli() -> None:
    """Audit a predictive model against the Essex Standard.

    Start with the bundled example:

      essex-standard audit examples/childrens-social-care/audit.yaml --out audit-output
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning our own errors into a message and exit code 2."""
    import warnings

    from .errors import EssexStandardWarning

    default_show = warnings.showwarning

    def show(message, category, *args, **kwargs):  # our warnings: one plain line
        if issubclass(category, EssexStandardWarning):
            click.echo(f"warning: {message}", err=True)
        else:
            default_show(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        _run(argv)
    finally:
        warnings.showwarning = default_show


def _run(argv: list[str] | None) -> None:
    from .errors import EssexStandardError

    try:
        # Without standalone mode click *returns* the code of a click.exceptions.Exit raised
        # by a command (e.g. a failed gate) instead of raising it, so keep it.
        code = cli.main(args=argv, prog_name="essex-standard", standalone_mode=False)
    except EssexStandardError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code not in (0, 1) else exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
