"""Article HTML bytes → :class:`~monitor.models.ExtractedPage`: the story's text, without the page around it.

Three steps, each for a reason:

1. **Charset** (:func:`decode_html`): the HTTP header, then a BOM, then a ``<meta>`` declaration found
   *anywhere* in the bytes (Korean CMS templates put it after 1 KB of scripts, past where lxml looks), then
   detection. EUC-KR labels are read as CP949, its superset, as browsers do; a Latin-1 label on bytes that
   are plainly Korean is overruled, since Tomcat-style defaults send it for pages that never were Latin-1.
2. **Main text**: trafilatura, favouring precision and leaving comments and tables out; when it finds
   nothing we look for article data embedded in scripts (JSON-LD ``articleBody``, Next.js flight data:
   client-rendered pages keep the story there), then for the element holding the most paragraph text,
   which also finds the ``<td>`` of a table-laid-out page (trafilatura's table output mangles those).
3. **Korean junk** (:func:`clean_article_text`): what trafilatura keeps from Korean outlets that is not the
   story: font-size and share widgets, reaction counters, "주요 뉴스" lists, tickers, photo captions,
   bylines, copyright lines, and the "[세종=뉴스핌] 김기랑 기자 =" dateline.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import trafilatura
from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from monitor.errors import ExtractError
from monitor.ingest.parse import (
    bom_charset,
    codec_name,
    decodes_cleanly,
    detect_charset,
    header_charset,
    html_to_text,
    is_mojibake_risk,
)
from monitor.lang import DATELINE
from monitor.models import ExtractedPage

log = logging.getLogger(__name__)

#: Less than this after cleaning is a widget or a teaser, not an article (a one-line 속보 is ~60 chars).
MIN_ARTICLE_CHARS = 50

# --------------------------------------------------------------------------------------------------
# Charset
# --------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE
)
#: Labels browsers read as a wider codec (WHATWG Encoding): decoding with the narrow one loses text.
_WIDER_CODEC = {"euc_kr": "cp949", "ascii": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252"}


def decode_html(content: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    """(text, charset, source) for page bytes; source is "header", "bom", "meta" or "detected".

    A declaration is used only if the bytes decode under it (a stray broken sequence is tolerated).
    """
    declared = (
        ("header", header_charset(headers)),
        ("bom", bom_charset(content)),
        ("meta", _meta_charset(content)),
    )
    for source, label in declared:
        charset = _html_codec(label)
        if charset and decodes_cleanly(content, charset) and not is_mojibake_risk(content, charset):
            return _decode(content, charset), charset, source
        if label:
            log.debug("declared %s (%s) does not fit the bytes", label, source, extra={"stage": "extract"})
    charset = _html_codec(detect_charset(content)) or "utf-8"
    return _decode(content, charset), charset, "detected"


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content)
    return match.group(1).decode("ascii") if match else None


def _html_codec(label: str | None) -> str | None:
    name = codec_name(label)
    return _WIDER_CODEC.get(name, name) if name else None


def _decode(content: bytes, charset: str) -> str:
    return content.decode(charset, errors="replace").lstrip("\ufeff")


# --------------------------------------------------------------------------------------------------
# Main text
# --------------------------------------------------------------------------------------------------

#: htmldate settings: keep the time and offset when the page has them; a bare date is of no use to us.
_DATE_PARAMS = {"original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
_NON_HTML_TYPES = (
    "application/pdf",
    "image/",
    "audio/",
    "video/",
    "application/zip",
    "application/octet-stream",
)


def extract_article(
    content: bytes, *, url: str | None = None, headers: Mapping[str, str] | None = None
) -> ExtractedPage:
    """The article text of a page, with title, author and publication time when the page gives them.

    Raises ExtractError saying why when there is no article text (not HTML, empty, nothing found).
    """
    _reject_non_html(content, headers)
    text, charset, charset_source = decode_html(content, headers)
    document = _trafilatura(text, url)
    body = clean_article_text(document.text if document else "")
    if len(body) < MIN_ARTICLE_CHARS:
        body = _fallback_text(text, url)
    metadata = document or _trafilatura(text, url, metadata_only=True)
    return ExtractedPage(
        text=body,
        title=(metadata.title or None) if metadata else None,
        published=_published(metadata.date if metadata else None),
        author=(metadata.author or None) if metadata else None,
        charset=charset,
        charset_source=charset_source,
    )


def _reject_non_html(content: bytes, headers: Mapping[str, str] | None) -> None:
    if not content.strip():
        raise ExtractError("empty page")
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    if content_type.lower().strip().startswith(_NON_HTML_TYPES):
        raise ExtractError(f"not an HTML page (content-type {content_type.split(';')[0].strip()})")


def _trafilatura(text: str, url: str | None, *, metadata_only: bool = False) -> Any:
    """trafilatura's Document (text + metadata), or None when it finds nothing.

    A crash inside trafilatura on a hostile page counts as "found nothing", so the fallbacks still run.
    """
    try:
        if metadata_only:
            return trafilatura.extract_metadata(text, default_url=url, date_config=_DATE_PARAMS)
        return trafilatura.bare_extraction(
            text,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,  # layout tables of old portals are caught by the container fallback
            with_metadata=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception:  # a third-party parser on arbitrary HTML: its failure is ours to absorb
        log.warning("trafilatura failed", exc_info=True, extra={"url": url, "stage": "extract"})
        return None


def _fallback_text(text: str, url: str | None) -> str:
    """The first fallback that yields an article's worth of clean text; ExtractError if none does."""
    soup = BeautifulSoup(text, "lxml")
    fallbacks: tuple[tuple[str, Callable[[], str]], ...] = (
        ("embedded data", lambda: _embedded_text(soup)),
        ("container", lambda: _container_text(soup)),
    )
    for name, fallback in fallbacks:
        body = clean_article_text(fallback())
        if len(body) >= MIN_ARTICLE_CHARS:
            log.debug("article text from the %s fallback", name, extra={"url": url, "stage": "extract"})
            return body
    raise ExtractError(f"no article text found in {len(text):,} characters of HTML")


