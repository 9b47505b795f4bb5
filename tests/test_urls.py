"""Canonical URLs: one key per article whatever link form a feed uses; pure, idempotent, never raising."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.ingest.urls import canonical_url, outlet_for, unwrap_redirect


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        # 경향: utm_* on every RSS link, and one article filed under several section paths (seen in knews).
        (
            [
                "https://www.khan.co.kr/world/japan/article/202207280300001/?utm_campaign=rss_btn_click&utm_source=khan_rss",
                "https://www.khan.co.kr/opinion/contribution/article/202207280300001/?utm_content=total_news",
                "https://m.khan.co.kr/article/202207280300001",
                "https://www.khan.co.kr/view.html?art_id=202207280300001",
            ],
            "https://www.khan.co.kr/article/202207280300001",
        ),
        # 중앙: the old news.joins.com host, its cloc click-tracking parameter, and the AMP article path.
        (
            [
                "https://news.joins.com/article/24232833?cloc=rss-news-star",
                "https://mobile.joongang.co.kr/article/24232833",
                "https://www.joongang.co.kr/amparticle/24232833",
            ],
            "https://www.joongang.co.kr/article/24232833",
        ),
        # 조선 (Arc): mobile host, AMP as a query flag, trailing slash, fragment, default port, case.
        (
            [
                "HTTPS://M.Chosun.com:443/politics/2022/07/29/ABC/?outputType=amp#comments",
                "https://www.chosun.com/politics/2022/07/29/ABC/",
            ],
            "https://www.chosun.com/politics/2022/07/29/ABC",
        ),
        # 연합뉴스: mobile host, /amp/ path segment and the input= referrer code.
        (
            [
                "https://m.yna.co.kr/view/AKR20220729000100001?input=1195m",
                "https://www.yna.co.kr/amp/view/AKR20220729000100001",
                "https://yna.co.kr/view/AKR20220729000100001/",
            ],
            "https://www.yna.co.kr/view/AKR20220729000100001",
        ),
        # Naver News: every desktop/mobile/legacy form names (press id, article id).
        (
            [
                "https://news.naver.com/main/read.naver?mode=LSD&mid=shm&sid1=101&oid=001&aid=0013312345",
                "https://m.news.naver.com/read.nhn?oid=001&aid=0013312345&sid1=101",
                "https://n.news.naver.com/article/001/0013312345?sid=101",
            ],
            "https://n.news.naver.com/mnews/article/001/0013312345",
        ),
        # The ndsoft CMS used by many outlets: same page on m. and www., list parameters ride along.
        (
            [
                "https://m.sisain.co.kr/news/articleView.html?idxno=47993&page=2&sc_section_code=S1N1",
                "https://www.sisain.co.kr/news/articleView.html?idxno=47993",
            ],
            "https://www.sisain.co.kr/news/articleView.html?idxno=47993",
        ),
        # 프레시안's RSS appends "&ref=rss" to the path itself.
        (
            ["https://www.pressian.com/pages/articles/2022072815434380942&ref=rss"],
            "https://www.pressian.com/pages/articles/2022072815434380942",
        ),
        # 데일리한국's feed glues a scheme+host in front of the real link.
        (
            ["http://daily.hankooki.comhttp://daily.hankooki.com/news/articleView.html?idxno=853051"],
            "http://daily.hankooki.com/news/articleView.html?idxno=853051",
        ),
    ],
)
def test_variants_of_one_article_share_one_key(variants: list[str], expected: str) -> None:
    assert {canonical_url(v) for v in variants} == {expected}


def test_generic_normalisation() -> None:
    url = "http://user:secret@Example.COM:80/a/./b/../c/%7euser/%e2%82%ac/?b=2&fbclid=x&a=1&utm_source=y#frag"
    assert canonical_url(url) == "http://example.com/a/c/~user/%E2%82%AC?a=1&b=2"


def test_idna_host_is_ascii_and_path_is_percent_encoded() -> None:
    assert canonical_url("https://한국일보.한국/경제/기사") == (
        "https://xn--3e0bm80ac2h5no.xn--3e0b707e/%EA%B2%BD%EC%A0%9C/%EA%B8%B0%EC%82%AC"
    )


def test_scheme_is_kept_and_unknown_mobile_hosts_are_not_guessed() -> None:
    # An http-only outlet stays reachable by its key; m.X is mapped only where the paths are known to match.
    assert canonical_url("http://www.kmib.co.kr/a") == "http://www.kmib.co.kr/a"
    assert canonical_url("https://m.example.com/story/1") == "https://m.example.com/story/1"


def test_non_default_port_and_meaningful_query_stay() -> None:
    assert canonical_url("https://example.com:8443/view?id=7") == "https://example.com:8443/view?id=7"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "not a url",
        "ftp://example.com/x",
        "mailto:a@b.c",
        "http://",
        "http://[::1",
        "http://example.com:99999/",
        "urn:monitor:feed:3:abc",
    ],
)
def test_unusable_input_comes_back_stripped(bad: str) -> None:
    assert canonical_url(f"  {bad} ") == bad.strip()


@pytest.mark.parametrize(
    ("link", "target"),
    [
        (
            "https://www.google.com/url?sa=t&url=https%3A%2F%2Fwww.yna.co.kr%2Fview%2FAKR1&usg=x",
            "https://www.yna.co.kr/view/AKR1",
        ),
        (
            "https://news.google.com/news/url?sa=t&fd=R&url=https://www.hani.co.kr/arti/1.html",
            "https://www.hani.co.kr/arti/1.html",
        ),
        (
            "https://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3a%2f%2fwww.donga.com%2fnews%2f1",
            "https://www.donga.com/news/1",
        ),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.chosun.com%2Fa%2F&h=AT0",
            "https://www.chosun.com/a/",
        ),
        (
            "https://search.naver.com/p/crd/rd?m=1&u=https%3A%2F%2Fwww.news1.kr%2Farticles%2F%3F4753850",
            "https://www.news1.kr/articles/?4753850",
        ),
        (  # canonical_url only parses a link as a redirect when its host can be one: every redirector
            "https://link.naver.com/bridge?url=https%3A%2F%2Fm.hani.co.kr%2Farti%2F2.html",
            "https://m.hani.co.kr/arti/2.html",
        ),
        (
            "https://html.duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.khan.co.kr%2Farticle%2F202207290000001",
            "https://www.khan.co.kr/article/202207290000001",
        ),
        (
            "https://www.google.co.kr/url?q=https://www.segye.com/view/3",
            "https://www.segye.com/view/3",
        ),
    ],
)
def test_redirect_links_carrying_their_target(link: str, target: str) -> None:
    assert unwrap_redirect(link) == target
    assert canonical_url(link) == canonical_url(target)


def test_opaque_or_non_redirect_links_are_not_unwrapped() -> None:
    # Google News RSS ids cannot be decoded offline: the fetcher follows them; the key stays the link.
    opaque = "https://news.google.com/rss/articles/CBMiQWh0dHBzOi8vd3d3?oc=5"
    assert unwrap_redirect(opaque) is None
    assert canonical_url(opaque) == opaque
    assert unwrap_redirect("https://www.google.com/url?q=javascript:alert(1)") is None
    assert unwrap_redirect("https://www.khan.co.kr/article/1?url=https://evil.example/") is None


def test_outlet_for_knows_wires_and_aliases() -> None:
    assert outlet_for("https://m.yna.co.kr/view/AKR1").wire  # type: ignore[union-attr]
    assert not outlet_for("https://news.joins.com/article/1").wire  # type: ignore[union-attr]
    assert outlet_for("https://example.com/") is None


_url_parts = st.builds(
    lambda scheme, host, port, path, query, frag: f"{scheme}://{host}{port}{path}{query}{frag}",
    st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp"]),
    st.sampled_from(
        [
            "www.khan.co.kr",
            "M.YNA.CO.KR",
            "news.joins.com",
            "한국일보.한국",
            "example.com.",
            "[::1]",
            "news.naver.com",
            "www.google.com",
            "a_b.example",
            "xn--3e0b707e.com",
        ]
    ),
    st.sampled_from(["", ":80", ":443", ":8080", ":0"]),
    st.lists(
        st.sampled_from(
            [
                "a",
                "amp",
                ".",
                "..",
                "%2F",
                "%7e",
                "기사",
                "x.amp",
                "article",
                "202207280300001",
                "view.html",
                "",
                "%zz",
                "a b",
            ]
        ),
        max_size=5,
    ).map(lambda segs: "/" + "/".join(segs)),
    st.lists(
        st.sampled_from(
            [
                "utm_source=x",
                "id=1",
                "b=2",
                "a=%EA%B0%80",
                "outputType=amp",
                "q=https://www.hani.co.kr/x",
                "url=http%3A%2F%2Fm.yna.co.kr%2Fview%2F1",
                "=",
                "&",
                "x=a+b",
                "x=%2B",
                "art_id=1",
            ]
        ),
        max_size=4,
    ).map(lambda ps: ("?" + "&".join(ps)) if ps else ""),
    st.sampled_from(["", "#x", "#"]),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), _url_parts))
def test_canonical_url_is_idempotent_and_never_raises(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
