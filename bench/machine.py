"""What every benchmark prints about the machine it ran on."""

from __future__ import annotations

from pathlib import Path


def cpu_name(default: str = "?") -> str:
    """The CPU model from /proc/cpuinfo, or ``default`` where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default


def describe() -> str:
    """One line: platform, CPUs, Python and the load average now (other work on a shared machine skews
    every figure, so each benchmark prints it)."""
    import os
    import platform

    return (
        f"{platform.platform()}, {os.cpu_count()} cpus ({cpu_name()}), "
        f"Python {platform.python_version()}, load average {loadavg()}"
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in kilobytes on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now, in MB (VmRSS), 0.0 where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def open_fds(pid: int | str = "self") -> int:
    """Open file descriptors of a process (sockets, the database, pipes), -1 where /proc is missing."""
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return -1


def children_rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process's descendants now (parser workers, the forkserver), in MB."""
    import contextlib

    try:
        import psutil  # the bench extra; only this figure needs it
    except ImportError:
        return 0.0
    proc = psutil.Process(None if pid == "self" else int(pid))
    total = 0.0
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a worker that exited meanwhile
            total += child.memory_info().rss / (1024 * 1024)
    return total
