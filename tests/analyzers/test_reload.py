"""Editing the data files and reloading them without a restart."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers import index_state
from analyzers.pipeline import Analyzer
from records.errors import ValidationFailed


def _touch_later(path: Path) -> None:
    """Make sure a rewrite is seen as a change even on coarse file-system clocks."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_reload_without_changes_changes_nothing(dict_dir: Path) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    before = analyzer.version
    result = analyzer.reload()
    assert (result.version, result.tokenization_changed, result.synonyms_changed) == (before, False, False)


def test_new_user_word_changes_tokenization(edit: Callable[[Path, str], None], dict_dir: Path) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    assert "免申即享" not in analyzer.index_tokens("推行免申即享")
    before, before_tokens = analyzer.version, analyzer.tokenization_version
    edit(dict_dir / "user_dict.txt", "免申即享 1000 n\n")
    result = analyzer.reload()
    assert result.tokenization_changed and not result.synonyms_changed
    assert result.version != before and analyzer.tokenization_version != before_tokens
    assert "免申即享" in analyzer.index_tokens("推行免申即享")


def test_synonym_between_known_words_changes_synonyms_only(
    edit: Callable[[Path, str], None], dict_dir: Path
) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    edit(dict_dir / "synonyms.txt", "社保卡, 公积金\n")  # both words are already dictionary words
    result = analyzer.reload()
    assert result.synonyms_changed and not result.tokenization_changed
    assert "公积金" in {t.text for t in analyzer.analyze_query("社保卡").terms}


def test_synonym_with_a_new_word_also_changes_tokenization(
    edit: Callable[[Path, str], None], dict_dir: Path
) -> None:
    """Every synonym word becomes a token, so a new word changes how text is cut."""
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    edit(dict_dir / "synonyms.txt", "苏康码 => 健康码\n")
    result = analyzer.reload()
    assert result.synonyms_changed and result.tokenization_changed
    assert "健康码" in {t.text for t in analyzer.analyze_query("苏康码").terms}


def test_new_stopword_changes_tokenization(edit: Callable[[Path, str], None], dict_dir: Path) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    assert "办理" in analyzer.index_tokens("办理居住证")
    edit(dict_dir / "stopwords.txt", "办理\n")
    assert analyzer.reload().tokenization_changed
    assert "办理" not in analyzer.index_tokens("办理居住证")


def test_new_intent_word_changes_queries_but_needs_no_rebuild(
    edit: Callable[[Path, str], None], dict_dir: Path
) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    assert analyzer.analyze_query("居住证 补办").subject_groups(16) is None
    before, before_tokens = analyzer.version, analyzer.tokenization_version
    edit(dict_dir / "intent_words.txt", "补办  # 试一试\n")
    result = analyzer.reload()
    assert not result.tokenization_changed and not result.synonyms_changed
    assert result.version != before and analyzer.tokenization_version == before_tokens
    assert analyzer.analyze_query("居住证 补办").subject_groups(16) == [True, False]
    assert analyzer.data.counts()["intent_words"] == len(analyzer.data.intent_words)


@pytest.mark.parametrize(
    ("name", "bad_line"), [("synonyms.txt", "只有一个词\n"), ("user_dict.txt", "词语 100 n 多余\n")]
)
def test_invalid_edit_is_refused_and_the_old_state_kept(
    edit: Callable[[Path, str], None], dict_dir: Path, name: str, bad_line: str
) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=None)
    before = analyzer.version
    edit(dict_dir / name, bad_line)
    with pytest.raises(ValidationFailed) as caught:
        analyzer.reload()
    assert caught.value.code == "dictionary_invalid"
    assert any("第" in problem for problem in caught.value.details["errors"])
    assert analyzer.version == before


def test_analyze_query_picks_up_an_edit_by_itself(edit: Callable[[Path, str], None], dict_dir: Path) -> None:
    """What lets every API worker follow an admin's edit without wiring of its own."""
    analyzer = Analyzer(dict_dir, poll_seconds=0.0)
    assert "新词典词" not in {t.text for t in analyzer.analyze_query("苏康码").terms}
    edit(dict_dir / "synonyms.txt", "苏康码 => 新词典词\n")
    _touch_later(dict_dir / "synonyms.txt")
    assert "新词典词" in {t.text for t in analyzer.analyze_query("苏康码").terms}


def test_maybe_reload_reports_nothing_when_files_are_unchanged(dict_dir: Path) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=0.0)
    assert analyzer.maybe_reload() is None


def test_missing_files_fall_back_to_the_packaged_ones(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert Analyzer(empty, poll_seconds=None).version == Analyzer(None, poll_seconds=None).version


class _Versions:
    def __init__(self, version: str, tokenization_version: str) -> None:
        self.version = version
        self.tokenization_version = tokenization_version


def test_index_state_marks_and_clears_the_rebuild(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    built = _Versions("v1", "t1")
    index_state.record_index_build(index_dir, built)
    assert index_state.needs_reindex(index_dir) is None

    assert index_state.apply_reload(index_dir, _Versions("v2", "t1"), tokenization_changed=False) is False
    assert index_state.apply_reload(index_dir, _Versions("v3", "t2"), tokenization_changed=True) is True
    marker = index_state.needs_reindex(index_dir)
    assert marker is not None and marker["tokenization_version"] == "t2" and marker["built_with"] == "t1"

    # another process reloading again still sees the pending rebuild
    assert index_state.apply_reload(index_dir, _Versions("v3", "t2"), tokenization_changed=False) is True
    # reverting the edit makes the index fit again
    assert index_state.apply_reload(index_dir, _Versions("v1", "t1"), tokenization_changed=True) is False
    assert index_state.needs_reindex(index_dir) is None

    index_state.apply_reload(index_dir, _Versions("v4", "t4"), tokenization_changed=True)
    index_state.record_index_build(index_dir, _Versions("v4", "t4"))
    assert index_state.needs_reindex(index_dir) is None


def test_index_state_detects_a_change_applied_by_another_process(tmp_path: Path) -> None:
    """Worker A followed the edit by polling; the reload request lands on it afterwards."""
    index_dir = tmp_path / "index"
    index_state.apply_reload(index_dir, _Versions("v1", "t1"), tokenization_changed=False)
    assert index_state.apply_reload(index_dir, _Versions("v2", "t2"), tokenization_changed=False) is True


def test_polling_keeps_serving_after_a_bad_edit_and_takes_the_fix(
    edit: Callable[[Path, str], None], dict_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    analyzer = Analyzer(dict_dir, poll_seconds=0.0)
    before = analyzer.version
    edit(dict_dir / "synonyms.txt", "只有一个词\n")
    assert analyzer.maybe_reload() is None and analyzer.maybe_reload() is None
    assert analyzer.version == before
    assert sum("not applied" in r.message for r in caplog.records) == 1
    path = dict_dir / "synonyms.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("只有一个词\n", "苏康码 => 健康码\n"), encoding="utf-8"
    )
    _touch_later(path)
    result = analyzer.maybe_reload()
    assert result is not None and result.synonyms_changed
