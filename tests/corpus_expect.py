"""Check what the monitor stored for a corpus feed against the ``Expect:`` line of feedparser's test file.

feedparser's test files declare, in a comment, a Python expression over feedparser's result
(``not bozo and feed['title'] == 'Example'``). We never ``eval`` it: :func:`check` walks its AST with a
small interpreter that knows constants, names, subscripts, attributes, ``+``, ``not``, ``and``/``or`` and
comparisons, and nothing else (no calls, no imports, no dunder access).

The names resolve to what the monitor *stored* (feeds and article_sources/articles rows), mapped to the
fields the issue asks about:

    feed['title'] / feed.title         → feeds.title            (plain text, one line)
    feed['link']  / feed.link          → feeds.site_url
    entries[i]['title'] / .title       → the title of the article stored for the i-th entry
    entries[i]['link']  / .link        → article_sources.link (the link as that entry gave it)
    encoding                           → feeds.encoding         (compared as codecs: 'EUC-KR' == 'euc_kr')

Anything else (``bozo``, ``description``, ``links``, ``len(...)``…) is outside what the monitor stores,
so the top-level ``and`` is split into parts and the parts touching it are not applicable. Two artefacts
of feedparser's own harness are mapped before comparing: it served the files at
``http://127.0.0.1:8097/tests/…`` (our loopback origin and ``/feedparser-tests/…`` here), and it keeps
HTML in titles where the monitor stores plain text (a title agrees "as plain text" when our title equals
the expected one put through the same html_to_text the parser uses).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from monitor.ingest.parse import codec_name, html_to_text
from monitor.pipeline import NO_TITLE

_EXPECT = re.compile(r"Expect:\s*(.*?)\s*(?:-->|$)", re.M)
HARNESS_ORIGIN = "http://127.0.0.1:8097"


def expect_of(raw: bytes) -> str | None:
    """The Expect expression a corpus file declares, or None."""
    from tests.corpus_feeds import _comment_text

    match = _EXPECT.search(_comment_text(raw))
    if not match:
        return None
    text = match.group(1).strip()
    if text.endswith('",'):  # a JSON feed's "__TEST__" string
        text = text[:-2]
    return text or None


class NotApplicable(Exception):
    """The expression reads something the monitor does not store."""


class _Absent:
    """A field the monitor stored as NULL (distinct from an empty string, so it can be classified)."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT = _Absent()


@dataclass
class Stored:
    """What the monitor stored for one corpus file."""

    status: str  # the feed's last_status: ok | error
    error_kind: str | None
    title: str | None
    link: str | None
    encoding: str | None
    #: (title, link, shared) per stored entry, in feed order; shared: the article was first stored for
    #: another feed carrying the same canonical URL, so its title is that feed's.
    entries: list[tuple[str, str | None, bool]] = field(default_factory=list)


def stored_for(store: Any, feed_name: str) -> Stored:
    feed = store.db.execute(
        "SELECT id, last_status, title, site_url, encoding FROM feeds WHERE name = ?", (feed_name,)
    ).fetchone()
    error = store.db.execute(
        "SELECT error_kind FROM fetch_log WHERE feed_id = ? ORDER BY id DESC LIMIT 1", (feed[0],)
    ).fetchone()
    rows = store.db.execute(
        "SELECT a.title, s.link, (SELECT s2.feed_id FROM article_sources s2 WHERE s2.article_id = a.id "
        "ORDER BY s2.rowid LIMIT 1) != s.feed_id "
        "FROM article_sources s JOIN articles a ON a.id = s.article_id "
        "WHERE s.feed_id = ? ORDER BY s.rowid",
        (feed[0],),
    ).fetchall()
    return Stored(
        feed[1],
        error[0] if error else None,
        feed[2],
        feed[3],
        feed[4],
        [(t, link, bool(shared)) for t, link, shared in rows],
    )


# --------------------------------------------------------------------------------------------------
# The interpreter
# --------------------------------------------------------------------------------------------------


