"""``kzfeed plugin ...``: help for plugin authors."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def plugin() -> None:
    """Write your own plugins."""


@plugin.command(name="new")
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create the package in (default: ./kzfeed-NAME).",
)
def new(name: str, folder: Path | None) -> None:
    """Create a ready package for a source plugin NAME (e.g. 'astana-press').

    It holds pyproject.toml with the entry point, the plugin module, a fixture page and tests
    that use kzfeed's test kit, including the source contract test.
    """
    from kzfeed.testing import new_plugin

    names, target, written = new_plugin(name, folder)
    for path in written:
        click.echo(f"created {path}")
    click.echo(
        f"\nsource type {names.type_name!r} in package {names.dist}. Next:\n"
        f"  cd {target}\n"
        f'  pip install -e ".[test]"   # where kzfeed is installed\n'
        f"  pytest\n"
        f"  kzfeed plugins             # lists {names.type_name}"
    )


COMMANDS = [plugin]
