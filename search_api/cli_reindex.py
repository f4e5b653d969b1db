"""``hotline reindex``: a rich progress bar around the embedded rebuild or the cluster alias swap."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from search_api.cli_common import console
from search_api.settings import Settings


def run_reindex(settings: Settings, engine: Engine) -> None:
    """Build a fresh index from the store and switch to it; prints how many entries went in.

    Embedded: a new index directory and an atomic CURRENT switch (indexer.reindex.rebuild).
    Cluster: a new ``<alias>-v1-<timestamp>`` index and one atomic alias swap
    (indexer.opensearch_reindex.rebuild_cluster). Both call ``progress(done, total)``.
    """
    from analyzers.pipeline import Analyzer

    analyzer = Analyzer(settings.dictionary_dir, poll_seconds=None)  # one-off: no file watching
    columns = (TextColumn("重建索引"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("reindex", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if settings.embedded_search:
            from indexer.reindex import rebuild

            result: object = rebuild(engine, settings, analyzer, progress)
        else:
            from indexer.opensearch_reindex import rebuild_cluster

            result = rebuild_cluster(engine, settings, analyzer, progress)
    console.print(f"索引已重建并切换：{result}")
