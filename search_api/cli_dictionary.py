"""``hotline dictionary …``: check, reload and inspect the analyzer's editable data files.

An edit under DICTIONARY_DIR is picked up by running API workers on their own within about a
second (Analyzer.maybe_reload); ``reload`` validates the files, records the change and says
whether the index must be rebuilt, exactly like POST /api/admin/dictionary/reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from analyzers.index_state import apply_reload
from analyzers.pipeline import Analyzer
from analyzers.resources import copy_packaged, load
from search_api.cli_common import console, err_console, fail, settings_from_env

app = typer.Typer(no_args_is_help=True, help="分词词典、同义词、停用词与意图词 (analyzer dictionaries).")


def _print_counts(counts: dict[str, int]) -> None:
    table = Table("项目", "数量")
    labels = {
        "dictionary_terms": "用户词典词条",
        "synonym_groups": "同义词组",
        "synonym_words": "同义词词语",
        "stopwords": "停用词",
        "intent_words": "意图词",
    }
    for key, value in counts.items():
        table.add_row(labels.get(key, key), str(value))
    console.print(table)


@app.command("check")
def check() -> None:
    """Validate the data files (format, empty groups) and print their counts; exit 1 on errors.

    Example: DICTIONARY_DIR=/srv/hotline/dict hotline dictionary check
    """
    settings = settings_from_env()
    data = load(settings.dictionary_dir)
    for name, path in data.paths.items():
        console.print(f"{name}: {path}")
    _print_counts(data.counts())
    if data.errors:
        for problem in data.errors:
            err_console.print(f"  - {problem}")
        fail(f"词典文件有 {len(data.errors)} 处错误", code=1)
    console.print("词典文件检查通过。")


@app.command("reload")
def reload() -> None:
    """Apply an edit: validate, record the new version, mark the index for rebuild if tokens changed.

    Example: hotline dictionary reload
    """
    settings = settings_from_env()
    data = load(settings.dictionary_dir)
    if data.errors:  # refuse, like the API: running services keep their current dictionaries
        for problem in data.errors:
            err_console.print(f"  - {problem}")
        fail("词典文件有错误，未重新加载", code=1)
    analyzer = Analyzer(settings.dictionary_dir, poll_seconds=None)
    pending = apply_reload(settings.index_dir, analyzer, tokenization_changed=False)
    console.print(f"词典已重新加载，版本 {analyzer.version}（分词版本 {analyzer.tokenization_version}）")
    _print_counts(analyzer.data.counts())
    if pending:
        console.print("[yellow]分词已变化，需要重建索引（hotline reindex）[/yellow]")
    else:
        console.print("无需重建索引；运行中的服务会在一秒内自动采用新词典。")


@app.command("init")
def init(
    target: Annotated[Path | None, typer.Option("--to", help="目标目录，默认 DICTIONARY_DIR")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="覆盖已有文件")] = False,
) -> None:
    """Copy the packaged data files into DICTIONARY_DIR so an admin can edit them.

    Example: DICTIONARY_DIR=/srv/hotline/dict hotline dictionary init
    """
    settings = settings_from_env()
    folder = target or settings.dictionary_dir
    if folder is None:
        fail("请设置 DICTIONARY_DIR 或使用 --to 指定目录", code=2)
    written = copy_packaged(folder, overwrite=overwrite)
    for path in written:
        console.print(f"已写入 {path}")
    if not written:
        console.print("文件都已存在，未覆盖（需要时加 --overwrite）。")


@app.command("solr")
def solr() -> None:
    """Print the synonym table in Solr format (for the cluster engine's synonym_graph filter).

    Example: hotline dictionary solr > synonyms.txt
    """
    settings = settings_from_env()
    data = load(settings.dictionary_dir)
    typer.echo(data.synonyms.to_solr(), nl=False)


@app.command("analyze")
def analyze(text: Annotated[str, typer.Argument(help="要分析的文字")]) -> None:
    """Show the index tokens and the weighted query groups of a text (to try out an edit).

    Example: hotline dictionary analyze "身分证补办"
    """
    settings = settings_from_env()
    analyzer = Analyzer(settings.dictionary_dir, poll_seconds=None)
    console.print("索引词：" + " ".join(analyzer.index_tokens(text)))
    analyzed = analyzer.analyze_query(text)
    for number, group in enumerate(analyzed.groups()):
        alternatives = "  ".join(f"{t.text}({t.origin} {t.weight:g})" for t in group)
        aspect = "（意图词：单凭它不算命中）" if number in analyzed.intent_groups else ""
        console.print(f"查询组 {number + 1}：{alternatives}{aspect}")
