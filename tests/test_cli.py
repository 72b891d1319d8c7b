from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import CliResult

Kz = Callable[..., CliResult]


def test_bad_config_is_one_line_and_exit_code_2(kzfeed: Kz, write_config: Callable[[str], Path]) -> None:
    write_config('titel = "typo"\n')
    result = kzfeed("run")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "unknown key 'titel'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_source_type_is_a_config_error(kzfeed: Kz, write_config: Callable[[str], Path]) -> None:
    write_config('[[sources]]\nname = "x"\ntype = "rsss"\n')
    result = kzfeed("run")
    assert result.exit_code == 2
    assert "unknown type 'rsss'" in result.stderr and "known types: files" in result.stderr


def test_missing_config_file_is_exit_code_2(kzfeed: Kz) -> None:
    result = kzfeed("--config", "nope.toml", "run")
    assert result.exit_code == 2
    assert "config file" in result.stderr and "not found" in result.stderr


def test_unknown_source_option_names_the_key(kzfeed: Kz, write_config: Callable[[str], Path]) -> None:
    write_config('[[sources]]\nname = "s"\ntype = "files"\npaht = "seeds"\n')
    result = kzfeed("run")
    assert result.exit_code == 2
    assert "source 's': unknown key 'paht'" in result.stderr


def test_items_show_and_export(kzfeed: Kz) -> None:
    assert kzfeed("-q", "run").exit_code == 0
    listing = kzfeed("items")
    assert listing.exit_code == 0
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 5
    first_id = lines[0].split()[0]
    shown = kzfeed("show", first_id)
    assert shown.exit_code == 0
    assert "relevance" in shown.stdout and "topics" in shown.stdout
    records = [json.loads(line) for line in kzfeed("export").stdout.splitlines()]
    assert len(records) == 5
    for rec in records:
        assert {
            "id",
            "source",
            "url",
            "title",
            "published",
            "lang",
            "text",
            "relevant",
            "topics",
        } <= rec.keys()
        assert rec["source"] == "seeds" and rec["relevant"] is True and rec["text"]
        assert "Suivez nous sur" not in rec["text"]
    topic = kzfeed("items", "--topic", "raw_materials")
    # three seeds develop raw materials; the two others only mention it (issue 15)
    assert len(topic.stdout.strip().splitlines()) == 3


def test_items_by_entity_in_any_spelling_or_script(kzfeed: Kz) -> None:
    assert kzfeed("-q", "run").exit_code == 0

    def ids(name: str) -> set[str]:
        result = kzfeed("items", "--entity", name)
        assert result.exit_code == 0, result.stderr
        return {line.split()[0] for line in result.stdout.splitlines() if not line.startswith("no items")}

    # three seeds quote the president; every spelling finds those three and no other
    tokayev = ids("Kassym-Jomart Tokayev")
    assert len(tokayev) == 3
    for spelling in ("Tokayev", "tokayev", "Tokaïev", "Токаев", "Тоқаев"):
        assert ids(spelling) == tokayev, spelling
    assert ids("EU") == ids("ЕС") == ids("European Union") != set()
    nobody = kzfeed("items", "--entity", "Nobody Atall")
    assert nobody.stdout.startswith("no items mention 'Nobody Atall'")

    exported = [json.loads(line) for line in kzfeed("export", "--entity", "Токаев").stdout.splitlines()]
    assert {record["id"][:8] for record in exported} == tokayev
    assert all("Kassym-Jomart Tokayev" in record["entities"] for record in exported)


def test_a_misspelt_topic_is_an_error_with_a_suggestion(
    kzfeed: Kz, write_config: Callable[[str], Path]
) -> None:
    write_config('[classifier.topics.agriculture]\nterms = ["wheat"]\n')
    assert kzfeed("-q", "run").exit_code == 0
    for command in ("items", "export"):
        result = kzfeed(command, "--topic", "raw_material")
        assert result.exit_code == 2
        assert result.stderr.startswith(
            "kzfeed: error: unknown topic 'raw_material'; did you mean 'raw_materials'? topics: agriculture,"
        )
    # a topic of the user's own vocabulary that no item has yet: no items, no error
    assert kzfeed("items", "--topic", "agriculture").stdout.startswith("no items")


def test_show_unknown_id_is_a_clear_error(kzfeed: Kz) -> None:
    kzfeed("-q", "run")
    result = kzfeed("show", "zzzzzzzz")
    assert result.exit_code == 2
    assert "no item with id 'zzzzzzzz'" in result.stderr


def test_run_json_summary(kzfeed: Kz) -> None:
    result = kzfeed("run", "--json")
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["totals"]["new"] == 5
    assert data["sources"][0]["name"] == "seeds"


def test_plugins_lists_builtins_and_hooks(kzfeed: Kz) -> None:
    result = kzfeed("plugins")
    assert result.exit_code == 0
    assert "files  (builtin)" in result.stdout
    assert "hooks: register_sources" in result.stdout
    assert "source types: files" in result.stdout


def test_plugin_commands_are_added(kzfeed: Kz, project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "hello.py").write_text(
        "import click\nfrom kzfeed import hookimpl\n"
        "@click.command()\ndef hello():\n    'Say hello.'\n    click.echo('hello from a plugin')\n"
        "@hookimpl\ndef register_commands(cli):\n    cli.add_command(hello)\n"
    )
    result = kzfeed("hello")
    assert result.exit_code == 0
    assert "hello from a plugin" in result.stdout


def test_db_upgrade(kzfeed: Kz, project: Path) -> None:
    result = kzfeed("db", "upgrade")
    assert result.exit_code == 0
    from kzfeed.storage import head_revision

    assert f"database is at revision {head_revision()}" in result.stdout
    assert (project / "var" / "kzfeed.db").is_file()


def test_render_rewrites_deleted_feeds(kzfeed: Kz, project: Path) -> None:
    kzfeed("-q", "run")
    (project / "public" / "feed.atom").unlink()
    assert kzfeed("render").exit_code == 0
    assert (project / "public" / "feed.atom").is_file()


def test_quiet_run_prints_nothing_when_all_went_well_and_the_error_when_not(
    kzfeed: Kz, write_config: Callable[[str], Path]
) -> None:
    ok = kzfeed("-q", "run")
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    write_config(
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
        '[[sources]]\nname = "gone"\ntype = "files"\npath = "nothing"\n'
    )
    failed = kzfeed("-q", "run")
    assert failed.exit_code == 1 and failed.stdout == ""
    assert "kzfeed: gone: source 'gone': folder" in failed.stderr
