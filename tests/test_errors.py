"""The one exception tree: every kzfeed error lives in kzfeed.errors, drawn in its docstring,
and carries what it is about apart from its message."""

from __future__ import annotations

from kzfeed.errors import FetchError, PluginError, SourceError


def test_every_kzfeed_error_lives_in_the_errors_module_and_is_drawn_in_its_tree() -> None:
    import importlib
    import pkgutil

    import kzfeed
    from kzfeed import errors

    for info in pkgutil.walk_packages(kzfeed.__path__, "kzfeed."):
        if ".testing.scaffold_files" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    pending = [errors.KzfeedError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("kzfeed"):
            assert cls.__module__ == "kzfeed.errors", f"{cls.__name__} is defined in {cls.__module__}"
            assert f"── {cls.__name__} " in (errors.__doc__ or "") or cls is errors.KzfeedError
            assert cls.__name__ in errors.__all__


def test_an_error_about_a_source_or_plugin_keeps_its_detail_apart_from_the_name() -> None:
    error = FetchError("astana-times", "HTTP 404 for https://example.org/feed; check the URL", status=404)
    assert str(error) == "source 'astana-times': HTTP 404 for https://example.org/feed; check the URL"
    assert (error.source, error.detail) == (
        "astana-times",
        "HTTP 404 for https://example.org/feed; check the URL",
    )
    assert isinstance(error, SourceError)
    plugin = PluginError("myrss", "registers source type 'rss' as 1")
    assert (str(plugin), plugin.detail) == (
        "plugin 'myrss': registers source type 'rss' as 1",
        "registers source type 'rss' as 1",
    )
