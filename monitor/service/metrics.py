"""The service's Prometheus metrics, through ``prometheus_client``.

The numbers live on the :class:`~monitor.service.scheduler.Service`: counters it bumps as jobs finish
(keyed ``(kind, *label values)``, e.g. ``("poll", "ok")``) and gauges it refreshes at each heartbeat. A
:class:`ServiceCollector` reads a :class:`MetricsSnapshot` of them at each scrape and turns it into metric
families by the tables below, so:

- the registry holds no state of its own (nothing counted twice, nothing to keep in step);
- every :class:`Service` has its own ``CollectorRegistry``, never the process-global one, so tests (and
  a process embedding two services) never see each other's numbers;
- counters carry no ``_created`` series (prometheus_client's ``Counter`` objects add one per label set).

The names and labels are the ones operators' dashboards already use (they predate prometheus_client);
a new metric is a new row in :data:`COUNTERS` or :data:`GAUGES`, with its test. For example, the row
``CounterSpec("monitor_feed_polls", "feed polls by result", key="poll", labels=("result",))`` turns
``counters[("poll", "ok")] = 3`` into ``monitor_feed_polls_total{result="ok"} 3.0``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric


@dataclass(frozen=True, slots=True)
class CounterSpec:
    """A counter read from ``counters[(key, *label values)]``; ``name`` without ``_total`` (added on output)."""

    name: str
    help: str
    key: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GaugeSpec:
    """A gauge read from ``gauges[key]`` (0 until the first heartbeat sets it)."""

    name: str
    help: str
    key: str


COUNTERS: tuple[CounterSpec, ...] = (
    CounterSpec("monitor_feed_polls", "feed polls by result", key="poll", labels=("result",)),
    CounterSpec("monitor_job_runs", "digest, alert and retention runs", key="job", labels=("job", "outcome")),
    CounterSpec(
        "monitor_job_runs_skipped",
        "runs skipped because the job's previous run was still going",
        key="job_skipped",
        labels=("job",),
    ),
    CounterSpec("monitor_articles_new", "articles stored by this process", key="articles_new"),
    CounterSpec("monitor_poll_cycles", "poll cycles run", key="poll_cycles"),
    # Counted since the service began but never shown by the hand-written exposition: a cycle that raised
    # (a bug, not a feed's failure: those are monitor_feed_polls_total{result="error"}).
    CounterSpec("monitor_poll_cycle_errors", "poll cycles that failed as a whole", key="poll_cycle_error"),
    CounterSpec("monitor_poll_cycle_seconds", "time spent in poll cycles", key="poll_cycle_seconds"),
)

GAUGES: tuple[GaugeSpec, ...] = (
    GaugeSpec("monitor_up", "1 while monitor run is running", key="up"),
    GaugeSpec("monitor_started_timestamp_seconds", "when this process started", key="started_at"),
    GaugeSpec("monitor_feeds", "enabled feeds (at the last heartbeat)", key="feeds"),
    GaugeSpec(
        "monitor_feeds_failing",
        "enabled feeds whose last poll failed (at the last heartbeat)",
        key="feeds_failing",
    ),
    GaugeSpec("monitor_articles", "articles in the database (at the last heartbeat)", key="articles"),
)


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """The service's numbers at one moment, copied so a scrape never reads a dict being changed."""

    counters: Mapping[tuple[str, ...], float]
    gauges: Mapping[str, float]


class ServiceCollector:
    """A prometheus_client collector over a service's numbers: :data:`COUNTERS` and :data:`GAUGES`."""

    def __init__(self, snapshot: Callable[[], MetricsSnapshot]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot()
        for spec in COUNTERS:
            family = CounterMetricFamily(spec.name, spec.help, labels=spec.labels)
            if spec.labels:
                for key, value in sorted(snap.counters.items()):
                    if key[0] == spec.key and len(key) == 1 + len(spec.labels):
                        family.add_metric(list(key[1:]), value)
            else:
                family.add_metric([], snap.counters.get((spec.key,), 0))
            yield family
        for gauge in GAUGES:
            yield GaugeMetricFamily(gauge.name, gauge.help, value=snap.gauges.get(gauge.key, 0))


def service_registry(snapshot: Callable[[], MetricsSnapshot]) -> CollectorRegistry:
    """A registry of one service's own: its metrics, and the process's CPU, memory and open files
    (``process_*``, from /proc; empty where there is none)."""
    registry = CollectorRegistry()
    registry.register(ServiceCollector(snapshot))
    ProcessCollector(registry=registry)
    return registry


def exposition(registry: CollectorRegistry) -> str:
    """The registry in Prometheus' text format (what /metrics serves to a plain GET)."""
    return generate_latest(registry).decode("utf-8")
