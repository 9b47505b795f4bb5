# A small image that polls on a schedule with the database on a volume.
#   docker build -t monitor .
#   docker run -d --name monitor -v monitor-data:/app/config/data monitor
#   docker stop -t 30 monitor
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MONITOR_CONFIG=/app/config/monitor.toml

WORKDIR /app
COPY pyproject.toml README.md ./
# seeds/ and config/ before the install: monitor/demo/data links to them, and the wheel copies what the
# links point at (the demo's package data).
COPY seeds ./seeds
COPY config ./config
COPY monitor ./monitor
RUN pip install . && useradd --system --home /app monitor
# The volume: the database, the heartbeat and the file digests (digests/ beside the database).
RUN mkdir -p /app/config/data && chown -R monitor /app/config/data

USER monitor
# storage.path in config/monitor.toml is relative to the config file: /app/config/data/monitor.db
VOLUME ["/app/config/data"]
# `monitor health` exits 0 while the service's heartbeat (rewritten every minute) is under 3 minutes old.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 CMD ["monitor", "health"]
# SIGTERM (docker stop) lets the poll in progress finish for service.stop_timeout (20 s): stop with
# `docker stop -t 30`. exec form, so monitor is PID 1 and receives the signal itself.
STOPSIGNAL SIGTERM
CMD ["monitor", "run"]
