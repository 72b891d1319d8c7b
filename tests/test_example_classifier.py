"""The example classifier plugin in plugins/ (lead_focus), loaded from there and run by `kzfeed run`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult

REPO = Path(__file__).resolve().parents[1]

BODY_ONLY = """Kazakhstan opens a solar plant in the Turkestan region

TURKESTAN — Kazakhstan commissioned a 100-megawatt solar power plant in the Turkestan region on Tuesday, the energy ministry of Kazakhstan said, adding that the plant will supply the grid of the south.

The plant was built by a Kazakh contractor over fourteen months and employs sixty people from nearby villages, the ministry said.

Part of the financing came from the European Union, which works with Kazakhstan on renewable energy; the European Investment Bank and Kazakhstan signed the loan last year.

The EU ambassador to Kazakhstan said at the opening that the European Union and Kazakhstan would finance two more plants under Global Gateway, and that German and French companies were ready to supply the panels.
"""


def test_lead_focus_plugin_is_chosen_in_the_config_and_decides_the_feeds(
    kzfeed: Callable[..., CliResult], project: Path, write_config: Callable[[str], Path]
) -> None:
    shutil.copytree(REPO / "plugins", project / "plugins")
    (project / "seeds" / "solar.txt").write_text(BODY_ONLY, encoding="utf-8")
    sources = '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'

    write_config(sources)
    assert kzfeed("-q", "run").exit_code == 0
    assert "solar plant" in kzfeed("items").stdout  # keywords lets it in

    write_config(sources + '[classifier]\nname = "lead_focus"\nthreshold = 0.5\n')
    assert "lead_focus" in kzfeed("plugins").stdout
    result = kzfeed("run", "--refetch")
    assert result.exit_code == 0, result.stderr
    assert "solar plant" not in kzfeed("items").stdout
    left_out = kzfeed("items", "--all").stdout
    assert "the EU side is named only in the body" in left_out
    assert len(kzfeed("items").stdout.splitlines()) == 5  # the seeds name the EU up front


def test_lead_focus_passes_options_to_keywords(
    kzfeed: Callable[..., CliResult], project: Path, write_config: Callable[[str], Path]
) -> None:
    shutil.copytree(REPO / "plugins", project / "plugins")
    write_config('[classifier]\nname = "lead_focus"\ntreshold = 0.5\n')
    result = kzfeed("run")
    assert result.exit_code == 2 and "unknown key 'treshold'" in result.stderr
