"""The hook specifications plugins implement, and the markers they use. Nothing else.

Hooks are always called with keyword arguments. Write a plugin like this::

    from kzfeed import hookimpl

    @hookimpl
    def register_sources(register):
        register("my-site", MySiteSource)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from kzfeed.models import Item
    from kzfeed.sources import Classifier, ItemContext, Source

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "kzfeed"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Callable[[str, type[Source]], None]) -> None:
    """Register source types.

    Call ``register(type_name, SourceClass)`` once per source type. A source type is a class
    built as ``SourceClass(name, options)`` from one ``[[sources]]`` table of the config
    (``options`` is the table without ``name`` and ``type``); its ``fetch(ctx)`` yields
    ``RawItem`` objects. Called once when a run starts. Returns nothing.
    """


@hookspec
def register_classifiers(register: Callable[[str, Callable[[Mapping[str, Any]], Classifier]], None]) -> None:
    """Register classifiers.

    Call ``register(name, factory)``; ``factory(options)`` gets the ``[classifier]`` table of
    the config without its ``name`` key and returns an object with
    ``classify(document) -> Classification``. The config's ``[classifier] name`` chooses which
    one runs (default ``"keywords"``). Returns nothing.
    """


@hookspec
def process_item(item: Item, ctx: ItemContext) -> Item | None:
    """Enrich or filter one item after it is normalised and classified, before it is stored.

    Every implementation runs, in registration order, each getting what the previous one
    returned. Return the item (changed with ``dataclasses.replace`` or not) to keep it, or
    ``None`` to drop it. ``ctx.options`` holds this plugin's ``[plugins.<name>]`` table;
    ``ctx.log`` is a logger. An exception is reported with the plugin's name and the item
    goes on unchanged.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``kzfeed`` command line: ``cli.add_command(my_command)``."""
