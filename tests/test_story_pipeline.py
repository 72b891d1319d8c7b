"""kzfeed run: reports of one event from sources in different languages become one story."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.stories import load_story_labels
from kzfeed.testing.pytest_plugin import FrozenClock

Kz = Callable[..., CliResult]
DEV = {
    r.id: r for r in load_story_labels(Path(__file__).parent / "data" / "stories" / "labelled" / "dev.jsonl")
}
MERGE = Path(__file__).parent / "data" / "stories" / "merge"
CONFIG = """
[[sources]]
name = "{name}"
type = "files"
path = "{name}"
outlet = "{outlet}"
"""


def _source(project: Path, name: str, *report_ids: str) -> str:
    (project / name).mkdir()
    for report_id in report_ids:
        r = DEV[report_id]
        (project / name / f"{report_id}.md").write_text(
            f"---\ntitle: {r.title}\ndate: {r.published.isoformat()}\n---\n\n{r.text}\n", encoding="utf-8"
        )
    return CONFIG.format(name=name, outlet=DEV[report_ids[0]].outlet)


def test_reports_in_three_languages_from_three_sources_are_one_story(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    config = _source(project, "reuters", "macron23-en", "putin24-en")
    write_config(config)
    assert kzfeed("-q", "run").exit_code == 0
    config += _source(project, "lemonde", "macron23-fr") + _source(
        project, "egemen", "macron23-kk", "csto24-kk"
    )
    write_config(config)
    result = kzfeed("-q", "run")
    assert result.exit_code == 0, result.stderr
    listed = kzfeed("stories").stdout
    assert listed.count("report(s)") == 1 and "3 report(s)" in listed, listed
    assert "Macron courts Kazakhstan" in listed  # the first report leads; the others are listed
    assert "Le Monde" in listed and "Egemen Qazaqstan" in listed
    # the other reports of those sources (Putin's visit, the CSTO summit) did not join it
    assert "putin24" not in listed and "csto24" not in listed
    # each report that joined says why: what it shares with the closest report, and how much
    french = next(line for line in listed.splitlines() if "Le Monde" in line)
    assert "(fr) shares " in french and "Emmanuel Macron" in french and "similarity 0." in french
    # the feed has one entry for the story, listing the other reports with their language
    feed = (project / "public" / "feed.atom").read_text(encoding="utf-8")
    assert (
        feed.count("Macron") >= 1
        and "Le Monde&lt;/a&gt; (fr)" in feed
        and "Egemen Qazaqstan&lt;/a&gt; (kk)" in feed
    )
    assert "Tokaïev" not in feed  # the French report is not an entry of its own
    # export gives every item its story
    exported = [json.loads(line) for line in kzfeed("export", "--all").stdout.splitlines()]
    stories = {r["title"][:20]: r["story"] for r in exported}
    lead = next(r["id"] for r in exported if r["title"].startswith("Macron courts"))
    assert sum(1 for r in exported if r["story"] == lead) == 3
    assert all(r["story"] == r["id"] for r in exported if r["story"] != lead), stories


def _stories(kzfeed: Kz) -> dict[str, set[str]]:
    """Every stored story (by ``kzfeed export``): story id -> the titles of its reports."""
    found: dict[str, set[str]] = {}
    for line in kzfeed("export", "--all").stdout.splitlines():
        record = json.loads(line)
        found.setdefault(record["story"], set()).add(record["title"])
    return found


def _entries(feed: str) -> dict[str, str]:
    """The entries of an Atom feed: id -> title."""
    from lxml import etree

    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = etree.fromstring(feed.encode())
    return {
        e.findtext("a:id", namespaces=ns): e.findtext("a:title", namespaces=ns)
        for e in root.iterfind("a:entry", ns)
    }


def _merge_source(project: Path, name: str, lang: str, outlet: str) -> str:
    """A source of one of the reports of the EU–Kazakhstan memorandum signed at COP27 in
    ``tests/data/stories/merge``: the Kazakh one names the Prime Minister and the place, the
    English one the Commission's President and what the deal is for, the French one both."""
    (project / name).mkdir()
    shutil.copy(MERGE / f"cop27-{lang}.md", project / name)
    return CONFIG.format(name=name, outlet=outlet)


