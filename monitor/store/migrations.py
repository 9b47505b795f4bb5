"""Versioned schema migrations, numbered from the first schema on.

Each migration is plain SQL run inside one transaction together with the row that records it in
``schema_migrations``, so a crash mid-migration leaves the database at the previous version. Never edit a
migration that has shipped: add a new one. ``tests/test_store.py`` migrates from every older version.

Conventions a person reading the database can rely on:
- times are ISO 8601 text in UTC (``2026-11-23T00:00:00+00:00``), so they sort as text; the ``v_*`` views
  show the same times in KST for people;
- ``articles.url`` is the canonical URL and unique: one row per article, whichever feeds carried it
  (those are in ``article_sources``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


_V1_SCHEMA = """
CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,   -- as in config; the key users type
    url                  TEXT NOT NULL,
    enabled              INTEGER NOT NULL DEFAULT 1,
    in_config            INTEGER NOT NULL DEFAULT 1, -- 0: removed from the config, rows kept
    interval_s           INTEGER NOT NULL,
    title                TEXT,                   -- the feed's own <title>
    site_url             TEXT,
    etag                 TEXT,                   -- validators for the next conditional GET
    last_modified        TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_status          TEXT,                   -- ok | not_modified | error
    last_http_status     INTEGER,
    last_error           TEXT,                   -- text of the most recent failure (kept after recovery)
    last_error_kind      TEXT,
    last_error_at        TEXT,
    parse_problem        TEXT,                   -- ill-formed or mis-declared feed that still parsed
    encoding             TEXT,                   -- charset the last body was read with
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT,                   -- not before this (interval, backoff or Retry-After)
    created_at           TEXT NOT NULL
);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    url            TEXT NOT NULL UNIQUE,         -- canonical URL
    link           TEXT NOT NULL,                -- the link as the first feed gave it
    final_url      TEXT,                         -- where the page fetch ended after redirects
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,                -- extracted article text (or the feed summary)
    summary        TEXT NOT NULL DEFAULT '',     -- the feed's summary, plain text
    text_source    TEXT NOT NULL,                -- page | summary | title
    extract_note   TEXT,                         -- why the page text is not used, if it isn't
    author         TEXT,
    published_at   TEXT,                         -- UTC; NULL when the feed gave no date
    first_seen_at  TEXT NOT NULL,
    fetched_at     TEXT NOT NULL,
    updated_at     TEXT,                         -- last time title/text changed after first store
    content_hash   TEXT NOT NULL,
    feed_id        INTEGER REFERENCES feeds(id)  -- the feed that first brought it
);
CREATE INDEX articles_published_at ON articles(published_at);
CREATE INDEX articles_first_seen_at ON articles(first_seen_at);
CREATE INDEX articles_content_hash ON articles(content_hash);

-- Every feed entry that pointed at an article: the same article from two feeds is one article row
-- with two rows here.
CREATE TABLE article_sources (
    feed_id       INTEGER NOT NULL REFERENCES feeds(id),
    entry_id      TEXT NOT NULL,                 -- GUID, else link, else content hash
    id_source     TEXT NOT NULL,                 -- guid | link | hash
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    link          TEXT,
    entry_hash    TEXT NOT NULL,                 -- title+summary+link: tells an edited entry
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (feed_id, entry_id)
);
CREATE INDEX article_sources_article ON article_sources(article_id);
CREATE INDEX article_sources_first_seen ON article_sources(first_seen_at);

-- Earlier versions of an article whose content changed under the same URL.
CREATE TABLE article_revisions (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id),
    replaced_at  TEXT NOT NULL,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL
);

-- One row per feed per poll attempt: what happened, for `monitor status` and for people.
CREATE TABLE fetch_log (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds(id),
    url          TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    elapsed_ms   INTEGER NOT NULL,
    outcome      TEXT NOT NULL,                  -- ok | not_modified | error
    http_status  INTEGER,
    bytes        INTEGER,
    entries      INTEGER NOT NULL DEFAULT 0,
    new_articles INTEGER NOT NULL DEFAULT 0,
    articles_failed INTEGER NOT NULL DEFAULT 0,
    error_kind   TEXT,
    error        TEXT
);
CREATE INDEX fetch_log_feed_started ON fetch_log(feed_id, started_at);

