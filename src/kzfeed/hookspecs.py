"""The hook specifications plugins implement, and the markers they use. Nothing else.

Hooks are always called with keyword arguments. Write a plugin like this::

    from kzfeed import hookimpl

    @hookimpl
    def register_sources(register):
        register("my-site", MySiteSource)

Order: implementations run in pluggy's order: ``@hookimpl(tryfirst=True)`` ones first, then
the others from the last loaded plugin to the first (local plugin files, then installed
plugins, then the built-ins), then ``@hookimpl(trylast=True)`` ones. Wrappers
(``wrapper=True``, ``hookwrapper=True``) are refused when the plugin is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from kzfeed.models import Item
    from kzfeed.sources import Classifier, ItemContext, Register, Source

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "kzfeed"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Register[type[Source]]) -> None:
    """Register source types.

    Call ``register(type_name, SourceClass)`` once per source type. A source type is a class
    built as ``SourceClass(name, options)`` from one ``[[sources]]`` table of the config
    (``options`` is the table without ``name`` and ``type``); its ``fetch(ctx)`` yields
    ``RawItem`` objects. Called once per run (the result is kept). Returns nothing.

    When two plugins register one name, the plugin called first (see the order above) keeps
    it, so a plugin replaces a built-in type by registering its name; pass ``replace=True``
    to say that is deliberate (otherwise a warning names both plugins). Registering
    something that is not a class with ``fetch`` raises ``PluginError``.
    """


@hookspec
def register_classifiers(register: Register[Callable[[Mapping[str, Any]], Classifier]]) -> None:
    """Register classifiers.

    Call ``register(name, factory)``; ``factory(options)`` gets the ``[classifier]`` table of
    the config without its ``name`` key and returns an object with
    ``classify(document) -> Classification``. The config's ``[classifier] name`` chooses which
    one runs (default ``"keywords"``). Called once per run. Returns nothing. A name registered
    twice goes to the plugin called first, as for ``register_sources`` (``replace=True``).
    """


@hookspec
def process_item(item: Item, ctx: ItemContext) -> Item | None:
    """Enrich or filter one item after it is normalised and classified, before it is stored.

    Every implementation runs, in the order above, each getting what the previous one
    returned. Return the item (changed with ``dataclasses.replace`` or not) to keep it, or
    ``None`` to drop it; the first ``None`` ends the chain. ``ctx.options`` holds this
    plugin's ``[plugins.<name>]`` table; ``ctx.log`` is a logger. An exception, or a return
    value that is neither an ``Item`` nor ``None``, is reported with the plugin's name and the
    item goes on unchanged to the next plugin.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``kzfeed`` command line: ``cli.add_command(my_command)``."""
