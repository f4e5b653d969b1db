"""Loading the editable data files (user dictionary, synonyms, stopwords, intent words) and
fingerprinting them.

Why fingerprints: the index stores the tokenization fingerprint it was built with, so a changed
dictionary is detected (and a rebuild requested) instead of silently mismatching query tokens.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.normalize import normalize
from analyzers.synonyms import SynonymTable

# Bump when code changes alter tokens for the same data files (it is part of the fingerprint).
CODE_VERSION = "analyzers-3"

PACKAGED_DIR = Path(__file__).resolve().parent / "data"
USER_DICT = "user_dict.txt"
SYNONYMS = "synonyms.txt"
STOPWORDS = "stopwords.txt"
INTENT_WORDS = "intent_words.txt"
FILES = (USER_DICT, SYNONYMS, STOPWORDS, INTENT_WORDS)


@dataclass(frozen=True)
class UserWord:
    word: str
    freq: int | None
    pos: str | None


@dataclass
class DictionaryData:
    paths: dict[str, Path]
    user_words: tuple[UserWord, ...]
    synonyms: SynonymTable
    stopwords: frozenset[str]
    # Words that say which aspect of a matter is asked (办理, 流程, 材料): they rank, but cannot make
    # a search hit alone (see AnalyzedQuery.subject_groups). Query-time only: no rebuild needed.
    intent_words: frozenset[str] = frozenset()
    errors: list[str] = field(default_factory=list)

    @property
    def dictionary_words(self) -> frozenset[str]:
        return frozenset(w.word for w in self.user_words)

    def tokenization_fingerprint(self) -> str:
        """Everything that changes index tokens: code, user words, synonym words (registered as
        tokens) and stopwords (dropped from the index)."""
        digest = hashlib.sha1(CODE_VERSION.encode())
        for w in sorted(self.user_words, key=lambda u: u.word):
            digest.update(f"{w.word}\t{w.freq}\t{w.pos}\n".encode())
        digest.update(b"\x00" + "\n".join(sorted(self.synonyms.words)).encode())
        digest.update(b"\x00" + "\n".join(sorted(self.stopwords)).encode())
        return digest.hexdigest()

    def synonyms_fingerprint(self) -> str:
        return self.synonyms.fingerprint()

    def intent_fingerprint(self) -> str:
        return hashlib.sha1("\n".join(sorted(self.intent_words)).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        return {
            "dictionary_terms": len(self.dictionary_words),
            "synonym_groups": self.synonyms.group_count,
            "synonym_words": len(self.synonyms.words),
            "stopwords": len(self.stopwords),
            "intent_words": len(self.intent_words),
        }


def resolve_paths(dictionary_dir: Path | None) -> dict[str, Path]:
    """Admin copies win; a file missing from ``dictionary_dir`` falls back to the packaged one."""
    paths = {}
    for name in FILES:
        candidate = dictionary_dir / name if dictionary_dir is not None else None
        paths[name] = candidate if candidate is not None and candidate.is_file() else PACKAGED_DIR / name
    return paths


def file_stamp(paths: dict[str, Path]) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector (path, mtime, size) used to poll for an admin's edit."""
    stamp = []
    for path in paths.values():
        try:
            stat = path.stat()
            stamp.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamp.append((str(path), -1, -1))
    return tuple(stamp)


def load(dictionary_dir: Path | None) -> DictionaryData:
    paths = resolve_paths(dictionary_dir)
    errors: list[str] = []
    user_words = _load_user_dict(_read_lines(paths[USER_DICT], errors), errors)
    synonyms = SynonymTable.parse(_read_lines(paths[SYNONYMS], errors), normalize)
    errors.extend(synonyms.errors)
    stopwords = _word_set(_read_lines(paths[STOPWORDS], errors))
    intent_words = _word_set(_read_lines(paths[INTENT_WORDS], errors))
    return DictionaryData(paths, user_words, synonyms, stopwords, intent_words, errors)


def _word_set(lines: list[str]) -> frozenset[str]:
    """One word a line, normalized; text after # is a comment."""
    return frozenset(normalize(line.split("#", 1)[0]) for line in lines) - {""}


def copy_packaged(target: Path, overwrite: bool = False) -> list[Path]:
    """Give an admin editable copies of the packaged files under ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        destination = target / name
        if overwrite or not destination.exists():
            shutil.copyfile(PACKAGED_DIR / name, destination)
            written.append(destination)
    return written


def _read_lines(path: Path, errors: list[str]) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(f"无法读取 {path.name}：{exc}")
        return []


def _load_user_dict(lines: list[str], errors: list[str]) -> tuple[UserWord, ...]:
    """jieba user-dictionary lines ``word [freq] [pos]``; later duplicates override earlier ones."""
    words: dict[str, UserWord] = {}
    for number, raw in enumerate(lines, start=1):
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        word = normalize(parts[0]).replace(" ", "")
        freq: int | None = None
        pos: str | None = None
        rest = parts[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
        if rest:
            pos = rest.pop(0)
        if rest or not word:
            errors.append(f"user_dict 第{number}行格式应为“词语 [词频] [词性]”：{raw.strip()}")
            continue
        words[word] = UserWord(word, freq, pos)
    return tuple(words.values())