-- Full-text search over title and text. The trigram tokenizer indexes every 3-character window, which
-- is what makes Korean substrings (공급망 inside 공급망을) searchable without a morphological analyser.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

-- Views for people (sqlite3, Datasette): times in KST.
CREATE VIEW v_feed_health AS
SELECT
    f.name,
    f.url,
    f.enabled,
    f.last_status,
    datetime(f.last_success_at, '+9 hours') AS last_success_kst,
    datetime(f.last_error_at, '+9 hours') AS last_error_kst,
    f.last_error_kind,
    f.last_error,
    f.consecutive_failures,
    datetime(f.next_attempt_at, '+9 hours') AS next_attempt_kst,
    (SELECT count(*) FROM article_sources s
      WHERE s.feed_id = f.id AND s.first_seen_at >= strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-1 day')) AS entries_24h,
    f.parse_problem
FROM feeds f
ORDER BY f.consecutive_failures DESC, f.name;

CREATE VIEW v_recent_articles AS
SELECT
    a.id,
    datetime(coalesce(a.published_at, a.first_seen_at), '+9 hours') AS published_kst,
    a.title,
    (SELECT group_concat(f.name, ', ') FROM article_sources s JOIN feeds f ON f.id = s.feed_id
      WHERE s.article_id = a.id) AS feeds,
    a.text_source,
    length(a.text) AS text_chars,
    a.url
FROM articles a
ORDER BY coalesce(a.published_at, a.first_seen_at) DESC;
"""  # noqa: E501

# Indexing each article as it is inserted flushed a small FTS segment per feed transaction and was 60% of
# a poll's database time; indexing the new rows in one statement per cycle costs a seventh of that.
# New articles are indexed by Store.index_pending() (end of every poll, and before every search), which
# catches up from fts_state.indexed_upto, so rows written before a crash are indexed on the next run.
# Update/delete triggers only touch rows that are already in the index: telling an external-content
# FTS5 table to delete a row it never held corrupts it.
_V2_BATCH_FTS = """
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
CREATE TABLE fts_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL                -- articles with id <= this are in articles_fts
);
INSERT INTO fts_state (id, indexed_upto) SELECT 1, coalesce(max(id), 0) FROM articles;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
"""

# The matcher's verdict on each article, with the evidence a digest or `monitor explain` shows: every
# matched term with its topic, weight, position and snippet, and the exclusions that fired.
_V3_MATCHES = """
CREATE TABLE matches (
    article_id    INTEGER PRIMARY KEY REFERENCES articles(id),
    relevant      INTEGER NOT NULL,              -- 1 when the decision is "relevant"
    decision      TEXT NOT NULL,
    score         REAL NOT NULL,                 -- relevance in [0, 1], for ranking
    threshold     REAL NOT NULL,
    topics        TEXT NOT NULL,                 -- JSON list of the top topics, strongest first
    reason        TEXT NOT NULL,                 -- one line: which rule decided
    evidence      TEXT NOT NULL,                 -- JSON: hits, exclusions, score parts
    config_digest TEXT NOT NULL,                 -- which topics file decided (for re-matching)
    matched_at    TEXT NOT NULL
);
CREATE INDEX matches_relevant_score ON matches(relevant, score);

CREATE VIEW v_relevant_articles AS
SELECT
    a.id,
    datetime(coalesce(a.published_at, a.first_seen_at), '+9 hours') AS published_kst,
    round(m.score, 2) AS score,
    m.topics,
    a.title,
    m.reason,
    a.url
