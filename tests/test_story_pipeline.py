"""kzfeed run: reports of one event from sources in different languages become one story."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from kzfeed.stories import load_story_labels

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
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    # the English and the Kazakh report share too little to be grouped...
    config = _merge_source(project, "reuters", "en", "Reuters")
    write_config(config)
    assert kzfeed("-q", "run").exit_code == 0
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
