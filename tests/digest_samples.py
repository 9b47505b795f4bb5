"""Realistic digest input shared by the digest tests, the delivery tests, the golden files and the bench.

Eight stories modelled on the seed corpus (Korea–US–Japan economic-security news), with the shapes a
real digest has: a wire story carried by many outlets, single-outlet stories, an update, a story whose
article was deleted (no link), a story without topics, and a title with "&". Fixed times, so the
golden files never change by themselves. Also the Slack limit check that unit and integration tests share.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.digest import SLACK_MAX_BLOCKS, SLACK_MAX_HEADER, SLACK_MAX_PAYLOAD, SLACK_MAX_TEXT
from monitor.models import DigestStory

#: 2026-11-23 (월) 08:00 KST, the default morning digest.
GENERATED_AT = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
#: The previous digest, 2026-11-22 (일) 17:00 KST (the "이후" line).
SINCE = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _at(hours_before: float) -> datetime:
    return GENERATED_AT - timedelta(hours=hours_before)


def sample_stories() -> list[DigestStory]:
    return [
        DigestStory(
            story_id=101,
            title="한미일 산업장관 첫 회의…반도체·핵심광물 공급망 협력 최우선 추진",
            url="https://www.newspim.com/news/view/20261123000101",
            lead_outlet="뉴스핌",
            other_outlets=("연합뉴스", "뉴시스", "뉴스1", "서울경제", "한국경제", "매일경제", "전자신문"),
            published=_at(2.5),
            first_seen=_at(2.2),
            topics=("공급망", "반도체"),
            matched_terms=("공급망(공급망 협력)", "한미일(한미일 산업장관회의)", "반도체", "핵심광물"),
            snippet=(
                "한미일 산업장관이 워싱턴 D.C.에서 제1차 한미일 산업장관회의를 열고 '핵심·신흥 기술 발전'과 "
                "'경제안보·회복력 강화'를 두 축으로 반도체·배터리 등 핵심 분야 공급망 협력을 최우선으로 "
                "추진하기로 했다. 3국은 공동성명도 채택했다."
            ),
            score=0.92,
        ),
        DigestStory(
            story_id=102,
            title="한·미·일 5차 경제안보대화…핵심광물 공동투자·바이오 공급망 논의",
            url="https://www.yna.co.kr/view/AKR20261122000102",
            lead_outlet="연합뉴스",
            other_outlets=("KBS", "YTN", "아시아경제"),
            published=_at(9),
            first_seen=_at(8.8),
            topics=("경제안보대화", "공급망"),
            matched_terms=("경제안보대화", "핵심광물(핵심광물 공동투자)", "바이오제약 연합"),
            snippet=(
                "한국과 미국, 일본 3국 정부가 5차 경제안보대화를 열고 공급망과 핵심신흥기술, 디지털, "
                "핵심 인프라 협력 강화 방안을 논의했다고 대통령실이 밝혔다."
            ),
            score=0.88,
        ),
        DigestStory(
            story_id=103,
            title="美 상무부, 첨단 반도체 장비 수출통제 강화…韓 기업 '검증된 최종사용자' 유지",
            url="https://www.hankyung.com/article/2026112200103",
            lead_outlet="한국경제",
            other_outlets=("전자신문", "ZDNet Korea"),
            published=_at(5),
            first_seen=_at(4.9),
            topics=("반도체", "수출통제"),
            matched_terms=("수출통제(수출통제 강화)", "반도체 장비", "VEU"),
            snippet=(
                "미국 상무부 산업안보국(BIS)이 첨단 반도체 제조장비에 대한 수출통제를 강화하는 규정을 "
                "발표했다. 삼성전자와 SK하이닉스의 중국 공장은 검증된 최종사용자(VEU) 지위를 유지해 "
                "당장 영향은 제한적일 것으로 보인다."
            ),
            score=0.81,
        ),
        DigestStory(
            story_id=104,
            title="일본 경제산업성, 배터리 소재 보조금 확대…한국 기업도 대상 검토",
            url="https://www.etnews.com/20261122000104",
            lead_outlet="전자신문",
            published=_at(13),
            first_seen=_at(12.5),
            topics=("공급망",),
            matched_terms=("배터리", "공급망(배터리 소재)"),
            snippet=(
                "일본 경제산업성이 배터리 소재 공급망 강화를 위한 "
                "보조금 대상을 해외 기업으로 넓히는 방안을 검토 중이다."
            ),
            score=0.55,
        ),
        DigestStory(
            story_id=105,
            title='한미 공급망·산업대화, S&P "한국 반도체 수출 회복세 이어질 것"',
            url="https://www.sedaily.com/NewsView/20261122000105",
            lead_outlet="서울경제",
            other_outlets=("파이낸셜뉴스",),
            published=_at(6),
            first_seen=_at(6),
            topics=("반도체",),
            matched_terms=("반도체 수출", "공급망·산업대화"),
            snippet=(
                "신용평가사 S&P는 한국의 반도체 수출이 내년 상반기까지 회복세를 이어갈 것으로 내다봤다."
            ),
            score=0.62,
        ),
        DigestStory(
            story_id=106,
            title="[단독] 정부, 희토류 비축 물량 두 배로…조달청 긴급 입찰",
            url=None,
            lead_outlet="머니투데이",
            published=_at(3),
            first_seen=_at(3),
            topics=("핵심광물",),
            matched_terms=("희토류", "비축"),
            snippet=(
                "정부가 희토류 등 핵심광물 비축 물량을 현재의 두 "
                "배로 늘리기 위해 조달청을 통해 긴급 입찰에 나선다."
            ),
            score=0.7,
        ),
        DigestStory(
            story_id=107,
            title='경제안보 전문가 좌담회 "동맹 간 기술 보호 공조 시급"',
            url="https://www.munhwa.com/news/view.html?no=2026112200107",
            lead_outlet="문화일보",
            published=_at(15),
            first_seen=_at(14),
            snippet=(
                "경제안보 전문가들은 한미일 3국이 첨단기술 유출을 막기 "
                "위한 공조 체계를 서둘러 마련해야 한다고 입을 모았다."
            ),
            score=0.4,
        ),
        DigestStory(
            story_id=90,
            title="한미 '공급망·산업 대화' 장관급 격상…매년 경제안보 이슈 논의",
            url="https://www.mk.co.kr/news/economy/2026112100090",
            lead_outlet="매일경제",
            other_outlets=("연합뉴스", "뉴스1", "이데일리", "머니투데이", "헤럴드경제"),
            published=_at(30),
            first_seen=_at(29),
            topics=("공급망",),
            matched_terms=("공급망·산업 대화", "경제안보"),
            snippet=(
                "한미 양국이 기존 국장급 산업협력대화를 장관급 '한미 "
                "공급망·산업 대화'로 격상해 매년 경제안보 이슈를 논의하기로 했다."
            ),
            score=0.75,
            is_update=True,
            update_note="지난 브리핑 이후 4개 매체가 더 보도 (총 6개 매체)",
        ),
    ]


TOPIC_ORDER = ("공급망", "반도체", "경제안보대화", "핵심광물", "수출통제")

HOSTILE_TITLE = "<script>alert(1)</script> & <!channel> @here *속보* _x_ ~1~3월~ `code` [a](javascript:x)"


def hostile_story(story_id: int = 999) -> DigestStory:
    """A story whose every feed-supplied field tries to inject markup, links or mentions."""
    return DigestStory(
        story_id=story_id,
        title=HOSTILE_TITLE,
        url="javascript:alert(document.cookie)",
        lead_outlet="<b>악성</b> & 매체 <!here>",
        other_outlets=("@channel", "<@U123|boss>"),
        first_seen=GENERATED_AT - timedelta(hours=1),
        topics=("<i>공급망</i>",),
        matched_terms=("*공급망*",),
        snippet=("> 인용 <img src=x onerror=alert(1)> & <!everyone> \u202eevil\u202c"),
        score=0.99,
    )


def many_stories(n: int) -> list[DigestStory]:
    """``n`` distinct stories cycling through the samples (new ids, spread-out scores and times)."""
    base = [s for s in sample_stories() if not s.is_update]
    return [
        replace(
            base[i % len(base)],
            story_id=10_000 + i,
            title=f"{base[i % len(base)].title} ({i})",
            score=round(0.3 + (i * 37 % 70) / 100, 2),
            first_seen=GENERATED_AT - timedelta(minutes=7 * i),
            published=GENERATED_AT - timedelta(minutes=7 * i + 5),
        )
        for i in range(n)
    ]


def _texts(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block["text"]] if "text" in block else []
    return found + list(block.get("elements", []))


def check_slack_limits(payloads: list[dict[str, Any]]) -> None:
    """Every Slack limit the renderer promises, on payloads as rendered or as a webhook received them."""
    for p in payloads:
        assert 0 < len(p["blocks"]) <= SLACK_MAX_BLOCKS
        assert len(json.dumps(p, ensure_ascii=False)) <= SLACK_MAX_PAYLOAD
        assert p["blocks"][-1]["type"] != "header" and p["blocks"][0]["type"] != "divider"
        for block in p["blocks"]:
            for text in _texts(block):
                assert len(text["text"]) <= SLACK_MAX_TEXT
                if block["type"] == "header":
                    assert text["type"] == "plain_text" and len(text["text"]) <= SLACK_MAX_HEADER
        ids = [b["block_id"] for b in p["blocks"] if "block_id" in b]
        assert len(ids) == len(set(ids))
