"""Classifier commands: classify one article or JSON Lines, score on labels (eval), reclassify."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kzfeed.cli.app import counting, progress
from kzfeed.cli.app import current_app as _app
from kzfeed.errors import FetchError, InputError
from kzfeed.models import RawItem
from kzfeed.sources import Classifier


def _classifier() -> Classifier:
    from kzfeed.pipeline import build_classifier

    app = _app()
    return build_classifier(app.config, app.host)


def _fetch_article(url: str) -> RawItem:
    from kzfeed.articles import article_kind, read_article
    from kzfeed.http import Fetcher
    from kzfeed.pipeline import fetch_policy

    try:
        with Fetcher(fetch_policy(_app().config.fetch)) as fetcher:
            page = fetcher.get(url, source="classify", check_robots=True, force=True)
    except FetchError as exc:
        raise InputError(f"{url}: {exc}") from exc
    kind = article_kind(url, page.content_type)
    # an HTML page is decoded by the fetcher, which knows the charset the server declared
    body = page.text if kind == "html" else page.content
    article, _warning = read_article(body, name=url, kind=kind, url=page.url)
    return article.document(id=url)


def _read_article(source: str) -> RawItem:
    """A document from a file, a URL, or ``-`` (text on stdin)."""
    from kzfeed.articles import article_kind, read_article, sniff_kind

    if source.startswith(("http://", "https://")):
        return _fetch_article(source)
    if source == "-":
        data, name = sys.stdin.buffer.read(), "stdin"
        kind = sniff_kind(data)  # no name to tell by: HTML and Markdown are told by their start
    else:
        path = Path(source)
        try:
            data, name = path.read_bytes(), str(path)
        except OSError as exc:
            raise InputError(
                f"{source}: cannot be read ({exc.strerror}); give a .txt, .md or .html file"
            ) from exc
        kind = article_kind(name)
    article, _warning = read_article(data, name=name, kind=kind)
    return article.document(id=name)


def _classify_jsonl(source: str, classifier: Classifier, explain: bool) -> None:
    from kzfeed.classify import classification_record, read_documents

    if source == "-":
        lines, name = sys.stdin, "stdin"
        documents = read_documents(lines, name)
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{source}: cannot be read as UTF-8 JSON Lines ({exc})") from exc
        documents = read_documents(text.splitlines(), source)
    for document in documents:
        record = classification_record(document.id, classifier.classify(document), evidence=explain)
        click.echo(json.dumps(record, ensure_ascii=False))


@click.command()
@click.argument("source", metavar="FILE|URL|-")
@click.option(
    "--jsonl", is_flag=True, help="SOURCE is JSON Lines (id, lang, title, text): one JSON result a line."
)
@click.option("--explain", is_flag=True, help="Show the evidence: terms matched, where, and their weight.")
def classify(source: str, jsonl: bool, explain: bool) -> None:
    """Classify one article (a .txt, .md or .html file, a URL, or - for text on stdin) with the
    configured classifier: relevance, topics, entities, and with --explain why."""
    from kzfeed.classify import explain as explain_text
    from kzfeed.classify import summary_lines

    classifier = _classifier()
    if jsonl:
        _classify_jsonl(source, classifier, explain)
        return
    document = _read_article(source)
    result = classifier.classify(document)
    rows = [("title", document.title), *summary_lines(result)]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value}")
    if explain:
        click.echo("")
        click.echo(explain_text(result))


@click.command(name="eval")
@click.argument("labels", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--detect-language", is_flag=True, help="Withhold the labelled language so it is detected too.")
@click.option(
    "--stories",
    "story_labels",
    type=click.Path(dir_okay=False),
    default=None,
    help="Score the story grouping instead, on JSON Lines with an 'event' label per report.",
)
def eval_cmd(labels: tuple[str, ...], as_json: bool, detect_language: bool, story_labels: str | None) -> None:
    """Score the configured classifier on labelled JSON Lines (id, lang, title, text, relevant,
    topics, optionally passing_topics and form): relevance P/R/F1, off-beat marked relevant, topic
    micro/macro F1, passing mentions tagged and tags per article, by topic, form and language,
    misclassified ids. With --stories FILE: B-cubed precision/recall/F1 of the story grouping, wrong merges, splits."""
    from kzfeed.classify import evaluate, format_report, load_labels, report_as_json

    if story_labels is not None:
        if labels:
            raise click.UsageError("give either LABELS or --stories FILE, not both")
        _eval_stories(story_labels, as_json)
        return
    if not labels:
        raise click.UsageError(
            "missing LABELS (JSON Lines files to score the classifier on), or --stories FILE"
        )
    records = [record for path in labels for record in load_labels(path)]
    report = evaluate(_classifier(), records, with_lang=not detect_language)
    click.echo(report_as_json(report) if as_json else format_report(report))


def _eval_stories(path: str, as_json: bool) -> None:
    import dataclasses

    from kzfeed.stories import evaluate_stories, format_story_eval, load_story_labels

    result = evaluate_stories(load_story_labels(path), _classifier().classify)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
    else:
        click.echo(format_story_eval(result))


@click.command()
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True)
def reclassify(batch_size: int) -> None:
    """Classify every stored item again with the configured classifier (after changing the
    vocabulary), store what changed, and write the feeds."""
    from kzfeed.pipeline import reclassify as run_reclassify
    from kzfeed.pipeline import render

    app = _app()
    classifier = _classifier()
    store = app.store()
    store.mark_feeds_dirty()  # should the render below fail, the next run renders them
    with progress("Items", 0 if app.quiet else store.count_items()) as tick:
        report = run_reclassify(store, classifier, batch_size=batch_size, on_batch=counting(tick))
    written = render(app.config, store, full=True)  # topics changed on item pages too
    if app.quiet:
        return
    click.echo(
        f"{report.items} item(s) classified again: {report.changed} changed "
        f"({report.now_in_feeds} now in the feeds, {report.now_left_out} now left out)"
    )
    click.echo(f"feeds: {len(written)} file(s) changed in {app.config.output_dir}")


COMMANDS = [classify, eval_cmd, reclassify]
