"""The sample news site `monitor demo` serves on loopback: three feeds and their article pages.

The five seed documents become articles on the site, mixed with short invented news (weather, sports,
drug-maker stock news, K-pop…) that a good monitor must store but not flag. Pages carry the chrome a real
Korean outlet has (navigation, share and font-size widgets, a "주요 뉴스" list, a ticker, a byline and a
copyright line) so the demo shows extraction removing it. One feed is EUC-KR, one is Atom.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path


@dataclass(frozen=True)
class DemoStory:
    slug: str
    section: str  # which feed carries it: "economy" | "policy" | "industry"
    title: str
    body: str  # paragraphs separated by blank lines, or HTML when ``markup``
    hours_ago: float
    seed: str | None = None  # seed file name when the body comes from seeds/
    markup: bool = False  # the body is HTML (a blog post's source), served as the page's markup


# Headlines for the seeds whose text has none of its own (written for the demo).
_SEED_TITLES = {
    "000": "한미일 산업장관 첫 회의…반도체·배터리 공급망 협력 최우선",
}

_SEED_SECTIONS = {"000": "economy", "001": "economy", "002": "policy", "003": "policy", "004": "industry"}

# Invented everyday news: none of it is about trilateral economic security, some of it shares words.
_OTHER_NEWS: tuple[tuple[str, str, str], ...] = (
    (
        "economy",
        "코스피 2,600선 회복…외국인 순매수에 반등",
        "코스피가 외국인 투자자의 순매수에 힘입어 2,600선을 회복했다.\n\n"
        "시장에서는 미국 금리 인하 기대가 투자 심리를 끌어올렸다는 분석이 나왔다. 거래대금은 전날보다 늘었다.",
    ),
    (
        "economy",
        "한미약품 주가 급등…신약 임상 결과 기대감",
        "한미약품 주가가 비만 치료 신약의 임상 2상 결과 발표를 앞두고 장중 8% 넘게 올랐다.\n\n"
        "증권가는 발표 내용에 따라 변동성이 커질 수 있다며 신중한 접근을 권했다.",
    ),
    (
        "economy",
        "서울 아파트값 5주 연속 상승…강남권 상승폭 확대",
        "서울 아파트값이 5주 연속 올랐다. 한국부동산원에 따르면 강남 3구의 상승폭이 특히 컸다.\n\n"
        "전문가들은 대출 규제 강화 이후 거래량 변화를 지켜봐야 한다고 말했다.",
    ),
    (
        "industry",
        "한미반도체, 3분기 영업이익 사상 최대",
        "반도체 장비 업체 한미반도체가 3분기 영업이익이 사상 최대를 기록했다고 공시했다.\n\n"
        "고대역폭메모리(HBM) 장비 수주가 늘어난 덕분이라고 회사 측은 설명했다.",
    ),
    (
        "industry",
        "국내 배터리 3사, 유럽 전기차 수요 둔화에 감산 검토",
        "국내 배터리 업체들이 유럽 전기차 수요 둔화에 대응해 일부 생산라인 가동률 조정을 검토하고 있다.\n\n"
        "업계는 내년 상반기 수요 회복 여부가 관건이라고 보고 있다.",
    ),
    (
        "policy",
        "한일전 앞둔 축구대표팀, 오늘 최종 훈련",
        "축구대표팀이 한일전을 하루 앞두고 최종 훈련을 진행했다.\n\n"
        "감독은 선수들의 컨디션이 좋다며 승리를 자신했다. 경기는 내일 저녁 8시에 열린다.",
    ),
    (
        "policy",
        "주말 전국 흐리고 비…기온 뚝 떨어져",
        "토요일인 내일은 전국이 흐리고 곳곳에 비가 내리겠다.\n\n"
        "비가 그친 뒤에는 찬 바람이 불면서 기온이 크게 떨어질 것으로 기상청은 내다봤다.",
    ),
    (
        "policy",
        "K팝 그룹, 도쿄돔 공연 3회 매진",
        "인기 K팝 그룹이 일본 도쿄돔 단독 공연 3회를 모두 매진시켰다.\n\n"
        "소속사는 추가 공연을 검토 중이라고 밝혔다.",
    ),
)

_CHROME_TOP = """<header class="site-header"><nav class="gnb"><ul>
<li><a href="/">홈</a></li><li><a href="/economy">경제</a></li><li><a href="/policy">정책</a></li>
<li><a href="/industry">산업</a></li><li><a href="/login">로그인</a></li></ul></nav></header>
<div class="ticker">코스피 2,612.35 ▲0.84% · 코스닥 741.20 ▼0.12% · 원/달러 1,362.50</div>"""

_TOOLS = """<div class="article-tools"><button>가장작게</button><button>작게</button><button>기본</button>
<button>크게</button><button>가장크게</button>
<a href="#">공유</a><a href="#">스크랩</a><a href="#">프린트</a></div>"""

_CHROME_BOTTOM = """<div class="reactions"><span>좋아요0</span><span>화나요0</span><span>슬퍼요0</span></div>
<aside class="main-news"><h3>주요 뉴스</h3><ul>{links}</ul></aside>
<footer class="site-footer"><p>데모뉴스 | 서울시 중구 예시로 1 | 대표전화 02-000-0000</p>
<p>Copyright ⓒ 데모뉴스. 무단전재 및 재배포 금지</p></footer>"""

_PAGE = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{title} - 데모뉴스</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}"></head>
<body>{top}
<main><article class="news-article"><h1 class="headline">{title}</h1>
<div class="byline">데모뉴스 · 입력 {published_kst}</div>{tools}
<div class="article-body" itemprop="articleBody">
{paragraphs}
</div></article>
{bottom}</main></body></html>"""

