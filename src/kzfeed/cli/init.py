"""``kzfeed init [DIR]``: a commented ``kzfeed.toml`` and the sample articles, and what to do next."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from kzfeed.config import DEFAULT_CONFIG_NAME
from kzfeed.errors import InputError

# Written as is: every line a new operator may want to change is explained where it stands.
# The outlets are those of docs/sources.md ("Example: outlets on the Kazakhstan–EU beat").
CONFIG_TEMPLATE = """\
# kzfeed configuration, written by `kzfeed init`. Every key is optional; relative paths are
# resolved against the folder of this file. All keys: README.md, "Configuration".

# Where kzfeed keeps what it read (SQLite here; PostgreSQL for several workers:
# "postgresql+psycopg://kzfeed@db.example.org/kzfeed").
database = "sqlite:///var/kzfeed.db"

# Where the feeds and pages are written, and the public address they are served from
# (`kzfeed serve` serves them at http://127.0.0.1:8080/; change it when you publish them).
output_dir = "public"
base_url = "http://127.0.0.1:8080/"

# title = "kzfeed — Kazakhstan–EU cooperation"
# feed_size = 50            # stories per feed; older ones go to archive documents

[fetch]
# Sent in the User-Agent so that sites can reach you: put your address or site here.
contact_url = "https://github.com/kzfeed/kzfeed"

# One [[sources]] table per source. `kzfeed sources add URL` finds a site's feed and appends
# one; `kzfeed sources remove NAME` takes it out again.

# The sample articles in seeds/ (five short news items), so that a first run has something.
[[sources]]
name = "seeds"
type = "files"
path = "seeds"

# Outlets that cover the beat. Remove the '# ' in front of a table to subscribe to it
# (check the address in a browser first: sites move their feeds).
#
# [[sources]]
# name = "astana-times"
# type = "rss"
# url = "https://astanatimes.com/feed/"
#
# [[sources]]
# name = "kazinform-en"
# type = "rss"
# url = "https://en.inform.kz/rss/"
# full_content = true       # its feed carries teasers only: read each article's page
#
# [[sources]]
# name = "euractiv"
# type = "rss"
# url = "https://www.euractiv.com/feed/"
#
# [[sources]]
# name = "eu-reporter-kazakhstan"
# type = "rss"
# url = "https://www.eureporter.co/category/world/kazakhstan-world/feed/"
#
# [[sources]]
# name = "eeas-kazakhstan"  # the EU Delegation to Kazakhstan: press pages, no feed
# type = "html"
# url = "https://www.eeas.europa.eu/delegations/kazakhstan/press-material_en"
# include = ['/delegations/kazakhstan/[^/]+_en$']
# exclude = ['/press-material_en']
# max_items = 20
#
# [[sources]]
# name = "mfa-kz"           # gov.kz press releases of the Ministry of Foreign Affairs; needs
# type = "govkz-press"      # plugins/govkz_press.py from kzfeed's repository in ./plugins/
# url = "https://www.gov.kz/memleket/entities/mfa/press/news?lang=en"
# max_items = 20
"""


def seeds_dir() -> Path | None:
    """The sample articles: inside the installed package, else the source checkout's."""
    here = Path(__file__).resolve().parent.parent  # src/kzfeed
    for candidate in (here / "seeds", here.parent.parent / "seeds"):
        if candidate.is_dir() and any(candidate.glob("*.txt")):
            return candidate
    return None


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing kzfeed.toml.")
def init(directory: Path, force: bool) -> None:
    """Start a kzfeed project in DIRECTORY (default: here): a commented kzfeed.toml and seeds/.

    The config names the database, the output folder, base_url, the sample articles and,
    commented out, outlets on the Kazakhstan–EU beat.
    """
    config = directory / DEFAULT_CONFIG_NAME
    if config.exists() and not force:
        raise InputError(f"{config} exists already; edit it, or run 'kzfeed init --force' to start again")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {config}: {exc.strerror}; choose another folder") from exc
    click.echo(f"wrote {config}")
    seeds, source = directory / "seeds", seeds_dir()
    if not seeds.exists():
        if source is not None:
            shutil.copytree(source, seeds)
        else:
            seeds.mkdir()
        click.echo(f"wrote {seeds}/ ({sum(1 for _ in seeds.iterdir())} sample articles)")
    here = [] if directory.resolve() == Path.cwd().resolve() else [f"  cd {directory}"]
    steps = [
        *here,
        "  kzfeed sources add https://astanatimes.com/   # find a site's feed and subscribe to it",
        "  kzfeed run                                     # fetch, classify, write the feeds",
        "  kzfeed serve                                   # http://127.0.0.1:8080/feed.atom",
    ]
    click.echo("next:\n" + "\n".join(steps))


COMMANDS = [init]
