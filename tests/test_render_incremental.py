"""Rendering touches only what changed: archive documents are rendered once, item pages when
their item changes, and the head documents every time (from the few stories they show)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

import kzfeed.publish._publish as write_module
from kzfeed.publish._feeds import FeedSpec

STORIES = Path(__file__).parent / "data" / "stories"
CONFIG = """
feed_size = 2
[[sources]]
name = "seeds"
type = "files"
path = "seeds"
[[sources]]
name = "news"
type = "files"
path = "news"
"""


@pytest.fixture
def public(project: Path, write_config: Callable[..., Path], kzfeed: Callable[..., object]) -> Path:
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG)
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return project / "public"


def _rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every Atom document rendered from now on."""
    seen: list[str] = []
    real = write_module.render_atom

    def counting(spec: FeedSpec, *args: object, **kwargs: object) -> bytes:
        seen.append(spec.path(spec.atom_path))
        return real(spec, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(write_module, "render_atom", counting)
    return seen


def test_a_render_with_nothing_changed_renders_only_the_head_documents(
    public: Path, kzfeed: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    archives = sorted(p.relative_to(public).as_posix() for p in public.rglob("*-archive-*.atom"))
    assert len(archives) >= 3  # the fixture has enough stories for archives
    before = {p: p.read_bytes() for p in public.rglob("*") if p.is_file()}
    rendered = _rendered(monkeypatch)
    kzfeed("render")
    heads = sorted(
        p.relative_to(public).as_posix() for p in public.rglob("*.atom") if "-archive-" not in p.name
    )
    assert sorted(rendered) == heads
    assert {p: p.read_bytes() for p in public.rglob("*") if p.is_file()} == before


def test_a_missing_archive_document_is_written_again_the_same(
    public: Path, kzfeed: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = public / "feed-archive-1.atom"
    data = archive.read_bytes()
    archive.unlink()
    rendered = _rendered(monkeypatch)
    kzfeed("render")
    assert archive.read_bytes() == data
    assert "feed-archive-1.atom" in rendered
    assert "feed-archive-2.atom" not in rendered


def test_an_item_changed_after_its_page_was_written_gets_its_page_again(
    public: Path, project: Path, kzfeed: Callable[..., object]
) -> None:
    pages = {p.read_text(encoding="utf-8"): p for p in (public / "items").glob("*.html")}
    source = project / "seeds" / "000_53fdd838efdcbe12.txt"
    page = next(p for text, p in pages.items() if "visent à renforcer leur coopération" in text)
    source.write_text(
        source.read_text(encoding="utf-8") + "\n\nA paragraph added later on Astana.\n", encoding="utf-8"
    )
    result = kzfeed("run", "--all")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "A paragraph added later on Astana." in page.read_text(encoding="utf-8")


def test_an_archived_story_has_its_text_in_the_overall_archives_only(public: Path) -> None:
    atom, content = "{http://www.w3.org/2005/Atom}", "{http://purl.org/rss/1.0/modules/content/}encoded"
    first = etree.parse(str(public / "feed-archive-1.atom")).getroot().find(f"{atom}entry")
    story = first.findtext(f"{atom}id")
    with_text, listed = [], []
    for path in sorted(public.rglob("*-archive-*")):
        if path.suffix == ".html":  # the archive's page; the feeds are the point here
            continue
        root = etree.parse(str(path)).getroot()
        if path.suffix == ".atom":
            entries = [e for e in root.iter(f"{atom}entry") if e.findtext(f"{atom}id") == story]
            has_text = [e.find(f"{atom}content") is not None for e in entries]
        else:
            entries = [e for e in root.iter("item") if e.findtext("guid") == story]
            has_text = [e.find(content) is not None for e in entries]
        if entries:
            listed.append(path.relative_to(public).as_posix())
            if any(has_text):
                with_text.append(path.relative_to(public).as_posix())
    assert with_text == ["feed-archive-1.atom", "feed-archive-1.rss"]
    assert any(p.startswith("topics/") for p in listed)  # still listed, with its summary and link


def test_a_full_render_removes_the_pages_of_stories_and_items_no_longer_shown_and_only_those(
    public: Path, kzfeed: Callable[..., object]
) -> None:
    pages = {p: p.read_bytes() for p in public.glob("stories/*.html")}
    assert pages  # the fixture has stories of several reports, each with its page
    (public / "items").mkdir(exist_ok=True)
    strays = [public / "stories" / "gone.html", public / "items" / "gone.html", public / "stories" / ".old"]
    for stray in strays:
        stray.write_text("left over", encoding="utf-8")
    (public / "stories" / "folder.html").mkdir()  # not a file: left alone
    (public / "index.html").unlink()  # a folder without its front page is rendered in full
    result = kzfeed("render")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert [s for s in strays if s.exists()] == []
    assert {p: p.read_bytes() for p in public.glob("stories/*.html") if p.is_file()} == pages
    assert (public / "stories" / "folder.html").is_dir()
