"""Markdown tables (pasted into the README by the coordinator) and the --json form of the same."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evaluation.metrics import PairScores, Scores, held_out_accuracy, same_question_accuracy

SearchResults = Mapping[str, Mapping[str, Scores]]  # system -> kind ("all" first) -> scores


@dataclass(frozen=True)
class PairRun:
    """One system asked every q2 of some pair files over one store of their q1s."""

    family: str  # lcqmc, bq
    store: str  # "per file": only that file's q1s compete; "whole family": all of its files' q1s
    system: str  # the service, or a baseline ranking the same store
    files: Mapping[str, PairScores]  # pos/neg/neg_hard -> scores


PairResults = Sequence[PairRun]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def search_table(results: SearchResults) -> str:
    systems = list(results)
    kinds = list(results[systems[0]])
    lines = [
        _row(["kind", "n", *(f"{s} nDCG@10 / MRR@10 / S@3" for s in systems)]),
        _row(["---"] * (2 + len(systems))),
    ]
    for kind in kinds:
        first = results[systems[0]][kind].means()
        cells = [kind, str(first["n"])]
        for system in systems:
            m = results[system][kind].means()
            cells.append(f"{m['ndcg@10']:.3f} / {m['mrr@10']:.3f} / {m['success@3']:.3f}")
        lines.append(_row(cells))
    lines.append(_row(["LEAKS", "", *(str(results[s]["all"].leaks) for s in systems)]))
    return "\n".join(lines)


PAIR_NOTE = (
    'Recall: the labelled q1\'s entry at rank 1 / within 5. "asked text set aside": a match whose text '
    "is identical (up to punctuation, spaces, width, case) to the asked q2 under another id — the store "
    "holds the asked question itself as another pair's q1 — is skipped, and one identical to q1 under "
    'another id counts as q1; "copies" is the share of pairs where that happened. Store "per file": only '
    'the q1s of the file asked compete; "whole family": the q1s of its pos, neg and neg_hard files all do. '
    "Baselines rank the same store and flag nothing. Accuracy uses the strict flags; "
    '"held-out" is over the odd-position pairs of each file (the same-question model is fitted on the '
    "even ones by scripts/fit_same_question)."
)


def pair_table(runs: PairResults) -> str:
    lines = [
        _row(["pair file", "store", "system", "pairs", "Recall@1", "Recall@5",
              "R@1 / R@5, asked text set aside", "copies", "flagged same"]),
        _row(["---"] * 9),
    ]  # fmt: skip
    for run in runs:
        for kind, scores in run.files.items():
            lines.append(
                _row(
                    [
                        f"{run.family}.{kind}",
                        run.store,
                        run.system,
                        str(scores.n),
                        f"{scores.recall_at_1:.3f}",
                        f"{scores.recall_at_5:.3f}",
                        f"{scores.recall_at_1_aside:.3f} / {scores.recall_at_5_aside:.3f}",
                        _share(scores.copies, scores.n),
                        _share(scores.said_same, scores.n),
                    ]
                )
            )
    lines += [
        "",
        _row(["pair set", "store", "same_question accuracy pos+neg", "pos+neg_hard", "held-out pos+neg",
              "pos+neg_hard"]),
        _row(["---"] * 6),
    ]  # fmt: skip
    for run in runs:
        if set(run.files) <= {"pos"}:
            continue  # a baseline, or a store of positives alone: nothing to tell apart
        cells = [
            _cell(_measure(accuracy, run.files, neg))
            for accuracy in (same_question_accuracy, held_out_accuracy)
            for neg in ("neg", "neg_hard")
        ]
        lines.append(_row([run.family, run.store, *cells]))
    return "\n".join(lines) + "\n\n" + PAIR_NOTE


def _share(count: int, n: int) -> str:
    return f"{count / n:.3f}" if n else "0.000"


def _measure(
    accuracy: Callable[[PairScores, PairScores], float | None], files: Mapping[str, PairScores], negative: str
) -> float | None:
    return accuracy(files["pos"], files[negative]) if {"pos", negative} <= files.keys() else None


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def as_json(search: SearchResults, pairs: PairResults, extra: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(extra)
    out["search"] = {
        system: {kind: {**s.means(), "failed_s3": s.failed} for kind, s in kinds.items()}
        for system, kinds in search.items()
    }
    out["ask"] = [
        {
            "family": run.family,
            "store": run.store,
            "system": run.system,
            "files": {
                kind: {
                    "pairs": s.n,
                    "recall@1": s.recall_at_1,
                    "recall@5": s.recall_at_5,
                    "recall@1_asked_text_set_aside": s.recall_at_1_aside,
                    "recall@5_asked_text_set_aside": s.recall_at_5_aside,
                    "copies": s.copies,
                    "flagged_same": s.said_same,
                }
                for kind, s in run.files.items()
            },
            "accuracy_pos_neg": _measure(same_question_accuracy, run.files, "neg"),
            "accuracy_pos_neg_hard": _measure(same_question_accuracy, run.files, "neg_hard"),
            "held_out_accuracy_pos_neg": _measure(held_out_accuracy, run.files, "neg"),
            "held_out_accuracy_pos_neg_hard": _measure(held_out_accuracy, run.files, "neg_hard"),
        }
        for run in pairs
    ]
    return out