class _Record:
    """A dict-like view of one stored record; reading a field not in ``fields`` is not applicable."""

    def __init__(self, fields: dict[str, Any], touched: list[str], prefix: str) -> None:
        self._fields = fields
        self._touched = touched
        self._prefix = prefix

    def __getitem__(self, key: object) -> Any:
        if not isinstance(key, str) or key not in self._fields:
            raise NotApplicable(f"{self._prefix}[{key!r}]")
        self._touched.append(f"{self._prefix}.{key}")
        return self._fields[key]


class _Entries:
    def __init__(self, records: list[_Record]) -> None:
        self._records = records

    def __getitem__(self, index: object) -> _Record:
        if not isinstance(index, int) or isinstance(index, bool):
            raise NotApplicable(f"entries[{index!r}]")
        if not -len(self._records) <= index < len(self._records):
            raise _Missing(f"entries[{index}]")
        return self._records[index]


class _Missing(Exception):
    """An entry the expression reads was not stored."""


_OPS = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env or node.id.startswith("_"):
            raise NotApplicable(node.id)
        if node.id == "encoding":
            env["_touched"].append("encoding")
        return env[node.id]
    if isinstance(node, ast.Subscript):
        return _eval(node.value, env)[_eval(node.slice, env)]
    if isinstance(node, ast.Attribute):
        target = _eval(node.value, env)
        if not isinstance(target, _Record) or node.attr.startswith("_"):
            raise NotApplicable(node.attr)
        return target[node.attr]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _eval(node.left, env) + _eval(node.right, env)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, env)
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, env) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, env)
            if type(op) not in _OPS:
                raise NotApplicable(type(op).__name__)
            try:
                if not _OPS[type(op)](left, right):
                    return False
            except TypeError:  # e.g. "x" in <absent>
                return False
            left = right
        return True
    raise NotApplicable(type(node).__name__)  # calls, lambdas, comprehensions: never evaluated


def _conjuncts(tree: ast.Expression) -> Iterator[ast.Expression]:
    body = tree.body
    parts = body.values if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And) else [body]
    for part in parts:
        yield ast.Expression(body=part)


