# A small image that polls on a schedule with the database on a volume.
#   docker build -t monitor .
#   docker run -d --name monitor -v monitor-data:/app/config/data monitor
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MONITOR_CONFIG=/app/config/monitor.toml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install . && useradd --system --home /app monitor
COPY seeds ./seeds
COPY config ./config
RUN mkdir -p /app/config/data && chown -R monitor /app/config/data

USER monitor
# storage.path in config/monitor.toml is relative to the config file: /app/config/data/monitor.db
VOLUME ["/app/config/data"]
# `monitor run` (the long-running scheduler) replaces this once it exists; until then one cycle.
CMD ["monitor", "poll", "--once"]
