"""Markdown tables (pasted into the README by the coordinator) and the --json form of the same."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evaluation.metrics import PairScores, Scores, held_out_accuracy, same_question_accuracy

SearchResults = Mapping[str, Mapping[str, Scores]]  # system -> kind ("all" first) -> scores
PairResults = Mapping[str, Mapping[str, PairScores]]  # family -> pos/neg/neg_hard -> scores


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
    'another id counts as q1; "copies" is the share of pairs where that happened. Accuracy uses the '
    'strict flags; "held-out" is over the odd-position pairs of each file (the same-question model '
    "is fitted on the even ones by scripts/fit_same_question)."
)


def pair_table(results: PairResults) -> str:
    lines = [
        _row(["pair file", "pairs", "Recall@1", "Recall@5", "R@1 / R@5, asked text set aside", "copies",
              "flagged same"]),
        _row(["---"] * 7),
    ]  # fmt: skip
    for family, files in results.items():
        for kind, scores in files.items():
            lines.append(
                _row(
                    [
                        f"{family}.{kind}",
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
        _row(
            ["pair set", "same_question accuracy pos+neg", "pos+neg_hard", "held-out pos+neg", "pos+neg_hard"]
        ),
        _row(["---"] * 5),
    ]
    for family, files in results.items():
        cells = [_accuracy(files, neg) for neg in ("neg", "neg_hard")]
        cells += [_held_out(files, neg) for neg in ("neg", "neg_hard")]
        lines.append(_row([family, *cells]))
    return "\n".join(lines) + "\n\n" + PAIR_NOTE


def _share(count: int, n: int) -> str:
    return f"{count / n:.3f}" if n else "0.000"


def _accuracy(files: Mapping[str, PairScores], negative: str) -> str:
    if "pos" not in files or negative not in files:
        return "–"
    return f"{same_question_accuracy(files['pos'], files[negative]):.3f}"


def _held_out(files: Mapping[str, PairScores], negative: str) -> str:
    value = held_out_accuracy(files["pos"], files[negative]) if {"pos", negative} <= files.keys() else None
    return "–" if value is None else f"{value:.3f}"


def as_json(search: SearchResults, pairs: PairResults, extra: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict(extra)
    out["search"] = {
        system: {kind: {**s.means(), "failed_s3": s.failed} for kind, s in kinds.items()}
        for system, kinds in search.items()
    }
    out["ask"] = {
        family: {
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
                for kind, s in files.items()
            },
            "accuracy_pos_neg": same_question_accuracy(files["pos"], files["neg"])
            if {"pos", "neg"} <= files.keys()
            else None,
            "accuracy_pos_neg_hard": same_question_accuracy(files["pos"], files["neg_hard"])
            if {"pos", "neg_hard"} <= files.keys()
            else None,
            "held_out_accuracy_pos_neg": held_out_accuracy(files["pos"], files["neg"])
            if {"pos", "neg"} <= files.keys()
            else None,
            "held_out_accuracy_pos_neg_hard": held_out_accuracy(files["pos"], files["neg_hard"])
            if {"pos", "neg_hard"} <= files.keys()
            else None,
        }
        for family, files in pairs.items()
    }
    return out
