"""The example plugins in plugins/, on their fixture pages: govkz-press and min_words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, CliResult
from kzfeed.plugins import make_plugin_host
from kzfeed.testing._httpserver import LocalHTTPServer

NEWS = "/memleket/entities/mfa/press/news"


@pytest.fixture
def kzfeed_plugins() -> list[object]:
    host = make_plugin_host(plugins_dirs=[REPO / "plugins"], entry_points=False, builtins=False)
    return [host.pm.get_plugin("govkz_press")]


@pytest.fixture
def kzfeed_fixtures_dir() -> Path:
    return REPO / "plugins" / "fixtures"


@pytest.fixture
def gov_kz(kzfeed_http: LocalHTTPServer) -> LocalHTTPServer:
    kzfeed_http.route(NEWS, file="govkz/mfa_news.html")
    for release in ("934521", "934377", "934102"):
        kzfeed_http.route(f"{NEWS}/details/{release}", file=f"govkz/release_{release}.html")
    return kzfeed_http


def test_govkz_press_reads_each_release_once_with_its_full_text(
    run_source: Any, gov_kz: LocalHTTPServer
) -> None:
    items = run_source("govkz-press", {"url": f"https://www.gov.kz{NEWS}?lang=en"}, name="mfa-kz")
    assert [i.url for i in items] == [
        f"https://www.gov.kz{NEWS}/details/{n}?lang=en" for n in ("934521", "934377", "934102", "934050")
    ]
    first = items[0]
    assert first.title == "Kazakhstan and the European Union agree a roadmap on critical raw materials"
    assert first.published is not None and first.published.isoformat() == "2025-03-12T10:40:00+00:00"
    assert first.outlet == "Ministry of Foreign Affairs of the Republic of Kazakhstan"
    assert "Kostanay and East Kazakhstan regions" in first.text
    assert "Related news" not in first.text
    assert items[3].text == "Photos of the visit."  # its page is missing: the lead is kept


def test_govkz_press_max_items_and_listing_only(run_source: Any, gov_kz: LocalHTTPServer) -> None:
    url = f"https://www.gov.kz{NEWS}?lang=en"
    items = run_source("govkz-press", {"url": url, "max_items": 2, "fetch_articles": False})
    assert [i.summary for i in items] == [i.text for i in items]
    assert len(items) == 2
    assert [r.path.split("?")[0] for r in gov_kz.requests] == [NEWS]


def test_govkz_press_rejects_a_url_that_is_not_http(run_source: Any) -> None:
    with pytest.raises(Exception, match=r"'url' must be an http\(s\) URL"):
        run_source("govkz-press", {"url": "www.gov.kz/news"})


def test_kzfeed_run_ingests_a_ministry_and_min_words_drops_the_photo_stub(
    kzfeed: Callable[..., CliResult], write_config: Any, project: Path, gov_kz: LocalHTTPServer
) -> None:
    write_config(
        f'plugins_dir = "{REPO / "plugins"}"\n'
        f'[[sources]]\nname = "mfa-kz"\ntype = "govkz-press"\nurl = "{gov_kz.url(NEWS)}?lang=en"\n'
        "[fetch]\nexempt_loopback = true\nallow_private = ['127.0.0.1']\n[plugins.min_words]\nmin_words = 30\n"
    )
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("mfa-kz: 3 new, 0 updated, 0 unchanged, 0 failed")
    listed = kzfeed("items", "--all").stdout
    assert "Trans-Caspian route" in listed
    assert "Photo report" not in listed
