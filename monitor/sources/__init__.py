"""Sources: the operator's list of feeds.

What `monitor feeds` does, behind this face:

- ``check``: fetch and parse each configured feed as a poll would, and say what is wrong, without storing;
- ``feedlist``: add a feed to the user's config file, keeping its comments (tomlkit);
- ``opml``: import and export the feed list as OPML.
"""
