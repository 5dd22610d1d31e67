"""``detente phrase``: browse the standard phrase catalogue and render phrases.

Thin over ``detente.i18n``: listing shows each phrase with its typed
parameters and an example rendering; ``render`` checks ``key=value``
parameters exactly as a phrase entry is checked, so an operator sees the
same error the node would give. This module must never hold catalogue data
or rendering rules of its own.
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from detente.errors import ValidationError
from detente.i18n.phrases import CATEGORIES, LANGS, Phrase, catalogue, params_from_assignments
from detente.i18n.render import render, render_example
from detente.types import JSONObject


def _describe(phrase: Phrase, lang: str, local_tz: str | None) -> JSONObject:
    return {
        "code": phrase.code,
        "category": phrase.category,
        "params": {spec.name: dict(spec.describe()) for spec in phrase.params},
        "text": render_example(phrase, lang, local_tz=local_tz),
    }


@click.group()
def phrase() -> None:
    """The standard phrase catalogue."""


@phrase.command("list")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--category", type=click.Choice(CATEGORIES), default=None, help="Only this category.")
@click.option(
    "--tz", "local_tz", default=None, help="IANA zone for local times, e.g. Asia/Shanghai."
)
def list_phrases(lang: str, fmt: str, category: str | None, local_tz: str | None) -> None:
    """List phrase codes with their parameters and an example rendering."""
    phrases = [p for p in catalogue().values() if category is None or p.category == category]
    rows = [_describe(p, lang, local_tz) for p in phrases]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("code", "category", "params", "example")
    for row in rows:
        params = row["params"]
        assert isinstance(params, dict)
        names = ", ".join(
            f"{name}: {info['type']}" for name, info in params.items() if isinstance(info, dict)
        )
        table.add_row(str(row["code"]), str(row["category"]), names, str(row["text"]))
    Console(width=200).print(table)


@phrase.command("render")
@click.argument("code")
@click.argument("assignments", nargs=-1, metavar="KEY=VALUE...")
@click.option("--lang", type=click.Choice(LANGS), default=None, help="One language (default: all).")
@click.option(
    "--tz", "local_tz", default=None, help="IANA zone for local times, e.g. Asia/Shanghai."
)
def render_phrase(
    code: str, assignments: tuple[str, ...], lang: str | None, local_tz: str | None
) -> None:
    """Render CODE with KEY=VALUE parameters, in every language unless --lang is given."""
    try:
        params = params_from_assignments(code, assignments)
        for each in (lang,) if lang else LANGS:
            text = render(code, params, each, local_tz=local_tz)
            click.echo(text if lang else f"{each}: {text}")
    except ValidationError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