FEEDS = {
    "economy": ("데모 경제 (RSS 2.0)", "/rss/economy.xml"),
    "policy": ("데모 정책 (Atom)", "/atom/policy.xml"),
    "industry": ("데모 산업 (RSS, EUC-KR)", "/rss/industry.xml"),
}


def load_stories(seeds_dir: Path, now: datetime) -> list[DemoStory]:
    """Seeds (as the user wrote them) plus the invented everyday news, newest last."""
    stories = []
    for i, path in enumerate(sorted(seeds_dir.glob("*.txt"))):
        key = path.name[:3]
        title, body = _split_seed(key, path.read_text("utf-8", errors="replace"))
        stories.append(
            DemoStory(
                f"seed-{key}",
                _SEED_SECTIONS.get(key, "economy"),
                title,
                body,
                hours_ago=30 - i * 5,
                seed=path.name,
                markup=is_markup(body),
            )
        )
    for i, (section, title, body) in enumerate(_OTHER_NEWS):
        stories.append(DemoStory(f"news-{i + 1:02d}", section, title, body, hours_ago=20 - i * 2))
    return stories


#: An HTML element at the start of a line: the body of a seed saved from a blog's source (seed 002 is a
#: Jekyll post whose body is ``<p><img …></p>``, ``<h2 data-ke-size=…>``, ``<table>``), not plain text.
_MARKUP_LINE = re.compile(r"^\s*<(p|h[1-6]|ul|ol|li|table|div|figure|blockquote)\b[^>]*>", re.I | re.M)


def is_markup(body: str) -> bool:
    """Whether a seed body is HTML: it must be served as markup, not escaped into the page as text (which
    the extractor then, rightly, stored as text: ``<p><img src=…`` in the database and in search)."""
    return len(_MARKUP_LINE.findall(body)) >= 2


