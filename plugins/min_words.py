"""Example local plugin: drop items too short to be articles (teasers, captions, stubs).

kzfeed loads every ``*.py`` file in this folder. Configure it in kzfeed.toml::

    [plugins.min_words]
    min_words = 60      # default 40
"""

from __future__ import annotations

from kzfeed import ConfigError, Item, ItemContext, hookimpl

DEFAULT_MIN_WORDS = 40


@hookimpl
def process_item(item: Item, ctx: ItemContext) -> Item | None:
    minimum = ctx.options.get("min_words", DEFAULT_MIN_WORDS)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise ConfigError("[plugins.min_words] min_words must be a whole number, e.g. 60")
    words = len(item.content_text.split())
    if words < minimum:
        ctx.log.info("dropped %r from %s: %d words, fewer than %d", item.title, ctx.source, words, minimum)
        return None
    return item
