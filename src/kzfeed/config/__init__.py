"""The configuration: reading and checking ``kzfeed.toml``, the built-in default, editing the file in place."""
