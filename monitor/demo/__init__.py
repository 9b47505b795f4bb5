"""The demo: the whole monitor, offline, against a sample news site on loopback.

- ``site``: the sample site built from the seeds (feeds and article pages);
- ``runner``: serve it, write a config pointing at it, poll twice, write a digest, say where it all is.
"""
