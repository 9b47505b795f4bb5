"""Match: is an article about Korea–US–Japan economic security, and why.

No HTTP, no SQL. Behind this face:

- ``topics``: the topics file (config/topics.toml) and the seed corpus, loaded and checked;
- ``matcher``: ``Article -> MatchResult``, with the tier (core or context) and every piece of evidence;
- ``evaluate``: precision and recall on labelled items;
- ``tune``: measured edits to the topics file proposed from labels;
- ``rematch``: stored articles scored again under a changed topics file.
"""