FROM matches m JOIN articles a ON a.id = m.article_id
WHERE m.relevant = 1
ORDER BY coalesce(a.published_at, a.first_seen_at) DESC;
"""

# A user's own judgment of an article, for `monitor eval --labels`: tuning measured on their data.
# Labels outlive re-matching and are never written by the program itself.
_V4_LABELS = """
CREATE TABLE labels (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id),
    label       TEXT NOT NULL CHECK (label IN ('relevant', 'irrelevant')),
    note        TEXT NOT NULL DEFAULT '',
    labelled_at TEXT NOT NULL
);
"""

# Stories: one development, however many outlets and URLs carried it. A story's id is the article id of
# its first member (the clusterer's story_key), so re-clustering the same articles gives the same ids and
# `monitor story 123` stays valid. The lead can change later (a wire original arriving after a copy).
# Digests read stories, never articles: `size` and `outlet_count` are what a delivery compares against
# to tell an updated story from a new one.
_V5_STORIES = """
CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,          -- = article id of the first member (story_key)
    lead_article_id INTEGER NOT NULL REFERENCES articles(id),
    title           TEXT NOT NULL,                -- the lead's title, for people reading the table
    first_seen_at   TEXT NOT NULL,
    last_updated_at TEXT NOT NULL,                -- when a member last joined or changed
    size            INTEGER NOT NULL,             -- member articles
    outlet_count    INTEGER NOT NULL,
    outlets         TEXT NOT NULL,                -- JSON list of outlet names, lead's first
    best_score      REAL NOT NULL DEFAULT 0,      -- highest member relevance score
    relevant        INTEGER NOT NULL DEFAULT 0,   -- 1 when any member was matched relevant
    topics          TEXT NOT NULL DEFAULT '[]'    -- JSON list of topic ids, strongest first
);
CREATE INDEX stories_updated ON stories(last_updated_at);
CREATE INDEX stories_relevant ON stories(relevant, best_score);

CREATE TABLE article_story (
    article_id         INTEGER PRIMARY KEY REFERENCES articles(id),
    story_id           INTEGER NOT NULL REFERENCES stories(id),
    reason             TEXT NOT NULL,             -- new | exact | near_duplicate | same_event | updated
    similarity         REAL NOT NULL,
    matched_article_id INTEGER,                   -- the member it was matched against
    decided_at         TEXT NOT NULL
);
CREATE INDEX article_story_story ON article_story(story_id);

CREATE VIEW v_stories AS
SELECT
    s.id,
    datetime(s.first_seen_at, '+9 hours') AS first_seen_kst,
    datetime(s.last_updated_at, '+9 hours') AS last_updated_kst,
    s.size,
    s.outlet_count,
    round(s.best_score, 2) AS best_score,
    s.relevant,
    s.topics,
    s.title,
    s.outlets
FROM stories s
ORDER BY s.last_updated_at DESC;
"""

# Digest delivery (issue 5): the ledger of what each channel accepted, per story, with the story's size and
# outlet count at send time (what "grew materially since" is measured against); each channel's health and
# retry backoff; and a claim row per channel so two digest runs at once cannot both send. No foreign key
# from the ledger to stories: the record of what a reader was sent outlives any re-clustering.
_V6_DELIVERIES = """
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,                  -- file | email | slack
    story_id     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('new', 'update', 'alert')),
    size         INTEGER NOT NULL,               -- stories.size when sent
    outlet_count INTEGER NOT NULL,               -- stories.outlet_count when sent
    score        REAL NOT NULL,
    digest_id    TEXT NOT NULL,
    message_id   TEXT NOT NULL,                  -- Message-ID, Slack message id, or file name
    sent_at      TEXT NOT NULL                   -- when the channel accepted it (UTC)
);
CREATE INDEX deliveries_channel_story ON deliveries(channel, story_id, sent_at);
CREATE INDEX deliveries_sent ON deliveries(sent_at);

CREATE TABLE channel_state (
    channel              TEXT PRIMARY KEY,
    last_attempt_at      TEXT,
    last_success_at      TEXT,                   -- last digest the channel accepted (the "이후" of the next)
    last_status          TEXT,                   -- sent | empty | failed | ...
    last_story_count     INTEGER NOT NULL DEFAULT 0,
    last_message_id      TEXT,
    last_error           TEXT,
    last_error_at        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT                    -- backoff: not before this after a failure
);

