"""kzfeed run: reports of one event from sources in different languages become one story."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult
from kzfeed.stories import load_story_labels

Kz = Callable[..., CliResult]
DEV = {
    r.id: r for r in load_story_labels(Path(__file__).parent / "data" / "stories" / "labelled" / "dev.jsonl")
}
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
