"""The service: `monitor run`, the long-lived process.

It calls the pipeline and the digest runs on a schedule and holds no business logic of its own. Behind
this face:

- ``scheduler``: APScheduler 3 jobs (each feed on its interval, digests, retention), planning and the
  stop sequence;
- ``health``: what an operator is shown: a feed's rhythm and silence, the health file, metrics;
- ``lock``: one process per database.
"""
