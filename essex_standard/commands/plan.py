"""``essex-standard plan [CONFIG]``: what an audit of this size can conclude, and how many
people it needs to show a fair model *met*."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _assumptions(values: tuple[str, ...]) -> dict[str, float]:
    from ..standard.plan import ASSUMED

    out = {}
    for item in values:
        name, _, rate = item.partition("=")
        try:
            value = float(rate)
        except ValueError:
            value = -1.0
        if name not in ASSUMED or not 0 < value < 1:
            raise click.BadParameter(
                f"'{item}': expected NAME=RATE with a rate between 0 and 1 and NAME one of "
                f"{', '.join(ASSUMED)} (e.g. --assume outcome=0.2)", param_hint="--assume")
        out[name] = value
    return out


@click.command(name="plan")
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group-size", "sizes", type=click.IntRange(min=1), multiple=True,
              help="Plan for groups of this many people (repeat for each group; the largest "
                   "is the reference group), before any data exist. CONFIG then only chooses "
                   "the Standard (and its overrides).")
@click.option("--assume", "assume", multiple=True, metavar="NAME=RATE",
              help="A rate assumed with --group-size, e.g. outcome=0.2 or "
                   "false_negative_rate=0.25 (defaults: outcome 0.3, selection_rate 0.3, "
                   "false_positive_rate 0.15, false_negative_rate 0.3).")
@click.option("--power", type=click.FloatRange(0.5, 0.99), default=0.8, show_default=True,
              help="The chance of reaching a verdict that the plan aims for.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def command(config: Path | None, sizes: tuple[int, ...], assume: tuple[str, ...],
            power: float, fmt: str) -> None:
    """Sample-size plan for the Standard's gap criteria (F1, F2).

    With CONFIG (an audit.yaml) and no --group-size, the data are audited and every group is
    planned against its reference group at the rates seen in the data. With --group-size,
    no data are read. For each comparison it prints the smallest true gap an audit finds
    'not met', the largest true gap it can still show 'met', and the people a group needs
    for a fair model to be shown 'met' (docs/decision-rule.md).
    """
    from ..errors import EssexStandardError
    from ..standard import load_standard
    from ..standard.plan import as_text, plan_from_doc, plan_sizes

    if config is None and not sizes:
        raise EssexStandardError("essex-standard plan: give an audit.yaml, or group sizes "
                                 "with --group-size (e.g. --group-size 2000 --group-size 300).")
    if sizes:
        if config is not None:
            from ..config import load_config
            from ..standard import standard_for_config

            standard, _ = standard_for_config(load_config(config))
        else:
            standard = load_standard()
        plan = plan_sizes(list(sizes), standard, _assumptions(assume), power)
    else:
        from ..config import load_config
        from ..pipeline import audit
        from ..standard import standard_for_config

        assert config is not None
        cfg = load_config(config)
        standard, _ = standard_for_config(cfg)
        plan = plan_from_doc(audit(cfg).doc, standard, power)
    click.echo(json.dumps(plan, indent=2) if fmt == "json" else as_text(plan), nl=False)
