"""The ``kzfeed`` command line. It parses arguments and calls the library; nothing more.

Commands live in the modules of this package, one module per area; each lists its commands
in ``COMMANDS`` and this module adds them to the ``kzfeed`` group.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from pathlib import Path

import click

from kzfeed import __version__
from kzfeed.cli import classify, core, feeds, init, ops, plugin, sources
from kzfeed.cli.app import App, setup_logging
from kzfeed.errors import KzfeedError
from kzfeed.plugins import make_plugin_host

__all__ = ["cli", "main"]

log = logging.getLogger("kzfeed")


class KzfeedGroup(click.Group):
    """Adds the commands that plugins register (``register_commands``) when asked for them."""

    def _plugin_group(self, ctx: click.Context) -> click.Group:
        group = click.Group()
        app = ctx.find_object(App)
        try:
            host = app.host if app is not None else make_plugin_host(plugins_dirs=(Path("plugins"),))
            host.register_commands(group)
        except KzfeedError as exc:
            log.debug("plugin commands not loaded: %s", exc)
        for command in group.commands.values():
            _accept_global_options(command)
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_group(ctx).commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._plugin_group(ctx).commands.get(cmd_name)


@click.group(cls=KzfeedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="KZFEED_CONFIG",
    help="Config file (default: ./kzfeed.toml if present, else the built-in default).",
)
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False),
    multiple=True,
    help="Folder of one-off plugin files (default: plugins_dir from the config, 'plugins').",
)
@click.option("-v", "--verbose", count=True, help="Say more (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Say less: only errors (nothing at all when all went well).")
@click.version_option(__version__, prog_name="kzfeed")
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, plugins_dir: tuple[str, ...], verbose: int, quiet: int
) -> None:
    """kzfeed: follow news of Kazakhstan–EU cooperation as Atom, RSS and JSON feeds."""
    setup_logging(verbose, quiet)
    app = App(
        config_path=config_path,
        plugins_dirs=tuple(Path(p).resolve() for p in plugins_dir),
        quiet=quiet,
        verbose=verbose,
    )
    ctx.obj = app
    ctx.call_on_close(app.close)


def _late_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(App).set_config_path(value)


def _late_verbosity(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        more = value if param.name == "late_verbose" else 0
        ctx.ensure_object(App).say_more_or_less(more, value - more)


def _accept_global_options(command: click.Command) -> None:
    """Let ``--config``, ``-v`` and ``-q`` be typed after the subcommand too
    (``kzfeed run --config x.toml -q``), on it and on every subcommand of a group."""
    if any(p.name == "late_config" for p in command.params):
        return
    command.params += [
        click.Option(
            ["--config", "late_config"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_late_config,
            help="Config file (as before the command).",
        ),
        click.Option(
            ["-v", "--verbose", "late_verbose"],
            count=True,
            expose_value=False,
            callback=_late_verbosity,
            help="Say more (-vv for debug).",
        ),
        click.Option(
            ["-q", "--quiet", "late_quiet"],
            count=True,
            expose_value=False,
            callback=_late_verbosity,
            help="Say less: nothing at all when all went well.",
        ),
    ]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_global_options(sub)


for _module in (core, classify, feeds, plugin, ops, sources, init):
    for _command in _module.COMMANDS:
        _accept_global_options(_command)
        cli.add_command(_command)


_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and an exit code, not a traceback."""
    try:
        rv = cli.main(args=argv, prog_name="kzfeed", standalone_mode=False)
    except KzfeedError as exc:
        click.echo(f"kzfeed: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("kzfeed: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("kzfeed: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # e.g. 'kzfeed export | head': stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        if exc.errno not in _DISK_ERRORS:
            raise
        # e.g. the lock file or public/ on a full disk: what was being written is left as it was
        what = f"{exc.filename}: " if exc.filename else ""
        click.echo(
            f"kzfeed: error: {what}{exc.strerror}; free some space (or make it writable) and run again; "
            "what is stored and published is left as it was",
            err=True,
        )
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
