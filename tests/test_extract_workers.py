"""What an extraction worker process holds when its first page comes: what extracting needs,
set up once in the fork server, and not the command line that started the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

# run as a script, as the ``kzfeed`` command's script is: multiprocessing runs a script again in
# each worker process it starts (not a module run with ``python -m``)
_PROBE = """\
import json, sys, time
from {module} import {attr}  # what the kzfeed command's script imports


def first_page() -> dict:
    import trafilatura.external

    loaded = [name for name in ("click", "kzfeed.cli", "trafilatura", "py3langid") if name in sys.modules and sys.modules[name] is not None]
    # trafilatura's one-time set-up that a page falling back to justext pays otherwise: the
    # stop words of every language (~0.3 s of CPU a worker)
    return {{"loaded": loaded, "stoplist": trafilatura.external.JT_STOPLIST is not None}}


if __name__ == "__main__":
    from kzfeed.articles import ArticleExtractor

    with ArticleExtractor(2) as extract:
        print(json.dumps(extract._executor().submit(first_page).result()))
"""


def _probe(tmp_path: Path, *, path: Path | None = None) -> dict[str, object]:
    (script,) = entry_points(group="console_scripts", name="kzfeed")
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE.format(module=script.module, attr=script.attr), encoding="utf-8")
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(probe)], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_workers_started_by_the_kzfeed_command_do_not_import_the_command_line(tmp_path: Path) -> None:
    assert _probe(tmp_path)["loaded"] == ["trafilatura"]


def test_workers_start_with_trafilaturas_one_time_set_up_done(tmp_path: Path) -> None:
    assert _probe(tmp_path)["stoplist"] is True


def test_the_command_script_imports_no_command_line() -> None:
    (script,) = entry_points(group="console_scripts", name="kzfeed")
    code = (
        f"import sys\nfrom {script.module} import {script.attr}\n"
        "print(','.join(m for m in ('click', 'kzfeed.cli', 'sqlalchemy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_workers_leave_out_a_language_filter_kzfeed_never_asks_for(tmp_path: Path) -> None:
    # trafilatura imports py3langid (and numpy, ~12 MiB a fork server) whenever it is installed,
    # for a filter that runs only with a target language; here a stand-in is installed
    fake = tmp_path / "site"
    (fake / "py3langid").mkdir(parents=True)
    (fake / "py3langid" / "__init__.py").write_text("def classify(text):\n    return ('en', 1.0)\n")
    assert _probe(tmp_path, path=fake)["loaded"] == ["trafilatura"]
