"""The feed parser's helper process (``kzfeed.articles._helper``): a feed parsed there gives the
rss source the same items, warnings and errors as one parsed on the fetching thread; the helper
starts only once a run has parsed enough, and a helper that fails changes nothing."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from kzfeed.articles import ArticleExtractor
from kzfeed.articles._helper import HelperProcess, HelperTimeout
from kzfeed.default_plugins._feeditems import ready
from kzfeed.default_plugins.rss import RssSource
from kzfeed.errors import SourceError
from kzfeed.models import RawItem, SourceState
from kzfeed.sources import SourceContext, SourceReport
from kzfeed.testing import LocalHTTPServer, offline_fetcher

ROOT = Path(__file__).resolve().parent.parent


def _ready_helper(extractor: ArticleExtractor) -> int:
    """Start ``extractor``'s helper at once and wait until work goes to it: its process id."""
    extractor.helper = HelperProcess(start_after=0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pid = extractor.offload(os.getpid, ready=ready)
        if pid != os.getpid():
            return pid
        time.sleep(0.02)
    raise AssertionError("the helper process was not ready within 60 s")


def _fetch(
    server: LocalHTTPServer, extractor: ArticleExtractor, path: str, **options: object
) -> tuple[list[RawItem], list[str]]:
    source = RssSource("tt", {"url": server.url(path), **options})
    report = SourceReport()
    with offline_fetcher(server) as http:
        ctx = SourceContext(
            source="tt",
            state=SourceState(name="tt"),
            log=logging.getLogger("kzfeed.source.tt"),
            http=http,
            extractor=extractor,
            report=report,
        )
        return list(source.fetch(ctx)), report.warnings


FEEDS = [
    ("/web/feeds/full.xml", {}),
    ("/web/feeds/summary.xml", {}),  # summaries: each entry's article page is fetched and extracted
    ("/web/feeds/summary.xml", {"full_content": False, "max_items": 2}),
    ("/web/feeds/atom.xml", {}),
    ("/web/feeds/bozo.xml", {}),  # a warning
    ("/web/feeds/cp1251-undeclared.xml", {}),
    ("/web/feeds/latin1.xml", {"outlet": "Latin"}),
]


def test_a_feed_parsed_in_the_helper_gives_the_same_items_and_warnings(http_server: LocalHTTPServer) -> None:
    with ArticleExtractor(2) as there, ArticleExtractor(1) as here:
        _ready_helper(there)
        before = there.helper.done_there
        for path, options in FEEDS:
            items, warnings = _fetch(http_server, there, path, **options)
            expected, expected_warnings = _fetch(http_server, here, path, **options)
            assert items == expected, path
            assert [i.paragraphs for i in items] == [i.paragraphs for i in expected]
            assert [i.html for i in items] == [i.html for i in expected]
            assert warnings == expected_warnings, path
            assert items, path
        assert there.helper.done_there == before + len(FEEDS)


def test_a_body_that_is_no_feed_is_the_same_one_line_error_through_the_helper(
    http_server: LocalHTTPServer,
) -> None:
    http_server.route("/not-json-feed", body=b'{"items": []}', content_type="application/json")
    with ArticleExtractor(2) as there, ArticleExtractor(1) as here:
        _ready_helper(there)
        for path in ("/web/feeds/notafeed.html", "/not-json-feed"):
            with pytest.raises(SourceError) as got:
                _fetch(http_server, there, path)
            with pytest.raises(SourceError) as expected:
                _fetch(http_server, here, path)
            assert str(got.value) == str(expected.value)
            assert "\n" not in str(got.value)


def test_work_starts_the_helper_only_once_it_has_taken_enough_cpu_time() -> None:
    helper = HelperProcess(start_after=0.05)
    try:
        for _ in range(5):  # quick works: all done here, no process started
            assert helper.run(os.getpid) == os.getpid()
        assert helper._pool is None
        helper.run(partial(_spin, 0.06))
        assert helper.run(os.getpid) == os.getpid()  # started, not waited for
        assert helper._pool is not None
        deadline = time.monotonic() + 60
        while helper.run(os.getpid) == os.getpid():
            assert time.monotonic() < deadline, "the helper process was not ready within 60 s"
            time.sleep(0.02)
    finally:
        helper.close()


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_an_error_raised_in_the_helper_is_raised_by_the_caller_as_it_would_be_here() -> None:
    helper = HelperProcess(start_after=0)
    try:
        while helper.run(os.getpid) == os.getpid():
            time.sleep(0.02)
        with pytest.raises(ValueError, match="invalid literal for int"):
            helper.run(partial(int, "x"))
    finally:
        helper.close()


def test_a_helper_that_died_is_not_used_again_and_the_work_is_done_here() -> None:
    helper = HelperProcess(start_after=0)
    try:
        pid = helper.run(os.getpid)
        while pid == os.getpid():
            time.sleep(0.02)
            pid = helper.run(os.getpid)
        os.kill(pid, signal.SIGKILL)
        assert helper.run(partial(int, "7")) == 7  # done here
        assert [helper.run(os.getpid) for _ in range(3)] == [os.getpid()] * 3
    finally:
        helper.close()


def test_one_extraction_process_keeps_the_parse_in_this_process(http_server: LocalHTTPServer) -> None:
    with ArticleExtractor(1) as extractor:
        extractor.helper = HelperProcess(start_after=0)
        for _ in range(3):
            assert extractor.offload(os.getpid) == os.getpid()
        assert extractor.helper._pool is None


def test_the_helper_process_does_not_take_the_current_directory_first_on_its_path(tmp_path: Path) -> None:
    work = tmp_path / "work"  # where kzfeed runs: a folder that would shadow the real module
    (work / "multiprocessing").mkdir(parents=True)
    (work / "multiprocessing" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    script = tmp_path / "run.py"  # run as a script from elsewhere: its own folder is first on its path
    script.write_text(
        "import os, time\n"
        "from kzfeed.articles._helper import HelperProcess\n"
        "if __name__ == '__main__':\n"
        "    h = HelperProcess(start_after=0)\n"
        "    deadline = time.monotonic() + 60\n"
        "    while h.run(os.getpid) == os.getpid() and time.monotonic() < deadline: time.sleep(0.02)\n"
        "    print(h.done_there > 0)\n"
        "    h.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "True", out.stderr[-2000:]


def test_work_past_its_time_limit_in_the_helper_kills_it_and_the_next_work_starts_a_new_one() -> None:
    helper = HelperProcess(start_after=0)
    try:
        first = _wait_for_helper(helper)
        with pytest.raises(HelperTimeout):
            helper.run(partial(time.sleep, 30), timeout=0.5)
        deadline = time.monotonic() + 10
        while _running(first):  # killed, not left spinning
            assert time.monotonic() < deadline, "the helper process was not killed"
            time.sleep(0.02)
        assert helper.run(partial(int, "7")) == 7
        second = _wait_for_helper(helper)
        assert second != first
    finally:
        helper.close()


def _wait_for_helper(helper: HelperProcess) -> int:
    deadline = time.monotonic() + 60
    while (pid := helper.run(os.getpid)) == os.getpid():
        assert time.monotonic() < deadline, "the helper process was not ready within 60 s"
        time.sleep(0.02)
    return pid


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class _Spinning(ArticleExtractor):
    """An extractor whose helper never finishes a parse within its time limit."""

    def offload(self, work: object, **options: object) -> object:
        raise HelperTimeout("not done within 60 s")


def test_a_feed_whose_parse_passes_the_time_limit_is_a_one_line_source_error(
    http_server: LocalHTTPServer,
) -> None:
    with _Spinning(2) as extractor, pytest.raises(SourceError) as got:
        _fetch(http_server, extractor, "/web/feeds/full.xml")
    message = str(got.value)
    assert message.startswith("source 'tt': http://") and "was not parsed within 60 s" in message
    assert "\n" not in message
