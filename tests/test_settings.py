"""Every setting is documented, every documented setting is read, and the environment reaches each one."""

import re
from pathlib import Path

import pytest

from geo_app.config import SETTINGS, settings_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_table():
    match = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert match, "README.md has no settings table between <!-- settings:start --> and <!-- settings:end -->"
    return match.group(1)


def test_the_readme_table_is_the_generated_one():
    assert _readme_table() == settings_markdown(), "regenerate it: python -m geo_app.config"


def test_every_documented_variable_is_a_setting():
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", _readme_table(), re.M))
    assert documented - {"MINQING_INSTANCE_PATH"} == {setting.name for setting in SETTINGS}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_read_by_the_code(setting):
    quoted = f'"{setting.name}"'
    sources = [p for p in (ROOT / "geo_app").rglob("*.py") if "migrations" not in p.parts]
    uses = sum(p.read_text(encoding="utf-8").count(quoted) for p in sources)
    assert uses > 1, f"{setting.name} is declared (once, in config.py) but nothing reads it"


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.env], ids=lambda s: s.name)
def test_the_environment_reaches_every_setting(setting, monkeypatch, tmp_path):
    from flask import Flask

    from geo_app.config import load_config

    raw, expected = {bool: ("yes", True), int: ("7", 7), list: ("a, b", ["a", "b"])}.get(setting.type, ("x", "x"))
    if setting.name in ("DATABASE_URL",):
        raw = expected = "postgresql+psycopg2://nobody@/nowhere"
    monkeypatch.setenv(setting.name, raw)
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app)
    assert app.config[setting.name] == expected


def test_a_bad_number_in_the_environment_names_the_variable(monkeypatch, tmp_path):
    from flask import Flask

    from geo_app.config import load_config

    monkeypatch.setenv("STATEMENT_TIMEOUT_MS", "soon")
    with pytest.raises(SystemExit, match="STATEMENT_TIMEOUT_MS must be an integer"):
        load_config(Flask(__name__, instance_path=str(tmp_path)))


def test_apps_do_not_share_mutable_defaults(tmp_path):
    from flask import Flask

    from geo_app.config import load_config

    first, second = (Flask(__name__, instance_path=str(tmp_path)) for _ in range(2))
    load_config(first, {"DATABASE_URL": "postgresql+psycopg2://nobody@/nowhere"})
    load_config(second, {"DATABASE_URL": "postgresql+psycopg2://nobody@/nowhere"})
    first.config["CASE_DEADLINES"]["normal"]["response_hours"] = 1
    assert second.config["CASE_DEADLINES"]["normal"]["response_hours"] == 24