def _embedded_text(soup: BeautifulSoup) -> str:
    """Article text that client-rendered pages keep in scripts rather than in the DOM."""
    scripts = soup.find_all("script")
    for script in scripts:
        if "ld+json" in (script.get("type") or ""):
            body = _ld_article_body(script.get_text())
            if body:
                return body
    flight = _next_flight_html(scripts)
    return _container_text(BeautifulSoup(flight, "lxml")) if flight else ""


def _ld_article_body(payload: str) -> str:
    try:
        data = json.loads(payload, strict=False)  # CMSes leave raw newlines inside JSON-LD strings
    except ValueError:
        return ""
    return max((html_to_text(body) for body in _find_key(data, "articleBody")), key=len, default="")


def _find_key(data: Any, key: str) -> Iterator[str]:
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key and isinstance(value, str):
                yield value
            else:
                yield from _find_key(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _find_key(item, key)


_FLIGHT_PUSH = re.compile(r"""self\.__next_f\.push\(\[1,\s*("(?:[^"\\]|\\.)*")\]\)""")


def _next_flight_html(scripts: list[Tag]) -> str:
    """The Next.js App Router payload, joined: its text chunks hold the article's HTML as served."""
    chunks: list[str] = []
    for script in scripts:
        for match in _FLIGHT_PUSH.finditer(script.get_text()):
            try:
                chunks.append(json.loads(match.group(1)))
            except ValueError:
                continue
    return "".join(chunks)


_PARAGRAPH_TAGS = ("p", "h2", "h3", "h4", "blockquote", "li")
_INLINE_TAGS = frozenset({"a", "b", "strong", "i", "em", "span", "font", "u", "sup", "sub", "mark", "small"})
_NOT_ARTICLE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "figure")


def _container_text(soup: BeautifulSoup) -> str:
    """Text of the element whose direct paragraphs (``<p>``, or text split by ``<br>``) are longest.

    This is what is left when trafilatura finds nothing: a crude measure, but a story is the largest
    run of paragraphs on its page. Removes navigation, headers, figures and the like from ``soup``.
    """
    for tag in soup.find_all(_NOT_ARTICLE_TAGS):
        tag.decompose()
    best, best_score = None, 0
    for element in soup.find_all(["div", "td", "article", "section", "main", "body"]):
        score = sum(len(p) for p in _paragraphs(element))
        if score > best_score:
            best, best_score = element, score
    return "\n".join(_paragraphs(best)) if best is not None else ""


