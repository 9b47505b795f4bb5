"""monitor.why: the reason in one sentence, on invented Korean and English examples."""

from __future__ import annotations

from dataclasses import asdict, replace

from monitor.models import MatchResult, TermHit
from monitor.why import LEDE_CHARS, MAX_ACTORS, MAX_TOPIC_TERMS, why, why_from_evidence


def hit(
    term: str, kind: str, start: int, *, title_end: int, score: float = 1.0, matched: str = ""
) -> TermHit:
    end = start + len(matched or term)
    return TermHit(term=term, matched=matched or term, kind=kind, group="g", weight=1.0, score=score,  # type: ignore[arg-type]
                   start=start, end=end, in_title=start < title_end, snippet="")  # fmt: skip


def result(hits: list[TermHit], *, title_end: int, tier: str | None = "core", relevant: bool = True,
           standalone: tuple[str, ...] = (), actor_ok: bool = True) -> MatchResult:  # fmt: skip
    return MatchResult(
        decision="relevant" if relevant else "irrelevant", score=0.8 if relevant else 0.1, threshold=0.5,
        reason="actor 한미일 + topics 2.0 ≥ 1.0" if relevant else "no actor", actor_ok=actor_ok,
        actor_mass=1.0, countries=("kr", "us", "jp"), topic_mass=2.0, topics=(), hits=tuple(hits), dropped=(),
        exclusions=(), standalone=standalone, morphology_used=False, truncated=False, config_digest="x",
        tier=tier, title_end=title_end,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_issue_example_title_then_lede_then_tier() -> None:
    # 한미일, 핵심광물 협력 강화 \n\n 산업통상부와 상무부가 …
    te = 14
    hits = [hit("한미일", "actor", 0, title_end=te), hit("핵심광물", "topic", 5, title_end=te),
            hit("산업통상부", "actor", te + 2, title_end=te),
            hit("상무부", "actor", te + 9, title_end=te)]  # fmt: skip
    assert (
        why(result(hits, title_end=te))
        == "한미일 + 핵심광물 in the title; 산업통상부 and 상무부 in the lede (core)"
    )


def test_an_english_article_with_its_context_tier() -> None:
    title = "U.S. tightens chip export controls on China"
    te = len(title)
    hits = [hit("Washington", "actor", te + 2 + 40, title_end=te),
            hit("export controls", "topic", 20, title_end=te),
            hit("semiconductor", "topic", te + 2 + LEDE_CHARS + 50, title_end=te)]  # fmt: skip
    line = why(result(hits, title_end=te, tier="context"))
    assert line == "export controls in the title; Washington in the lede; semiconductor in the body (context)"


def test_canonical_spellings_once_and_never_the_matched_form() -> None:
    te = 20
    hits = [hit("경제 안보", "topic", 2, title_end=te, matched="경제안보"),
            hit("경제안보", "topic", 30, title_end=te), hit("경제 안보", "topic", 60, title_end=te),
            hit("Supply Chain", "topic", 70, title_end=te), hit("supply chain", "topic", 90, title_end=te),
            hit("한미", "actor", 0, title_end=te)]  # fmt: skip
    line = why(result(hits, title_end=te))
    assert line == "한미 + 경제 안보 in the title; Supply Chain in the lede (core)"
    assert "(경제안보)" not in line and line.count("경제") == 1


def test_a_few_terms_at_most_the_strongest_first() -> None:
    te = 10
    topics = [hit(f"용어{k:02d}", "topic", te + 2 + 5 * k, title_end=te, score=0.1 * k) for k in range(30)]
    actors = [hit(f"기관{k}", "actor", te + 2 + 5 * k + 2, title_end=te, score=1.0) for k in range(8)]
    line = why(result([*topics, *actors], title_end=te))
    named = [t for t in (f"용어{k:02d}" for k in range(30)) if t in line]
    assert len(named) == MAX_TOPIC_TERMS and named == ["용어27", "용어28", "용어29"]  # the highest scores
    assert sum(f"기관{k}" in line for k in range(8)) == MAX_ACTORS
    assert "외" not in line and len(line) < 120


def test_title_hits_outrank_stronger_body_hits() -> None:
    te = 10
    hits = [hit("반도체", "topic", 3, title_end=te, score=0.2),
            *(hit(f"본문어{k}", "topic", te + 300 + 10 * k, title_end=te, score=5.0)
              for k in range(5))]  # fmt: skip
    assert why(result(hits, title_end=te)).startswith("반도체 in the title; ")


def test_a_standalone_title_term_decides_alone() -> None:
    hits = [hit("IPEF", "topic", 0, title_end=12)]
    line = why(result(hits, title_end=12, standalone=("IPEF",), actor_ok=False))
    assert line == "IPEF in the title, IPEF specific enough alone (core)"


def test_an_irrelevant_verdict_says_so_with_the_reason() -> None:
    hits = [hit("공급망", "topic", 3, title_end=10)]
    assert (
        why(result(hits, title_end=10, relevant=False, tier=None))
        == "공급망 in the title (not relevant: no actor)"
    )
    assert why(result([], title_end=10, relevant=False, tier=None)) == "not relevant: no actor"


def test_mixed_korean_and_english_in_one_article() -> None:
    te = 16
    hits = [hit("한미일", "actor", 0, title_end=te), hit("critical minerals", "topic", te + 2, title_end=te),
            hit("핵심광물", "topic", 5, title_end=te)]  # fmt: skip
    assert (
        why(result(hits, title_end=te))
        == "한미일 + 핵심광물 in the title; critical minerals in the lede (core)"
    )


def test_stored_evidence_gives_the_same_line_and_old_evidence_still_reads() -> None:
    te = 14
    r = result(
        [hit("한미일", "actor", 0, title_end=te), hit("공급망", "topic", te + 5, title_end=te)], title_end=te
    )
    evidence = asdict(r)
    assert why_from_evidence(evidence) == why(r) == "한미일 in the title; 공급망 in the lede (core)"
    old = {k: v for k, v in evidence.items() if k not in ("title_end", "tier")}  # before issue 13
    assert why_from_evidence(old) == "한미일 in the title; 공급망 in the text (core)"
    assert why_from_evidence({}) == "" and why_from_evidence(None) == ""
    assert why_from_evidence({**evidence, "hits": [{"term": "x"}]}) == ""  # damaged: no line, no crash
    assert why(replace(r, tier=None)).endswith("(core)")  # a relevant verdict from before tiers