def test_a_report_that_links_two_stories_merges_them_into_the_older_one(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz, frozen_clock: FrozenClock
) -> None:
    # the English and the Kazakh report share too little to be grouped...
    config = _merge_source(project, "reuters", "en", "Reuters")
    write_config(config)
    assert kzfeed("-q", "run").exit_code == 0
    frozen_clock.advance(hours=1)  # the Kazakh report is seen an hour later
    config += _merge_source(project, "egemen", "kk", "Egemen Qazaqstan")
    write_config(config)
    assert kzfeed("-q", "run").exit_code == 0
    before = _stories(kzfeed)
    assert len(before) == 2
    older = next(s for s, titles in before.items() if any(t.startswith("Von der Leyen") for t in titles))
    newer = next(s for s in before if s != older)
    feed = _entries((project / "public" / "feed.atom").read_text(encoding="utf-8"))
    assert set(feed) == {f"urn:uuid:{older}", f"urn:uuid:{newer}"}
    # ... until the French report, close to both, arrives: one story, with the older id
    frozen_clock.advance(hours=1)
    config += _merge_source(project, "lemonde", "fr", "Le Monde")
    write_config('languages = ["kk", "fr", "en"]\n' + config)
    assert kzfeed("-q", "run").exit_code == 0
    after = _stories(kzfeed)
    assert list(after) == [older] and len(after[older]) == 3
    feed = _entries((project / "public" / "feed.atom").read_text(encoding="utf-8"))
    assert list(feed) == [f"urn:uuid:{older}"]  # the newer story's entry is gone, not re-made
    assert feed[f"urn:uuid:{older}"].startswith("Қазақстан мен Еуропалық")  # the preferred language leads
    listed = kzfeed("stories").stdout
    assert listed.count("report(s)") == 1 and "3 report(s)" in listed, listed
    # show --explain says why the three are one story: who, in what language, what they share
    kazakh = next(line.split()[0] for line in listed.splitlines() if "Egemen Qazaqstan" in line)
    explained = kzfeed("show", kazakh, "--explain")
    assert explained.exit_code == 0, explained.stderr
    why = explained.stdout
    assert f"story {older[:8]}: 3 reports" in why and f"urn:uuid:{older}" in why
    assert "Reuters (en)" in why and "Le Monde (fr)" in why and "Egemen Qazaqstan (kk)" in why
    assert "shares Alikhan Smailov" in why and "similarity 0." in why
    assert "started the story" in why and "leads the entry" in why
    pairs = [line for line in why.splitlines() if " ~ " in line]
    assert len(pairs) == 3 and all(line.rsplit(": ", 1)[1].startswith("0.") for line in pairs), pairs
    # a rebuild from scratch finds the same story
    assert kzfeed("stories", "--rebuild").exit_code == 0
    assert _stories(kzfeed) == after


