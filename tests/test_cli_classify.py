"""The classifier commands as a user runs them: classify, classify --jsonl, eval, reclassify, show --explain."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from conftest import CliResult
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "classifier"
HTML = REPO / "tests" / "data" / "html"

ARTICLE = """Kazakhstan and the EU sign a raw materials partnership

ASTANA — The European Union and Kazakhstan signed a memorandum on critical raw materials, batteries and renewable hydrogen on Monday.

The partnership covers lithium, rare earths and geological exploration, and the production of green hydrogen for export to Europe, the European Commission said.
"""


def _stdin(args: list[str], text: str) -> CliResult:
    from kzfeed.cli import main

    code = 0
    with CliRunner().isolation(input=text) as (out, err, _):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


def _fields(stdout: str) -> dict[str, str]:
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in stdout.splitlines() if "  " in line)


def test_classify_a_text_file(kzfeed: Kz, project: Path) -> None:
    (project / "article.txt").write_text(ARTICLE, encoding="utf-8")
    result = kzfeed("classify", "article.txt")
    assert result.exit_code == 0, result.stderr
    fields = _fields(result.stdout)
    assert fields["title"] == "Kazakhstan and the EU sign a raw materials partnership"
    assert fields["relevant"].startswith("yes — relevant: Kazakhstan with European Union")
    assert fields["language"] == "en"
    assert fields["topics"].startswith("raw_materials (")
    assert "European Commission (1)" in fields["entities"]
    assert "title  ×" not in result.stdout  # the evidence only with --explain


def test_classify_explain_shows_terms_fields_and_weights(kzfeed: Kz, project: Path) -> None:
    (project / "article.txt").write_text(ARTICLE, encoding="utf-8")
    result = kzfeed("classify", "--explain", "article.txt")
    assert result.exit_code == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    # relevance evidence: side:name, field, count, weight; the title weighs 3
    assert ["kz:Kazakhstan", "title", "×1", "weight", "3"] in lines
    assert ["eu:European", "Union", "title", "×1", "weight", "3"] in lines
    topic = result.stdout.split("topic raw_materials", 1)[1]
    assert re.search(r"raw materials\s+title\s+×1\s+weight 3\b", topic)
    assert re.search(r"lithium\s+lead", topic)  # the lead is the first 150+ characters


def test_classify_text_on_stdin(project: Path) -> None:
    result = _stdin(
        ["classify", "-"], ARTICLE.replace("European Union", "EU").replace("Kazakhstan", "Kasachstan")
    )
    assert result.exit_code == 0, result.stderr
    assert "relevant   yes" in result.stdout


def test_classify_stdin_tells_html_and_markdown_by_how_they_start(project: Path) -> None:
    page = _stdin(["classify", "-"], (HTML / "astana_en.html").read_text(encoding="utf-8"))
    assert page.exit_code == 0, page.stderr
    fields = _fields(page.stdout)
    assert "<" not in fields["title"] and fields["relevant"].startswith("yes")
    assert "transport_logistics" in fields["topics"]

    markdown = _stdin(["classify", "-"], "# " + ARTICLE)
    assert markdown.exit_code == 0, markdown.stderr
    assert _fields(markdown.stdout)["title"] == "Kazakhstan and the EU sign a raw materials partnership"


def test_a_title_of_two_words_gets_an_error_that_says_so(project: Path) -> None:
    text = "Uranium talks\n\nKazakhstan and France discussed supplies. Uranium shipments continue.\n"
    result = _stdin(["classify", "-"], text)
    assert result.exit_code == 2
    assert result.stderr == (
        "kzfeed: error: stdin: no headline found; 'Uranium talks' was read as a site or section name"
        " (two words or fewer) and what follows is not a headline: put a title of three words or more"
        " on its own line at the top\n"
    )


LOOPBACK_CONFIG = "[fetch]\nallow_private = ['127.0.0.1']\n"  # the test server's address


def test_classify_a_url(kzfeed: Kz, project: Path) -> None:
    (project / "kzfeed.toml").write_text(LOOPBACK_CONFIG, encoding="utf-8")
    with LocalHTTPServer(root=HTML) as server:
        result = kzfeed("classify", server.url("/astana_en.html"))
    assert result.exit_code == 0, result.stderr
    fields = _fields(result.stdout)
    assert fields["relevant"].startswith("yes")
    assert "transport_logistics" in fields["topics"]


def test_classify_bad_input_is_one_line_and_exit_code_2(kzfeed: Kz, project: Path) -> None:
    missing = kzfeed("classify", "missing.txt")
    assert missing.exit_code == 2
    assert missing.stderr == (
        "kzfeed: error: missing.txt: cannot be read (No such file or directory); give a .txt, .md or .html file\n"
    )
    (project / "empty.txt").write_text("  \n", encoding="utf-8")
    empty = kzfeed("classify", "empty.txt")
    assert (
        empty.exit_code == 2
        and empty.stderr.count("\n") == 1
        and "empty.txt: the file is empty" in empty.stderr
    )
    (project / "kzfeed.toml").write_text(LOOPBACK_CONFIG, encoding="utf-8")
    with LocalHTTPServer(root=HTML) as server:
        gone = kzfeed("classify", server.url("/gone.html"))
    assert gone.exit_code == 2 and gone.stderr.count("\n") == 1 and "404" in gone.stderr


def test_classify_jsonl_writes_one_result_a_line(kzfeed: Kz, project: Path) -> None:
    lines = (LABELS / "test.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    (project / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = kzfeed("classify", "--jsonl", "in.jsonl")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [json.loads(line)["id"] for line in lines]
    for record, line in zip(records, lines, strict=True):
        assert set(record) == {"id", "relevant", "relevance", "topics", "entities"}
        assert record["relevant"] == json.loads(line)["relevant"]  # the test split is all right
    explained = json.loads(kzfeed("classify", "--jsonl", "--explain", "in.jsonl").stdout.splitlines()[0])
    assert explained["reason"] and explained["evidence"]["relevance"][0]["field"] in ("title", "lead", "body")


def test_classify_jsonl_bad_line_names_file_and_line(kzfeed: Kz, project: Path) -> None:
    good = json.dumps({"id": "a", "title": "Kazakhstan and France", "text": "Astana and Paris."})
    (project / "in.jsonl").write_text(f"{good}\n\n{{oops\n{good}\n", encoding="utf-8")
    result = kzfeed("classify", "--jsonl", "in.jsonl")
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("kzfeed: error: in.jsonl:3: not valid JSON")
        and result.stderr.count("\n") == 1
    )
    assert len(result.stdout.splitlines()) == 1  # what came before the bad line was written
    (project / "in.jsonl").write_text(json.dumps({"id": "b", "text": "no title"}) + "\n", encoding="utf-8")
    missing = kzfeed("classify", "--jsonl", "in.jsonl")
    assert missing.exit_code == 2 and "in.jsonl:1: missing field 'title'" in missing.stderr


def test_eval_scores_the_configured_classifier(
    kzfeed: Kz, write_config: Callable[[str], Path], project: Path
) -> None:
    # the first-round items of the test split (headline and a few paragraphs), all decided right
    lines = (LABELS / "test.jsonl").read_text(encoding="utf-8").splitlines()
    first_round = [line for line in lines if re.match(r'\{"id": "[a-z]{2}-\d+"', line)]
    assert len(first_round) >= 60
    (project / "first.jsonl").write_text("\n".join(first_round) + "\n", encoding="utf-8")
    labels = "first.jsonl"
    result = kzfeed("eval", labels)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"relevance\s+P 1\.000\s+R 1\.000\s+F1 1\.000", result.stdout)
    assert "macro F1" in result.stdout and "misclassified (0):" in result.stdout
    for lang in ("en", "fr", "de", "ru", "kk"):
        assert re.search(rf"^{lang}\s+\d+", result.stdout, flags=re.MULTILINE)
    # a stricter threshold in the config is what eval measures
    write_config("[classifier]\nthreshold = 0.97\n")
    strict = json.loads(kzfeed("eval", "--json", labels).stdout)
    assert strict["relevance"]["recall"] < 1.0
    assert strict["misclassified"] and all(m["expected_relevant"] for m in strict["misclassified"])


def test_eval_bad_labels_file_is_exit_code_2(kzfeed: Kz, project: Path) -> None:
    (project / "labels.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    result = kzfeed("eval", "labels.jsonl")
    assert result.exit_code == 2 and "labels.jsonl:1: missing field 'title'" in result.stderr


def _entries(project: Path, feed: str = "feed.atom") -> int:
    return (project / "public" / feed).read_text(encoding="utf-8").count("<entry ")


def test_reclassify_applies_a_vocabulary_change_and_rewrites_the_feeds(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    assert kzfeed("-q", "run").exit_code == 0
    assert _entries(project) == 5
    again = kzfeed("reclassify")
    assert again.stdout.startswith("5 item(s) classified again: 0 changed")

    sources = '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    write_config(
        sources
        + '[classifier]\n[classifier.topics.parliament]\nterms = { fr = ["interparlementaire", "parlementaire*"] }\n'
    )
    result = kzfeed("reclassify")
    assert result.exit_code == 0, result.stderr
    assert re.match(r"5 item\(s\) classified again: [1-5] changed", result.stdout)
    listed = kzfeed("items", "--topic", "parliament").stdout
    assert "interparlementaire" in listed
    assert _entries(project, "topics/parliament.atom") >= 1
    item_id = listed.split()[0]
    explained = kzfeed("show", "--explain", item_id).stdout
    assert "topic parliament" in explained and "interparlementaire" in explained.split("topic parliament")[1]

    write_config(sources + "[classifier]\nthreshold = 0.995\n")
    stricter = kzfeed("reclassify")
    left_out = int(re.search(r"(\d+) now left out", stricter.stdout).group(1))  # type: ignore[union-attr]
    assert left_out >= 1 and _entries(project) == 5 - left_out
    assert kzfeed("items", "--all").stdout.count("not relevant:") == left_out


def test_show_explain_prints_the_stored_evidence(kzfeed: Kz) -> None:
    kzfeed("-q", "run")
    item_id = kzfeed("items").stdout.split()[0]
    plain = kzfeed("show", item_id).stdout
    explained = kzfeed("show", "--explain", item_id).stdout
    assert "kz:Kazakhstan" not in plain
    assert re.search(r"kz:Kazakhstan\s+title\s+×1\s+weight 3", explained)
    assert re.search(r"^topic \w+ \d\.\d\d\b", explained, flags=re.MULTILINE)
