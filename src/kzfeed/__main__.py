"""``python -m kzfeed`` and the ``kzfeed`` command (its script imports :func:`main` from here).

The script imports nothing else: Python's multiprocessing runs a script again in each process
it starts (the extraction workers), and importing the command line there (click, every command:
~40 modules) would be for nothing.
"""


def main() -> None:
    from kzfeed.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
