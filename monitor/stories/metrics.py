"""Pairwise clustering quality against labelled events (monitor eval, benches)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any


def pairwise_cluster_metrics(predicted: Mapping[Any, Any], gold: Mapping[Any, Any]) -> dict[str, float | int]:
    """Pairwise clustering quality of ``predicted`` (item → story) against ``gold`` (item → event or None).

    A pair of items is a true pair when both carry the same non-None event; a predicted pair when both are
    in the same story. Precision and recall are over pairs (1.0 when there is nothing to find or nothing was
    paired). ``cluster_mixed_stories`` counts stories holding two or more different gold events: the
    "merge of different events" that must not happen. Only items present in both mappings count.
    """
    ids = [i for i in gold if i in predicted]
    story_sizes: Counter[Any] = Counter(predicted[i] for i in ids)
    event_sizes: Counter[Any] = Counter(gold[i] for i in ids if gold[i] is not None)
    cells: Counter[tuple[Any, Any]] = Counter((predicted[i], gold[i]) for i in ids if gold[i] is not None)
    predicted_pairs = sum(n * (n - 1) // 2 for n in story_sizes.values())
    gold_pairs = sum(n * (n - 1) // 2 for n in event_sizes.values())
    true_pairs = sum(n * (n - 1) // 2 for n in cells.values())
    precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    events_per_story: dict[Any, set[Any]] = {}
    for (story, event), _ in cells.items():
        events_per_story.setdefault(story, set()).add(event)
    return {
        "cluster_precision": round(precision, 4),
        "cluster_recall": round(recall, 4),
        "cluster_f1": round(f1, 4),
        "cluster_true_pairs": true_pairs,
        "cluster_predicted_pairs": predicted_pairs,
        "cluster_gold_pairs": gold_pairs,
        "cluster_mixed_stories": sum(1 for events in events_per_story.values() if len(events) > 1),
    }