def test_the_lead_report_is_in_the_first_preferred_language_the_story_has(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    config = (
        _source(project, "reuters", "macron23-en")
        + _source(project, "lemonde", "macron23-fr")
        + _source(project, "egemen", "macron23-kk")
    )
    write_config('languages = ["kk", "fr"]\n' + config)
    assert kzfeed("-q", "run").exit_code == 0
    (story,) = _stories(kzfeed)
    feed = _entries((project / "public" / "feed.atom").read_text(encoding="utf-8"))
    assert feed == {f"urn:uuid:{story}": DEV["macron23-kk"].title}
    listed = kzfeed("stories").stdout
    assert f"{story[:8]}" in listed and DEV["macron23-kk"].title in listed.splitlines()[0]
    # another order of preference: another lead, the same entry id
    write_config('languages = ["fr", "kk"]\n' + config)
    assert kzfeed("render").exit_code == 0
    feed = _entries((project / "public" / "feed.atom").read_text(encoding="utf-8"))
    assert feed == {f"urn:uuid:{story}": DEV["macron23-fr"].title}
    # a language none of the reports is in: the next preferred one that is there
    write_config('languages = ["de", "en"]\n' + config)
    assert kzfeed("render").exit_code == 0
    feed = _entries((project / "public" / "feed.atom").read_text(encoding="utf-8"))
    assert feed == {f"urn:uuid:{story}": DEV["macron23-en"].title}


def test_a_bad_languages_setting_is_one_clear_error(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    write_config('languages = ["english", 5]\n')
    result = kzfeed("run")
    assert result.exit_code != 0
    assert "key 'languages' must be a non-empty array of language codes" in result.stderr


def _free_base() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


@contextmanager
def serving(project: Path, base: str) -> Iterator[None]:
    """``kzfeed serve`` on the project's public/ at ``base``, in its own process."""
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "kzfeed"), "serve", "--port", str(port)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Newsboat:
    """newsboat subscribed to the overall Atom feed, reloading on demand; its cache is read."""

    def __init__(self, url: str, home: Path) -> None:
        newsboat = shutil.which("newsboat")
        if newsboat is None:
            pytest.skip("newsboat is not installed (make test installs it with apt-get where it can)")
        (home / "urls").write_text(url + "feed.atom\n")
        (home / "config").write_text("")
        self.cache = home / "cache.db"
        self.args = [newsboat, "-u", str(home / "urls"), "-c", str(self.cache), "-C", str(home / "config")]
        self.env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def reload(self) -> None:
        subprocess.run(
            [*self.args, "-x", "reload"], check=True, env=self.env, timeout=60, capture_output=True
        )

    def entries(self) -> dict[str, tuple[str, bool]]:
        """guid -> (title, unread) of every entry newsboat keeps."""
        with sqlite3.connect(self.cache) as db:
            return {g: (t, bool(u)) for g, t, u in db.execute("SELECT guid, title, unread FROM rss_item")}

    def read_all(self) -> None:
        with sqlite3.connect(self.cache) as db:
            db.execute("UPDATE rss_item SET unread = 0")


def test_newsboat_shows_one_entry_for_an_event_reported_in_five_languages(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz, tmp_path: Path
) -> None:
    config = "".join(
        _source(project, name, f"macron23-{lang}")
        for name, lang in (("reuters", "en"), ("lemonde", "fr"), ("kp", "ru"), ("sz", "de"), ("egemen", "kk"))
    )
    base = _free_base()
    write_config(f'base_url = "{base}"\nlanguages = ["fr", "en"]\n' + config)
    assert kzfeed("-q", "run").exit_code == 0
    (story,) = _stories(kzfeed)
    newsboat = _Newsboat(base, tmp_path)
    with serving(project, base):
        newsboat.reload()
    assert newsboat.entries() == {f"urn:uuid:{story}": (DEV["macron23-fr"].title, True)}


def test_newsboat_gets_nothing_new_when_two_stories_merge(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz, tmp_path: Path, frozen_clock: FrozenClock
) -> None:
    base = _free_base()
    config = f'base_url = "{base}"\nlanguages = ["fr", "en"]\n' + _merge_source(
        project, "reuters", "en", "Reuters"
    )
    config += _merge_source(project, "egemen", "kk", "Egemen Qazaqstan")
    write_config(config)
    assert kzfeed("-q", "run").exit_code == 0
    newsboat = _Newsboat(base, tmp_path)
    with serving(project, base):
        newsboat.reload()
        before = newsboat.entries()
        assert len(before) == 2  # two stories until now: the reader reads both
        newsboat.read_all()
        frozen_clock.advance(hours=1)
        write_config(config + _merge_source(project, "lemonde", "fr", "Le Monde"))
        assert kzfeed("-q", "run").exit_code == 0
        (story,) = _stories(kzfeed)
        newsboat.reload()
    after = newsboat.entries()
    # no entry is new or unread again: the merged story kept an id the reader has
    assert set(after) == set(before) and f"urn:uuid:{story}" in after
    assert not any(unread for _, unread in after.values()), after
    # the entry now shows the French report, the first preferred language the story has
    assert after[f"urn:uuid:{story}"][0].startswith("À Charm el-Cheikh")
