"""Small measuring helpers for bench.py: latency summaries, RSS, load average, machine facts.

Nothing here imports the project; the workers and the report share it.
"""

from __future__ import annotations

import os
import platform
import time
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p95, mean and min of timings given in seconds, reported in milliseconds."""
    ms = 1000.0 * np.asarray(seconds, dtype=np.float64)
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "p50_ms": float(np.median(ms)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "min_ms": float(ms.min()),
    }


def median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def repeat(fn, rounds: int) -> tuple[list[float], object]:
    """Run ``fn`` ``rounds`` times; (wall seconds of each run, result of the last run)."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


# --------------------------------------------------------------------------- memory


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib() -> float:
    """Resident set size of this process now, MiB (Linux /proc; 0 elsewhere)."""
    return (_status_kib("VmRSS") or 0) / 1024


def peak_rss_mib() -> float:
    """Peak RSS since the process started or since the last reset_peak(), MiB."""
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Restart the kernel's peak-RSS counter (VmHWM) so a phase's own peak can be read; False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class MemoryLog:
    """Named RSS checkpoints and per-phase peaks of one process, in MiB."""

    def __init__(self) -> None:
        self.points: dict[str, float] = {"start": rss_mib()}
        self.peaks: dict[str, float] = {}

    def mark(self, name: str) -> float:
        self.points[name] = rss_mib()
        return self.points[name]

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Record the peak RSS reached inside the block (needs /proc/self/clear_refs)."""
        reset_peak()
        try:
            yield
        finally:
            self.peaks[name] = peak_rss_mib()
            self.points[f"after {name}"] = rss_mib()

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {"rss_mib": self.points, "peak_mib": self.peaks}


# --------------------------------------------------------------------------- machine


def load_average() -> dict[str, object]:
    """The 1/5/15-minute load averages and when they were read (other processes share the CPUs)."""
    one, five, fifteen = os.getloadavg()
    return {"at": time.strftime("%H:%M:%S"), "load": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def machine() -> dict[str, object]:
    """CPU model, core counts, RAM and library versions, for the report header."""
    cpu_model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    info: dict[str, object] = {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
    from importlib.metadata import PackageNotFoundError, version

    # Distribution names, read from package metadata so the report does not import torch.
    for name in ("numpy", "faiss-cpu", "bm25s", "torch", "sentence-transformers", "jieba"):
        try:
            info[name] = version(name)
        except PackageNotFoundError:
            info[name] = None
    return info