def _split_seed(key: str, text: str) -> tuple[str, str]:
    """A seed's headline and body: front matter title, first line, or a written headline."""
    if text.startswith("---\n"):
        front, _, rest = text[4:].partition("\n---\n")
        match = re.search(r"^title:\s*(.+)$", front, re.M)
        return (match.group(1).strip() if match else key), rest.strip()
    if key in _SEED_TITLES:
        return _SEED_TITLES[key], text.strip()
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def build_site(base_url: str, seeds_dir: Path, now: datetime | None = None) -> dict[str, tuple[str, bytes]]:
    """Every path of the site → (content type, body bytes)."""
    now = now or datetime.now(UTC)
    stories = load_stories(seeds_dir, now)
    site: dict[str, tuple[str, bytes]] = {}
    for story in stories:
        site[f"/news/{story.slug}.html"] = (
            "text/html; charset=utf-8",
            _page(story, stories, now).encode("utf-8"),
        )
    for section, (name, path) in FEEDS.items():
        members = [s for s in stories if s.section == section]
        if section == "policy":
            site[path] = ("application/atom+xml; charset=utf-8", _atom(name, base_url, members, now))
        elif section == "industry":
            # Deliberately EUC-KR, declared in the XML and the HTTP header, as older Korean sites serve it.
            site[path] = (
                "application/rss+xml; charset=euc-kr",
                _rss(name, base_url, members, now, encoding="euc-kr"),
            )
        else:
            site[path] = ("application/rss+xml; charset=utf-8", _rss(name, base_url, members, now))
    return site


def _published(story: DemoStory, now: datetime) -> datetime:
    return (now - timedelta(hours=story.hours_ago)).replace(microsecond=0)


def _summary(story: DemoStory) -> str:
    body = _plain(story.body) if story.markup else story.body
    first = next((p for p in body.split("\n") if len(p.strip()) > 30), body)
    return first.strip()[:200]


def _plain(markup: str) -> str:
    """The text of an HTML body, for the feed's summary: tags dropped, entities read. Enough for the seeds'
    own simple markup (no scripts or comments); articles themselves go through the extractor."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _page(story: DemoStory, stories: list[DemoStory], now: datetime) -> str:
    published = _published(story, now)
    kst = (published + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    if story.markup:
        paragraphs = story.body  # the seed's own HTML, as its site served it
    else:
        lines = (p.strip() for p in story.body.split("\n"))
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines if p)
    links = "".join(
        f'<li><a href="/news/{s.slug}.html">{html.escape(s.title)}</a></li>'
        for s in stories
        if s.slug != story.slug
    )[:4000]
    return _PAGE.format(
        title=html.escape(story.title),
        published=published.isoformat(),
        published_kst=kst,
        top=_CHROME_TOP,
        tools=_TOOLS,
        paragraphs=paragraphs,
        bottom=_CHROME_BOTTOM.format(links=links),
    )


def _rss(name: str, base: str, stories: list[DemoStory], now: datetime, *, encoding: str = "utf-8") -> bytes:
    items = []
    for s in stories:
        link = f"{base}/news/{s.slug}.html"
        items.append(
            f"<item><title>{html.escape(s.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="false">demo-{s.slug}</guid>'
            f"<pubDate>{format_datetime(_published(s, now))}</pubDate>"
            f"<description>{html.escape(_summary(s))}</description></item>"
        )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(name)}</title><link>{base}/</link><description>monitor demo</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    return doc.encode(encoding, errors="xmlcharrefreplace")


def _atom(name: str, base: str, stories: list[DemoStory], now: datetime) -> bytes:
    entries = []
    for s in stories:
        link = f"{base}/news/{s.slug}.html"
        when = _published(s, now).isoformat().replace("+00:00", "Z")
        entries.append(
            f'<entry><title>{html.escape(s.title)}</title><link href="{link}"/>'
            f"<id>urn:demo:{s.slug}</id><updated>{when}</updated><published>{when}</published>"
            f"<summary>{html.escape(_summary(s))}</summary></entry>"
        )
    updated = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(name)}</title><id>urn:demo:policy</id><updated>{updated}</updated>"
        f'<link href="{base}/"/>' + "".join(entries) + "</feed>"
    )
    return doc.encode("utf-8")
