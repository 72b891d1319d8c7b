"""Tests for kzfeed.articles._extract: article extraction from HTML pages (offline fixtures)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kzfeed.articles._extract import extract_article
from kzfeed.articles._text import NO_DATE_NOTE
from kzfeed.errors import InputError

HTML = Path(__file__).parent / "data" / "html"


def _page(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def test_french_page_with_navigation_ads_and_comments() -> None:
    article = extract_article(
        _page("gazette_fr.html"), url="https://www.lagazette.example/monde/kazakhstan-france-energie"
    )
    assert article.title == "Le Kazakhstan et la France renforcent leur partenariat énergétique"
    assert article.published == datetime(2025, 5, 7, 18, 41, tzinfo=UTC)
    assert article.outlet == "La Gazette"
    assert article.author == "Claire Dubois"
    assert article.lang == "fr"
    assert article.image == "https://www.lagazette.example/img/astana-paris.jpg"
    assert article.notes == ()
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("Le vice-ministre des Affaires étrangères du Kazakhstan")
    assert article.paragraphs[-1].startswith("En conclusion, les deux pays")
    for unwanted in ("Publicité", "PUB", "LIRE AUSSI", "Très bonne nouvelle", "Ouzbékistan", "Newsletter",
                     "Tous droits réservés", "Photo :", "Suivez nous", "PARTAGEZ", "Mots-clés", "Accueil"):  # fmt: skip
        assert all(unwanted not in p for p in article.paragraphs), unwanted


def test_english_page_with_json_ld_metadata() -> None:
    article = extract_article(_page("astana_en.html"), name="astana_en.html")
    assert article.title == "EU and Kazakhstan launch Trans-Caspian corridor investment platform"
    assert article.published == datetime(2024, 11, 5, 5, 0, tzinfo=UTC)
    assert article.outlet == "The Steppe Courier"
    assert article.author == "Aigerim Sadykova"
    assert article.lang == "en"
    assert article.image == "https://steppecourier.example/media/corridor.jpg"
    assert len(article.paragraphs) == 4
    assert article.paragraphs[-1].startswith('"The corridor is a strategic priority')
    for unwanted in ("Read more", "Advertisement", "Subscribe", "Most read", "cookies", "Share this", "©"):
        assert all(unwanted not in p for p in article.paragraphs), unwanted


def test_russian_page_with_time_element() -> None:
    article = extract_article(_page("kazinform_ru.html"))
    assert article.title == "Казахстан и ЕС обсудили поставки критического сырья"
    assert article.published == datetime(2024, 11, 5, 9, 30, tzinfo=UTC)
    assert article.outlet == "Степной вестник"
    assert article.author == "Иван Петров"
    assert article.lang == "ru"
    assert len(article.paragraphs) == 3
    for unwanted in ("Фото:", "Читайте также", "Реклама", "Подписывайтесь", "Главная"):
        assert all(unwanted not in p for p in article.paragraphs), unwanted


# Pages of scripts written without spaces between words: the text is real prose (Japanese and
# Chinese introductions to Python from CPython's test/cjkencodings), the page around it is ours.
@pytest.mark.parametrize(
    ("name", "title", "first", "last", "count"),
    [
        (
            "python_ja.html",
            "Python の歴史と言語設計",
            "Python の開発は、1990 年ごろから",
            "というのが Python のポリシーです。",
            6,
        ),
        (
            "python_zh.html",
            "Python 语言简介",
            "Python（派森）语言是一种功能强大",
            "我們所要討論的問題就是:",
            3,
        ),
    ],
)
def test_pages_in_unspaced_scripts_keep_every_paragraph(
    name: str, title: str, first: str, last: str, count: int
) -> None:
    article = extract_article(_page(name), url=f"https://news.example/{name}")
    assert article.title == title
    assert len(article.paragraphs) == count
    assert article.paragraphs[0].startswith(first)
    assert article.paragraphs[-1].endswith(last)
    for furniture in (
        "シェア",
        "関連記事",
        "テクノロジー通信",
        "分享",
        "相关文章",
        "科技日报",
        "ホーム",
        "首页",
    ):
        assert all(furniture not in p for p in article.paragraphs), furniture


def test_a_page_laid_out_with_tables_keeps_its_article() -> None:
    paragraphs = [
        "The European Union and Kazakhstan signed a memorandum of understanding on sustainable raw "
        "materials, batteries and renewable hydrogen in Sharm el-Sheikh on Monday.",
        "The partnership covers the integration of value chains, the mobilisation of investment and "
        "cooperation on research, skills and high environmental and social standards.",
        "A roadmap for 2023 and 2024 is to set out the concrete steps, the ministry said in a statement.",
    ]
    menu = "".join(
        f"<tr><td><a href='/{w}'>{w}</a></td></tr>" for w in ("Ministry", "News", "Contacts", "Documents")
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        "<html><head><title>EU and Kazakhstan sign raw materials memorandum</title></head><body>"
        f"<table><tr><td class='left'><table>{menu}</table></td><td class='content'>"
        f"<h2>EU and Kazakhstan sign raw materials memorandum</h2><div>07.11.2022</div>{body}"
        "<p><a href='?print=1'>Print</a> | <a href='#'>Send by e-mail</a></p></td></tr></table></body></html>"
    )
    article = extract_article(page, url="https://mfa.example/press/123")
    assert article.paragraphs == tuple(paragraphs)


def _count_readability(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import trafilatura.external

    calls: list[int] = []
    real = trafilatura.external.try_readability

    def counted(tree: object) -> object:
        calls.append(1)
        return real(tree)

    monkeypatch.setattr(trafilatura.external, "try_readability", counted)
    return calls


_LONG = [
    "The European Union and Kazakhstan agreed on Tuesday a roadmap for their partnership on "
    "sustainable raw materials, batteries and renewable hydrogen, officials said in Astana.",
    "The roadmap sets out joint projects in the exploration and processing of lithium, tungsten and "
    "rare earths, with European investment banks ready to finance the first of them next year.",
    "Kazakh officials said the country wants to process more of its ores at home instead of "
    "exporting concentrates, and that European standards would apply to the new plants.",
    "Brussels sees the partnership as part of its effort to diversify the supply of critical raw "
    "materials, on which the green and digital transitions of its industry depend.",
    "The two sides also discussed the Trans-Caspian transport route, which is to carry more of the "
    "trade between Europe and Central Asia as its ports and railways are modernised.",
    "Student exchanges are to grow as well: more Kazakh universities join the Erasmus+ programme, "
    "and the visa facilitation talks that began last spring are to continue in the autumn.",
    "The next meeting of the cooperation council is planned for Brussels early next year, where "
    "the first projects of the roadmap are to be presented to investors from both sides.",
]


def _long_page() -> str:
    menu = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in ("Politics", "Economy", "World", "Sport"))
    body = "".join(f"<p>{p}</p>" for p in _LONG)
    return (
        "<html><head><title>EU and Kazakhstan agree a raw materials roadmap</title></head><body>"
        f"<nav><ul>{menu}</ul></nav><article><h1>EU and Kazakhstan agree a raw materials roadmap</h1>"
        f"{body}</article><footer><a href='/about'>About us</a></footer></body></html>"
    )


def test_a_long_article_is_kept_without_running_trafilaturas_fallbacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # readability ran in full on every page only to be compared with the text already found:
    # about as much CPU again as the extraction itself
    calls = _count_readability(monkeypatch)
    article = extract_article(_long_page(), url="https://news.example/roadmap")
    assert article.paragraphs == tuple(_LONG)
    assert calls == []


def test_a_short_text_is_extracted_again_with_trafilaturas_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_readability(monkeypatch)
    page = (
        "<html><head><title>Kazakhstan and the EU sign a lithium deal</title></head><body>"
        "<article><h1>Kazakhstan and the EU sign a lithium deal</h1>"
        "<p>Astana and Brussels signed an agreement on critical raw materials on Tuesday.</p>"
        "<p>The first joint projects are to start in the lithium deposits of East Kazakhstan.</p>"
        "</article></body></html>"
    )
    article = extract_article(page, url="https://news.example/lithium")
    assert article.paragraphs[0].startswith("Astana and Brussels")
    assert calls  # the text is short: readability is asked whether it finds more


@pytest.mark.parametrize(
    "name", ["long", *sorted(str(p.relative_to(HTML.parent)) for p in HTML.parent.rglob("*.html"))]
)
def test_every_fixture_page_comes_out_as_with_the_fallbacks_on_every_page(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kzfeed.articles._extract as extract

    html = (
        _long_page() if name == "long" else (HTML.parent / name).read_text(encoding="utf-8", errors="replace")
    )

    def article() -> object:
        try:
            return extract_article(html, url=f"https://site.example/{Path(name).name}")
        except InputError as error:
            return str(error)

    now = article()
    monkeypatch.setattr(extract, "FALLBACK_BELOW", sys.maxsize)  # every text extracted again with them
    assert article() == now


def test_justexts_stop_words_are_made_into_a_set_once_not_per_page() -> None:
    # trafilatura falls back on justext for pages laid out with tables and hands it the stop
    # words of every language (~154,000); justext made them into a new set on each page (~7 ms)
    code = (
        "import justext.core\n"
        "made = []\n"
        "define = justext.core.define_stoplist\n"
        "justext.core.define_stoplist = lambda words: made.append(len(words)) or define(words)\n"
        "from kzfeed.articles import extract_article\n"
        "page = ('<html><body><table><tr><td><a href=\"/\">Home</a></td></tr><tr><td>'\n"
        "    '<h1>Kazakhstan and the EU sign a raw materials deal</h1>' + '<p>Astana and Brussels signed '\n"
        "    'an agreement on critical raw materials on Tuesday, opening joint projects in lithium.</p>' * 6\n"
        "    + '</td></tr></table></body></html>')\n"
        "texts = {extract_article(page, url=f'https://mfa.example/press/{n}').paragraphs for n in range(3)}\n"
        "print(len(texts), len(made))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["1", "1"]  # the same text each time, from one set


def test_a_japanese_sentence_is_prose_and_a_japanese_menu_is_not() -> None:
    from kzfeed.articles._furniture import is_nav, is_prose, words

    sentence = "言語自体の機能は最小限に押さえ、必要な機能は拡張モジュールとして追加する、というのが Python のポリシーです。"
    assert words(sentence) >= 20 and is_prose(sentence) and not is_nav(sentence)
    assert is_nav("ホーム") and is_nav("ニュース") and not is_prose("お問い合わせ")
    assert words("The EU and Kazakhstan") == 4  # spaced scripts count as before


def test_page_without_date_gets_a_note() -> None:
    page = (
        "<html><head><title>Kazakhstan and the EU talk trade</title></head><body><article>"
        "<h1>Kazakhstan and the EU talk trade</h1>"
        "<p>Negotiators from Kazakhstan and the European Union met in Astana to discuss trade in "
        "critical raw materials, transport links and green hydrogen projects.</p>"
        "<p>Both sides said they expected to sign a road map before the end of the year, officials said.</p>"
        "</article></body></html>"
    )
    article = extract_article(page)
    assert article.published is None
    assert article.notes == (NO_DATE_NOTE,)
    assert article.title == "Kazakhstan and the EU talk trade"


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   ",
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
    ],
)
def test_page_without_article_text_raises(page: str) -> None:
    with pytest.raises(InputError, match=r"^empty\.html: "):
        extract_article(page, name="empty.html")


def test_heavy_libraries_are_imported_lazily() -> None:
    code = (
        "import sys, kzfeed.articles._extract, kzfeed.articles._text, kzfeed.articles._dates, kzfeed.lang\n"
        "heavy = [m for m in ('trafilatura', 'dateparser', 'fasttext', 'charset_normalizer') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_extraction_workers_do_not_import_modules_from_the_current_directory(tmp_path: Path) -> None:
    # issue 12 #13: a brotli/ folder where kzfeed ran was imported by the extraction workers
    work = tmp_path / "work"
    (work / "brotli").mkdir(parents=True)
    (work / "brotli" / "__init__.py").write_text(
        "import pathlib\npathlib.Path(__file__).parent.parent.joinpath('IMPORTED').write_text('yes')\n"
        "raise ImportError('a folder of the current directory, not a library')\n"
    )
    script = tmp_path / "probe.py"  # run as a script, like the kzfeed console script
    script.write_text(
        "from kzfeed.articles import ArticleExtractor\n"
        "if __name__ == '__main__':\n"
        "    page = '<html><body><article><h1>Kazakhstan and the EU</h1>' + "
        "'<p>Astana and Brussels agreed on lithium and rare earths in a long meeting.</p>' * 20 + "
        "'</article></body></html>'\n"
        "    with ArticleExtractor(2) as extract:\n"
        "        print(extract(page, url='https://news.example.org/a').title)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=work, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Kazakhstan and the EU"
    assert not (work / "IMPORTED").exists()
