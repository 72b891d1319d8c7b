from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kzfeed.config._load import default_config, load_config
from kzfeed.errors import ConfigError


def test_default_is_seeds_into_sqlite_under_var_and_feeds_in_public(project: Path) -> None:
    config = load_config(None)
    assert config.path is None
    assert [(s.name, s.type, dict(s.options)) for s in config.sources] == [
        ("seeds", "files", {"path": "seeds"})
    ]
    assert config.database == f"sqlite:///{project / 'var' / 'kzfeed.db'}"
    assert config.output_dir == project / "public"
    assert config.classifier.name == "keywords"


def test_file_values_and_relative_paths_resolve_against_the_config_folder(
    write_config: Callable[[str], Path], project: Path
) -> None:
    sub = project / "conf"
    sub.mkdir()
    (sub / "kzfeed.toml").write_text(
        'database = "sqlite:///data/x.db"\noutput_dir = "out"\nbase_url = "https://news.example.org"\n'
        'title = "KZ–EU"\nfeed_size = 20\n'
        '[[sources]]\nname = "a"\ntype = "files"\npath = "articles"\n'
        '[classifier]\nname = "keywords"\nthreshold = 0.4\n'
        "[plugins.min_words]\nmin_words = 10\n",
        encoding="utf-8",
    )
    config = load_config(sub / "kzfeed.toml")
    assert config.database == f"sqlite:///{sub / 'data' / 'x.db'}"
    assert config.output_dir == sub / "out"
    assert config.base_url == "https://news.example.org/"
    assert config.feed_size == 20
    assert config.classifier.options == {"threshold": 0.4}
    assert config.plugin_options("min_words") == {"min_words": 10}
    assert config.root == sub


def test_kzfeed_config_environment_variable_is_read(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config('title = "From env"\n', name="other.toml")
    monkeypatch.setenv("KZFEED_CONFIG", str(path))
    assert load_config(None).title == "From env"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('titel = "x"\n', "unknown key 'titel'"),
        ("feed_size = true\n", "key 'feed_size' must be int"),
        ('base_url = "ftp://x"\n', "'base_url' must be an http(s) URL"),
        ('database = "var/kzfeed.db"\n', "not a database URL"),
        ('[[sources]]\nname = "a"\npath = "x"\n', "key 'type' is missing"),
        ('[[sources]]\nname = "a b"\ntype = "files"\n', "key 'name' must be a short name"),
        ('[[sources]]\nname = "a"\ntype = "files"\n[[sources]]\nname = "a"\ntype = "files"\n', "used twice"),
        ("[fetch]\nmin_dealy = 1\n", "unknown key 'fetch.min_dealy'"),
        ("title = \n", "is not valid TOML"),
    ],
)
def test_bad_config_names_the_key(write_config: Callable[[str], Path], text: str, message: str) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path)


def test_missing_config_file_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(project / "nope.toml")


def test_default_config_can_be_rooted_elsewhere(tmp_path: Path) -> None:
    assert default_config(tmp_path).output_dir == tmp_path / "public"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('titel = "x"\n', "unknown key 'titel'; did you mean 'title'? (known keys: base_url, classifier,"),
        ("[fetch]\nmin_dealy = 1\n", "unknown key 'fetch.min_dealy'; did you mean 'fetch.min_delay'?"),
        ("[ops]\nfailing_afer = 2\n", "unknown key 'ops.failing_afer'; did you mean 'ops.failing_after'?"),
        ("[fetch]\ncolour = 1\n", "unknown key 'fetch.colour' (known keys: "),
        (
            '[[sources]]\nname = "s"\ntype = "files"\npaht = "seeds"\n',
            "source 's': unknown key 'paht'; did you mean 'path'?",
        ),
        ("ops = []\n", "key 'ops' must be table, not list"),
        ("plugins_dir = 3\n", "key 'plugins_dir' must be str or array, not int"),
    ],
)
def test_an_unknown_key_gets_the_close_known_one(
    write_config: Callable[[str], Path], text: str, message: str
) -> None:
    from kzfeed.pipeline import build_sources
    from kzfeed.plugins import make_plugin_host

    with pytest.raises(ConfigError) as info:
        build_sources(load_config(write_config(text)), make_plugin_host(entry_points=False))
    assert message in str(info.value)