def _paragraphs(element: Tag) -> list[str]:
    """Direct paragraph children as text; bare text runs count only where there is no <p> to read."""
    has_p = element.find(_PARAGRAPH_TAGS, recursive=False) is not None
    paragraphs: list[str] = []
    run: list[str] = []
    for child in element.children:
        if isinstance(child, NavigableString) or (isinstance(child, Tag) and child.name in _INLINE_TAGS):
            if not has_p and type(child) in (NavigableString, Tag):  # Comment, CData... are subclasses
                run.append(child.get_text() if isinstance(child, Tag) else str(child))
            continue
        paragraphs.append(" ".join("".join(run).split()))
        run = []
        if isinstance(child, Tag) and child.name in _PARAGRAPH_TAGS:
            paragraphs.append(html_to_text(str(child)))  # <strong>는 stays glued, <br> stays a break
    paragraphs.append(" ".join("".join(run).split()))
    return [p for p in paragraphs if p]


def _published(value: str | None) -> datetime | None:
    """An aware UTC time from trafilatura's date, only when it carries an offset.

    A bare date (or a time without offset) is too vague to rank news by; the feed's date is better.
    """
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return parsed.astimezone(UTC)


# --------------------------------------------------------------------------------------------------
# Korean junk
# --------------------------------------------------------------------------------------------------

