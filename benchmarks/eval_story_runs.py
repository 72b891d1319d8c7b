"""Story grouping of the labelled reports as runs make it: one source per outlet, runs of 12
sources, each source's index made by ``story_index`` (the run's path, SQLite); B-cubed against
the labelled events, for each split and for all.

    .venv/bin/python benchmarks/eval_story_runs.py [tests/data/stories/labelled]

``kzfeed eval --stories`` groups a file's reports in one index, in publication order; this
groups them source by source as ``kzfeed run`` stores them (run it with another tree's ``src``
on ``PYTHONPATH`` to compare).
"""

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kzfeed.classify import KeywordClassifier
from kzfeed.models import SourceState
from kzfeed.pipeline._stories import RunStoryKeys, remember_reports, signals_rows, story_index
from kzfeed.storage import open_store
from kzfeed.stories import assign_stories, load_story_labels, score_grouping

NOW = datetime(2025, 6, 1, tzinfo=UTC)
root = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parent.parent / "tests/data/stories/labelled"
)
classifier = KeywordClassifier()
for splits in (("dev",), ("test",), ("fresh",), ("dev", "test", "fresh")):
    by_outlet, reports = {}, []
    for split in splits:
        for report in load_story_labels(root / f"{split}.jsonl"):
            reports.append(report)
            item = report.item()
            item = report.item(classifier.classify(item.document(lang=item.lang)))
            by_outlet.setdefault(report.outlet or report.id, []).append(item)
    sources = [by_outlet[o] for o in sorted(by_outlet)]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/e.db")
        for first in range(0, len(sources), 12):
            keys, memo = RunStoryKeys(store), {}
            for n, batch in enumerate(sources[first : first + 12], start=first):
                index = story_index(keys, batch, NOW, memo)
                assigned = assign_stories(batch, index)
                counts = store.save_source(
                    state=SourceState(name=f"s{n}", type="files"),
                    config_hash="x",
                    batch=assigned,
                    merges=index.merges(),
                    ok=True,
                    now=NOW,
                    signals=signals_rows(index, assigned),
                )
                keys.stored([i.id for i in batch], index.merges())
                remember_reports(memo, index, assigned, counts.new_ids)
        predicted = {i.id: i.story_id or i.id for i in store.items(relevant=None)}
        store.close()
    result = score_grouping(reports, {r.id: r.event for r in reports}, predicted)
    print(
        "+".join(splits),
        f"reports {result.reports} events {result.events} stories {result.stories} "
        f"P {result.precision:.3f} R {result.recall:.3f} F1 {result.f1:.3f} wrong merges {len(result.wrong_merges)} splits {len(result.splits)}",
    )
