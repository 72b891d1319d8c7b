"""``python -m kzfeed``: the same as the ``kzfeed`` command."""

from kzfeed.cli import main

main()
