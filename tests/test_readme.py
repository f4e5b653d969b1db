"""The README documents what exists: every setting, every CLI command, the two set-up scripts.

Like datasette's test_docs: adding a setting or a command without documenting it fails here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import pytest
import typer.main

from search_api.cli import app
from search_api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _config_table() -> str:
    section = README.split("## 配置", 1)[1]
    return section.split("\n## ", 1)[0]


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_table(field: str):
    assert re.search(rf"^\| `{field.upper()}` \|", _config_table(), re.MULTILINE), (
        f"{field.upper()} not documented"
    )


def _command_paths(group: click.Group, prefix: str = "hotline") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        paths.extend(_command_paths(command, path) if isinstance(command, click.Group) else [path])
    return paths


@pytest.mark.parametrize("command", _command_paths(typer.main.get_command(app)))  # type: ignore[arg-type]
def test_every_cli_command_is_in_the_readme(command: str):
    # A mounted sub-app (e.g. dictionary) may be documented as a whole: "hotline dictionary …".
    parts = command.split()
    assert command in README or f"`{' '.join(parts[:2])} …`" in README, f"{command} not documented"


def test_quick_start_is_exactly_the_two_scripts():
    quick = README.split("## 快速开始", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["scripts/run-demo", "scripts/test"]
    for script in commands:
        assert os.access(ROOT / script, os.X_OK), f"{script} must exist and be executable"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_demo_accounts_table_matches_the_demo_data():
    import json

    users = json.loads((ROOT / "records" / "demo" / "users.json").read_text(encoding="utf-8"))
    for user in users:
        assert f"| `{user['username']}` | `{user['password']}` | {user['role']}" in README, user["username"]


def test_scripts_test_never_passes_when_nothing_was_collected():
    """pytest's exit code 5 ("no tests ran") must fail CI, not look like a green run."""
    import subprocess

    result = subprocess.run(
        [
            "bash",
            str(ROOT / "scripts" / "test"),
            "tests/test_readme.py",
            "-k",
            "no_test_has_this_name",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "collected no tests" in result.stderr


def test_every_api_route_is_in_the_readme(tmp_path: Path):
    """The API table lists every route the app serves; a new router must be documented there."""
    from search_api.app import create_app

    spec = create_app(Settings(environment="test", data_dir=tmp_path, secret_key="x" * 40)).openapi()
    api_section = README.split("## API", 1)[1].split("\n## ", 1)[0]
    missing = [path for path in spec["paths"] if f"`{path}`" not in api_section]
    assert not missing, f"add these routes to the README's API section: {missing}"
