"""Built-in plugins. They use exactly the hook API that third-party plugins use."""

# the plugin modules are loaded by name (kzfeed.plugins.DEFAULT_PLUGINS), not imported from here
__all__: list[str] = []
