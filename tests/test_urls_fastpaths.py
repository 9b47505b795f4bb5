"""canonical_url's and article_outlet's shortcuts give what the full parse gives.

The host is read once per scheme and authority, plain paths skip per-segment quoting, and paths without
"amp" skip the AMP rules; each shortcut must agree with urlsplit and the slow path on awkward input.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from monitor.ingest.urls import _normalise_path, _strip_amp, _url_host, article_outlet, canonical_url

AWKWARD = [
    "https://www.yna.co.kr/view/AKR20240001",
    "HTTPS://WWW.YNA.CO.KR./view/1",
    "https://user:pw@m.yna.co.kr:8080/a?b#c",
    "//m.news1.kr/articles/?1",
    "\thttps://\nm.yna.co.kr/x",
    " https://www.khan.co.kr",
    "https://[::1]:80/x",
    "https://[::1/x",  # urlsplit rejects it
    "http://a.com#x//b.com/c",
    "abc//host/x:y",
    "http:/x//y/z",
    "https://한글.kr/기사",
    "https://ａ.com/x",
    "mailto:someone@example.com",
    "",
]


def _reference_host(url: str) -> str | None:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return None


@pytest.mark.parametrize("url", AWKWARD)
def test_host_shortcut_agrees_with_urlsplit(url: str) -> None:
    assert _url_host(url) == _reference_host(url)
    assert _url_host(url) == _url_host(url)  # and again, from the cache


def test_outlets_are_found_through_the_cached_host() -> None:
    assert article_outlet("https://m.yna.co.kr/view/AKR1") == ("www.yna.co.kr", True)
    assert article_outlet("https://user@Www.Example.COM./a", "피드") == ("example.com", False)
    assert article_outlet("https://[::1/x", "피드") == ("피드", False)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/"),
        ("/", "/"),
        ("/a/b/", "/a/b/"),
        ("//a", "//a"),
        ("/a/./b/../c", "/a/c"),
        ("/a/.hidden", "/a/.hidden"),
        ("/기사/1", "/%EA%B8%B0%EC%82%AC/1"),
        ("/a%41b", "/aAb"),
        ("/a b", "/a%20b"),
        ("/x;y=1/@:!$&'()*+,", "/x;y=1/@:!$&'()*+,"),
    ],
)
def test_plain_paths_take_the_shortcut_and_others_are_quoted(path: str, expected: str) -> None:
    assert _normalise_path(path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/"),
        ("/a/b//", "/a/b"),
        ("/amp/article/1", "/article/1"),
        ("/article/1/AMP", "/article/1"),
        ("/article/1.amp.html", "/article/1.html"),
        ("/camping/1", "/camping/1"),
    ],
)
def test_amp_paths_are_stripped_and_others_only_lose_trailing_slashes(path: str, expected: str) -> None:
    assert _strip_amp(path) == expected


def test_canonical_form_unchanged_for_plain_and_doubled_links() -> None:
    assert (
        canonical_url("https://m.yna.co.kr/view/AKR1/?utm_source=x#top") == "https://www.yna.co.kr/view/AKR1"
    )
    doubled = "http://daily.hankooki.comhttp://daily.hankooki.com/news/articleView.html?idxno=5&x=1"
    assert canonical_url(doubled) == "http://daily.hankooki.com/news/articleView.html?idxno=5"
