"""``hotline dictionary …`` through the real command-line entry point."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzers.index_state import needs_reindex, record_index_build
from analyzers.pipeline import Analyzer
from analyzers.resources import FILES
from search_api.cli import app

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dict_dir: Path) -> Path:
    """Environment of an operator whose DICTIONARY_DIR holds editable copies; returns DATA_DIR."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DICTIONARY_DIR", str(dict_dir))
    monkeypatch.setenv("ENVIRONMENT", "test")
    return data_dir


def test_check_passes_and_prints_counts(env: Path) -> None:
    result = runner.invoke(app, ["dictionary", "check"])
    assert result.exit_code == 0, result.output
    assert "用户词典词条" in result.output and "词典文件检查通过" in result.output


def test_check_fails_with_line_numbers(env: Path, dict_dir: Path, edit: Callable[[Path, str], None]) -> None:
    edit(dict_dir / "synonyms.txt", "只有一个词\n")
    result = runner.invoke(app, ["dictionary", "check"])
    assert result.exit_code == 1
    assert "第" in result.output and "同义词组至少需要两个词" in result.output


def test_reload_marks_the_index_when_tokens_change(
    env: Path, dict_dir: Path, edit: Callable[[Path, str], None]
) -> None:
    index_dir = env / "index"
    record_index_build(index_dir, Analyzer(dict_dir, poll_seconds=None))
    first = runner.invoke(app, ["dictionary", "reload"])
    assert first.exit_code == 0, first.output
    assert "无需重建索引" in first.output and needs_reindex(index_dir) is None

    edit(dict_dir / "user_dict.txt", "免申即享\n")
    second = runner.invoke(app, ["dictionary", "reload"])
    assert second.exit_code == 0, second.output
    assert "需要重建索引" in second.output
    assert needs_reindex(index_dir) is not None


def test_reload_refuses_invalid_files(env: Path, dict_dir: Path, edit: Callable[[Path, str], None]) -> None:
    edit(dict_dir / "user_dict.txt", "词语 100 n 多余\n")
    result = runner.invoke(app, ["dictionary", "reload"])
    assert result.exit_code == 1
    assert "user_dict" in result.output


def test_init_copies_the_packaged_files(env: Path, tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    result = runner.invoke(app, ["dictionary", "init", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    again = runner.invoke(app, ["dictionary", "init", "--to", str(target)])
    assert "未覆盖" in again.output


def test_solr_prints_the_synonym_table(env: Path) -> None:
    result = runner.invoke(app, ["dictionary", "solr"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "户口本, 户口簿, 居民户口簿" in lines
    assert any(line.startswith("娃上学, 孩子上学, 小孩上学 => ") for line in lines)


def test_analyze_shows_tokens_and_groups(env: Path) -> None:
    result = runner.invoke(app, ["dictionary", "analyze", "身分证 gongjijin"])
    assert result.exit_code == 0, result.output
    assert "身份证(correction 0.7)" in result.output
    assert "公积金(pinyin 0.9)" in result.output


def test_analyze_marks_intent_words(env: Path) -> None:
    result = runner.invoke(app, ["dictionary", "analyze", "护照怎么办"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("查询组")]
    assert len(lines) == 2 and "意图词" not in lines[0] and "意图词" in lines[1]