#: Whole lines that are page furniture (compared with spaces removed, case-folded).
_WIDGET_LINES = frozenset(
    """
    가장작게 작게 기본 크게 가장크게 가 가가 글자크기 글씨크기 글자크기설정 본문글자크기 글자작게 글자크게
    인쇄 인쇄하기 프린트 스크랩 기사스크랩 공유 공유하기 기사공유 sns공유 댓글 댓글쓰기 댓글달기 클린뷰
    북마크 구독 구독하기 좋아요 url복사 링크복사 주소복사 카카오톡 페이스북 트위터 엑스 밴드 닫기
    기사듣기 음성듣기 음성으로듣기 번역 목록 이전기사 다음기사 맨위로 top 기사원문 이미지확대보기
    facebook twitter kakaotalk print share
    """.split()  # noqa: SIM905  (a word list reads better than sixty quoted strings)
)
_NO_WORDS = re.compile(r"^[\W_]+$")
_COPIED_TOAST = re.compile(r"복사(?:되었습니다|했습니다|완료)\.?$")
_REACTION = re.compile(r"^[가-힣 ]{1,15}(?:요|해요|어요)\s*\d+$|^(?:추천|공감|비공감|댓글|조회)\s*\d+$")
_NUMBER_ONLY = re.compile(r"^[+\-−±▲▼△▽]?\s*[\d,.]+\s*(?:%|원|포인트|p|bp)?$")
_DATE_ONLY = re.compile(
    r"^\d{2,4}[./-]\d{1,2}(?:[./-]\d{1,2})?\.?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:실시간|기준|현재)?$"
)
_STAMP = re.compile(
    r"^(?:입력|수정|등록|승인|발행|업데이트|기사입력|최종수정|송고|게재|작성)\s*[:：]?\s*\d{4}[.\-/년]"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BYLINE = re.compile(
    r"^[/\[(]?\s*(?:[가-힣]{2,4}[\s·,]*){1,4}\s*"
    r"(?:기자|특파원|선임기자|객원기자|인턴기자|수습기자|논설위원|칼럼니스트|앵커|PD)"
    r"(?:\s*외\s*\d+\s*명)?\s*[\])]?$"
)
_SLASH_CREDIT = re.compile(r"^/\s*[가-힣A-Za-z0-9· ]{1,15}$")
_COPYRIGHT = re.compile(
    r"무단\s*전재|재배포\s*금지|ⓒ|©|copyright|all\s+rights?\s+reserved|저작권자", re.IGNORECASE
)
_PHOTO_CREDIT = re.compile(
    r"(?:[(\[]\s*(?:사진|사진\s*제공|자료\s*사진|그래픽|자료|영상)\s*[=:：][^()\[\]]{1,40}[)\]]"
    r"|[.!?)]['\"”’]?\s*/\s*[가-힣A-Za-z0-9· ]{1,15}"
    r"|[.!?]['\"”’)]?\s+(?:[가-힣]{1,8}=)?"
    r"(?:연합뉴스|뉴스1|뉴시스|(?:AP|AFP|로이터|EPA|신화|교도)(?:\s*연합뉴스)?|게티이미지(?:뱅크)?)(?:\s*제공)?)"
    r"\s*(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}\.?)?\s*(?:" + _EMAIL.pattern + r")?\s*$"
)
#: Headings of lists and boxes that are not the story, or the start of a ticker.
_BLOCK_START = re.compile(
    r"^[\W_]*(?:주요\s*(?:뉴스|기사)|많이\s*(?:본|읽은)\s*(?:뉴스|기사)|관련\s*(?:뉴스|기사)|실시간\b.*"
    r"|인기\s*(?:뉴스|기사)|추천\s*(?:뉴스|기사)|최신\s*(?:뉴스|기사)|오늘의\s*\S+|포토\s*뉴스|이\s*시각.*"
    r"|핫\s*뉴스|함께\s*(?:보면|볼만한).*|당신이\s*좋아할.*|종목|현재가(?:\(원\))?|변동률|등락률|전일\s*대비"
    r"|most\s+viewed.*|headline\s+news|related\s+(?:news|articles?)|latest\s+news|top\s+stories)[\W_]*$",
    re.IGNORECASE,
)
_BLOCK_START_MAX = 30
_SENTENCE_END = re.compile(r"[.!?。！？]['\"”’)\]」』]*$")
_PROSE_MIN = 40
_KOREAN_SENTENCE_END = re.compile(r"다[.!?]['\"”’)\]]*$")
_BULLET = re.compile(r"^(?:[-*]\s+|[•◦·]\s*)")


def clean_article_text(text: str) -> str:
    """Drop the Korean-news junk trafilatura keeps; paragraphs come back separated by a blank line.

    Works line by line and errs on the side of keeping a line: a rule drops a line only when the line as a
    whole is furniture (a widget label, a counter, a caption, a byline...). A list heading ("주요 뉴스")
    takes the non-prose lines after it along; when no prose follows, that is everything to the end.
    """
    lines = [_normalise(line) for line in text.splitlines()]
    kept: list[str] = []
    for line in _drop_blocks([line for line in lines if line]):
        line = DATELINE.sub("", line, count=1)
        if line and not _is_junk(line) and line not in kept:
            kept.append(line)
    return "\n\n".join(kept)


def _normalise(line: str) -> str:
    """Whitespace collapsed and list bullets (trafilatura writes "- ") removed."""
    return _BULLET.sub("", " ".join(line.split()))


def _drop_blocks(lines: list[str]) -> list[str]:
    kept: list[str] = []
    skipping = False
    for line in lines:
        if len(line) <= _BLOCK_START_MAX and _BLOCK_START.match(line):
            skipping = True
        elif skipping and _is_prose(line):
            skipping = False
        if not skipping:
            kept.append(line)
    return kept


def _is_prose(line: str) -> bool:
    """A sentence-ending line of some length: what a list of headlines, a ticker or a menu never is."""
    return len(line) >= _PROSE_MIN and bool(_SENTENCE_END.search(line))


def _is_junk(line: str) -> bool:
    return any(rule(line) for rule in _JUNK_RULES)


def _is_widget(line: str) -> bool:
    return (
        "".join(line.split()).casefold() in _WIDGET_LINES
        or bool(_NO_WORDS.match(line))
        or (len(line) <= 30 and bool(_COPIED_TOAST.search(line)))
    )


def _is_counter_or_number(line: str) -> bool:
    return any(pattern.match(line) for pattern in (_REACTION, _NUMBER_ONLY, _DATE_ONLY, _STAMP))


def _is_caption(line: str) -> bool:
    """Lines ending with a photo credit, and '▲' captions: one '▲' leading a whole sentence.

    A '▲' list ("▲공급망 ▲기술 보호") has several marks, or items too short to end in a full stop.
    """
    if _PHOTO_CREDIT.search(line):
        return True
    return line.startswith("▲") and line.count("▲") == 1 and bool(_SENTENCE_END.search(line))


def _is_byline(line: str) -> bool:
    if _EMAIL.fullmatch(line) or _SLASH_CREDIT.match(line):
        return True
    if len(line) <= 60 and _EMAIL.search(line) and not _SENTENCE_END.search(line):
        return True
    return len(line) <= 40 and bool(_BYLINE.match(_EMAIL.sub("", line).strip()))


def _is_copyright(line: str) -> bool:
    """A short notice naming rights; a sentence ending in "-다." that mentions them is reporting."""
    return len(line) <= 120 and bool(_COPYRIGHT.search(line)) and not _KOREAN_SENTENCE_END.search(line)


_JUNK_RULES: tuple[Callable[[str], bool], ...] = (
    _is_widget,
    _is_counter_or_number,
    _is_caption,
    _is_byline,
    _is_copyright,
)