def _map_constants(tree: ast.Expression, fn: Any) -> ast.Expression:
    class _Mapper(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.Constant:
            return ast.Constant(fn(node.value)) if isinstance(node.value, str) else node

    return _Mapper().visit(ast.parse(ast.unparse(tree), mode="eval"))


def _plain(value: str) -> str:
    return " ".join(html_to_text(value).split())


@dataclass(frozen=True)
class Verdict:
    expect: str
    applicable: int  # parts of the expression about title, link or encoding
    outcome: str  # "n/a" | "agree" | "agree as plain text" | "disagree"
    category: str = ""  # for disagreements
    detail: str = ""


def check(expect: str, stored: Stored, origin: str) -> Verdict:
    """Evaluate ``expect`` against what was stored; ``origin`` is the loopback server's http://host:port."""
    try:
        tree = ast.parse(expect, mode="eval")
    except SyntaxError:
        return Verdict(expect, 0, "n/a", detail="not a Python expression")

    def harness(value: str) -> str:
        value = value.replace(HARNESS_ORIGIN + "/tests/", origin + "/feedparser-tests/")
        return value.replace(HARNESS_ORIGIN, origin)

    def encoding(value: str) -> str:
        return codec_name(value) or value

    applicable = 0
    plain_only = False
    for part in _conjuncts(tree):
        touched: list[str] = []
        env = _env(stored, touched, plain=False)
        mapped = _map_constants(part, lambda s: encoding(harness(s)))
        try:
            ok = bool(_eval(mapped, env))
        except NotApplicable:
            continue
        except _Missing as missing:
            applicable += 1
            return Verdict(expect, applicable, "disagree", *_why_missing(stored, str(missing)))
        applicable += 1
        if ok:
            continue
        # Second look: feedparser keeps markup in titles, the monitor stores plain text.
        plain = _map_constants(mapped, _plain)
        if any(t.endswith(".title") for t in touched) and _eval(plain, _env(stored, [], plain=True)):
            plain_only = True
            continue
        return Verdict(expect, applicable, "disagree", *_classify(ast.unparse(part), stored, touched))
    if not applicable:
        return Verdict(expect, 0, "n/a")
    return Verdict(expect, applicable, "agree as plain text" if plain_only else "agree")


def _env(stored: Stored, touched: list[str], *, plain: bool) -> dict[str, Any]:
    def value(v: str | None) -> Any:
        if plain:
            # A title that is only markup (an <img>) has no plain text: the monitor stores no feed title
            # and the placeholder for an entry title, which is the same answer.
            return "" if v is None or v == NO_TITLE else _plain(v)
        return ABSENT if v is None else v

    feed = _Record({"title": value(stored.title), "link": value(stored.link)}, touched, "feed")
    entries = [
        _Record({"title": value(t), "link": value(link)}, touched, f"entries[{i}]")
        for i, (t, link, _) in enumerate(stored.entries)
    ]
    encoding = codec_name(stored.encoding) if stored.encoding else None
    return {"feed": feed, "entries": _Entries(entries), "encoding": encoding or ABSENT, "_touched": touched}


def _why_missing(stored: Stored, what: str) -> tuple[str, str]:
    if stored.status != "ok":
        return f"feed not stored ({stored.error_kind})", what
    return "entry not stored", f"{what}: {len(stored.entries)} entries stored"


def _classify(part: str, stored: Stored, touched: list[str]) -> tuple[str, str]:
    """Why one applicable part disagrees: a category for the report and the values that differ."""
    if stored.status != "ok":
        return f"feed not stored ({stored.error_kind})", part
    fields = sorted(set(touched))
    if "encoding" in fields or "encoding" in part:
        ours = stored.encoding
        if "us-ascii" in part.lower() or "'ascii'" in part:
            return "encoding: feedparser's RFC 3023 us-ascii default", f"{part} (stored {ours})"
        if ours is None:
            return "encoding: not stored", part
        supersets = {("euc_kr", "cp949"), ("gb2312", "gb18030")}
        named = {codec_name(c) for c in re.findall(r"'([^']+)'", part)}
        if any(
            (a in named and codec_name(ours) == b) or (b in named and codec_name(ours) == a)
            for a, b in supersets
        ):
            return "encoding: the same charset family (superset label)", f"{part} (stored {ours})"
        return "encoding: another charset", f"{part} (stored {ours})"
    entry = re.match(r"entries\[(\d+)\]\.(title|link)", fields[0]) if fields else None
    if entry:
        title, link, shared = stored.entries[int(entry.group(1))]
        if entry.group(2) == "title":
            if shared:
                return "entry title: article shared with another feed", f"{part} (stored {title!r})"
            if title == NO_TITLE:
                return "entry title: placeholder for an untitled entry", part
            return "entry title: text differs", f"{part} (stored {title!r})"
        return "entry link: differs", f"{part} (stored {link!r})"
    if fields and fields[0] == "feed.title":
        if stored.title is None:
            return "feed title: absent, expected empty" if "''" in part else "feed title: absent", part
        return "feed title: text differs", f"{part} (stored {stored.title!r})"
    if fields and fields[0] == "feed.link":
        return "feed link: differs", f"{part} (stored {stored.link!r})"
    return "other", part


def check_corpus(store: Any, root: Any, files: list[Any], origin: str) -> dict[str, Verdict]:
    """A verdict for every served file that declares an Expect (feed name = path relative to ``root``)."""
    verdicts = {}
    for path in files:
        expect = expect_of(path.read_bytes())
        if expect is None:
            continue
        rel = path.relative_to(root).as_posix()
        verdicts[rel] = check(expect, stored_for(store, rel), origin)
    return verdicts