CREATE TABLE digest_claims (
    channel    TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,                    -- host:pid:random of the run holding it
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL                     -- a crashed run's claim stops counting after this
);

CREATE VIEW v_deliveries AS
SELECT
    d.channel,
    datetime(d.sent_at, '+9 hours') AS sent_kst,
    d.kind,
    d.story_id,
    d.size,
    d.outlet_count,
    round(d.score, 2) AS score,
    d.message_id,
    s.title
FROM deliveries d LEFT JOIN stories s ON s.id = d.story_id
ORDER BY d.sent_at DESC, d.id DESC;
"""

# `monitor run`: the scheduler's job table, so `monitor status` (another process) can say when each job
# runs next and how its last run went, and so a restarted service knows which digest it missed; one row
# per service process (heartbeat, why it stopped: NULL stop_reason with a stale heartbeat is a crash or
# SIGKILL); and a mark on articles whose text the retention job removed (title, URL, matches and story
# membership stay, so digests and the dedupe ledger still work).
_V7_SERVICE = """
CREATE TABLE service_jobs (
    id               TEXT PRIMARY KEY,            -- poll:<feed name> | digest:<channel> | retention
    kind             TEXT NOT NULL,               -- poll | digest | retention
    target           TEXT,                        -- the feed name or channel
    schedule         TEXT NOT NULL,               -- for people: "every 15m +≤30s" | "cron 0 8 * * * KST"
    next_run_at      TEXT,                        -- UTC; NULL when the job is paused or the service stopped
    last_started_at  TEXT,
    last_finished_at TEXT,
    last_outcome     TEXT,                        -- ok | error | deferred | skipped
    last_detail      TEXT,                        -- one line: what the run did, or the error
    runs             INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE service_runs (
    id           INTEGER PRIMARY KEY,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,                   -- refreshed every minute while running
    stopped_at   TEXT,
    stop_reason  TEXT                             -- SIGTERM | SIGINT | error: …; NULL: running or killed
);

ALTER TABLE articles ADD COLUMN text_pruned_at TEXT;  -- when retention emptied text (UTC)
"""

# Two tiers of relevance (issue 13, ../RELEVANCE.md): ``core`` is the three governments' cooperation or
# decisions on the agenda, ``context`` one actor's measure that shapes it; digests list context items in
# their own section below the core ones. NULL for an irrelevant verdict. Verdicts stored before the matcher
# had tiers were all judged on the core rules, so they become 'core' unless their evidence JSON already
# names a tier; json_valid first, because json_extract raises on a damaged row and one bad row must not
# stop the migration (or lose the others).
_V8_MATCH_TIERS = """
ALTER TABLE matches ADD COLUMN tier TEXT CHECK (tier IN ('core', 'context'));
UPDATE matches SET tier = CASE
    WHEN relevant = 0 THEN NULL
    WHEN json_valid(evidence) AND json_extract(evidence, '$.tier') IN ('core', 'context')
        THEN json_extract(evidence, '$.tier')
    ELSE 'core'
END;

DROP VIEW v_relevant_articles;
CREATE VIEW v_relevant_articles AS
SELECT
    a.id,
    datetime(coalesce(a.published_at, a.first_seen_at), '+9 hours') AS published_kst,
    m.tier,
    round(m.score, 2) AS score,
    m.topics,
    a.title,
    m.reason,
    a.url
FROM matches m JOIN articles a ON a.id = m.article_id
WHERE m.relevant = 1
ORDER BY coalesce(a.published_at, a.first_seen_at) DESC;
"""

# Sources as of 2026 (issue 15): the publisher a news-search feed credits an item to (the article's URL is
# the aggregator's redirect link and names no outlet), per article and per source row; NULL means "read
# the outlet from the URL" as before, so older rows need no backfill. And the article's language.
_V9_SOURCES = """
ALTER TABLE articles ADD COLUMN outlet TEXT;          -- publisher credited by a news-search item; NULL: from url
ALTER TABLE articles ADD COLUMN language TEXT;        -- ko | en (declared on the feed, else detected); NULL: unknown
ALTER TABLE article_sources ADD COLUMN outlet TEXT;   -- the publisher this feed entry credits, if any
"""

# Stories on real news (issue 14, store side). Three things:
# - each member's join evidence: the pair features that carried a same-event join (Assignment.evidence),
#   as JSON [[name, value], ...], so `monitor story ID` can say why a member joined;
# - a story's last development (see monitor.store.stories for the definition): [stories]
#   close_after_hours counts from it, so a recurring item stops chaining into one story;
# - what incremental aggregates need per story (each outlet's first member, each topic's strongest
#   member), so a poll updates a touched story from its new members instead of re-reading all of them.
# last_development_at NULL marks a story whose side tables are not filled yet: every existing story
# after this migration (StoryStore.migrate recomputes them once, right after), and the touched story
# is recomputed in full if a crash came in between.
_V10_STORY_AGGREGATES = """
ALTER TABLE article_story ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';  -- JSON [[feature, value], ...]
ALTER TABLE stories ADD COLUMN last_development_at TEXT;  -- UTC; the latest outlet's first report
CREATE INDEX stories_not_aggregated ON stories(id) WHERE last_development_at IS NULL;

-- Each outlet of a story with its first member, in (time, article id) order: the story's outlet list
-- (lead's outlet first, then by first report) and its last development come from these rows.
CREATE TABLE story_outlets (
    story_id         INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    outlet           TEXT NOT NULL,
    first_at         TEXT NOT NULL,               -- UTC: coalesce(published_at, first_seen_at) of it
    first_article_id INTEGER NOT NULL,
    PRIMARY KEY (story_id, outlet)
) WITHOUT ROWID;

-- Each topic of a story with the strongest member carrying it: stories.topics is these, ordered by
-- (score descending, article id, the topic's place in that member's list).
CREATE TABLE story_topics (
    story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    score      REAL NOT NULL,
    article_id INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (story_id, topic)
) WITHOUT ROWID;
"""

# The full-text index declared the way sqlite-utils finds it (issue 16). `sqlite-utils search` and
# Table.detect_fts() look for an FTS table whose SQL says content="articles" or content=[articles]; the
# v1 spelling content='articles' (single quotes) means the same to SQLite but is not found, so
# `sqlite-utils search monitor.db articles 공급망` said "not configured for full-text search". The index
# is external-content (it holds no copy of the text): dropping it loses no article, and 'rebuild' reads
# every row of articles back in. Same columns and the same trigram tokenizer, so `monitor search` keeps
# finding Korean substrings of three characters or more. Rebuilt means indexed up to the newest article,
# so fts_state moves there (index_pending must not insert those rows a second time). The two triggers
# name the table, so they are made again with it.
_V11_FTS_FOR_SQLITE_UTILS = """
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content="articles", content_rowid="id", tokenize="trigram"
);
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
UPDATE fts_state SET indexed_upto = (SELECT coalesce(max(id), 0) FROM articles);
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "feeds, articles, sources, fetch log, fts, views", _V1_SCHEMA),
    Migration(2, "index full text in batches", _V2_BATCH_FTS),
    Migration(3, "matches with their evidence", _V3_MATCHES),
    Migration(4, "user labels", _V4_LABELS),
    Migration(5, "stories and article-story links", _V5_STORIES),
    Migration(6, "digest delivery ledger, channel state and claims", _V6_DELIVERIES),
    Migration(7, "service job table, service runs, article text retention", _V7_SERVICE),
    Migration(8, "tier (core / context) of each relevant match", _V8_MATCH_TIERS),
    Migration(9, "publisher outlet and language of articles", _V9_SOURCES),
    Migration(10, "story join evidence, last development, incremental aggregates", _V10_STORY_AGGREGATES),
    Migration(11, "full-text index declared so sqlite-utils finds it", _V11_FTS_FOR_SQLITE_UTILS),
)
