"""The service: `monitor run`, the long-lived process.

It calls the pipeline and the digest runs on a schedule and holds no business logic of its own. Behind
this face:

- ``scheduler``: the Service: APScheduler 3 jobs (each feed on its interval, digests, retention), the
  poll lanes and the stop sequence;
- ``jobs``: planning, as pure functions: which jobs, which triggers, which digests a stopped service missed;
- ``health``: what an operator is shown: a feed's rhythm and silence, the health file;
- ``metrics``: the Prometheus metrics (prometheus_client), one registry per service;
- ``endpoint``: ``/metrics`` and ``/healthz`` over HTTP, in a thread;
- ``lock``: one process per database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.service.health import (
        HEALTH_MAX_AGE_S,
        default_health_file,
        feed_rhythm,
        judge_health,
        read_health,
    )
    from monitor.service.lock import ProcessLock
    from monitor.service.scheduler import Service

__all__ = [
    "HEALTH_MAX_AGE_S",
    "ProcessLock",
    "Service",
    "default_health_file",
    "feed_rhythm",
    "judge_health",
    "read_health",
]

__getattr__ = lazy_names(
    __name__,
    {
        "HEALTH_MAX_AGE_S": "health",
        "default_health_file": "health",
        "feed_rhythm": "health",
        "judge_health": "health",
        "read_health": "health",
        "ProcessLock": "lock",
        "Service": "scheduler",
    },
)
