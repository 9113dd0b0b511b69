"""Peak memory, measured one way for the whole course: the bench's epoch and each notebook's kernel.

:func:`peak_rss_mb` reads this process's own high-water mark from the
operating system (``resource.getrusage``); :class:`PeakMemory` watches another
process and its children (a Jupyter kernel), adding the high-water mark of
that process to the resident memory of its children.
"""
from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["peak_rss_mb", "high_water_mark", "PeakMemory"]


def peak_rss_mb() -> float:
    r"""This process's peak resident memory so far, in MB, as the operating system counts it.

    ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (kB on Linux, bytes on
    macOS); on Windows, psutil's ``peak_wset``.

    Example:
        >>> peak_rss_mb() > 0
        True
    """
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1024 if sys.platform != "darwin" else peak / 2**20
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20


def high_water_mark(pid: int) -> int:
    r"""The peak resident memory of process ``pid`` in bytes: Linux's ``VmHWM``; 0 elsewhere or once it has gone.

    Example:
        >>> import os
        >>> high_water_mark(os.getpid()) >= 0
        True
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # reported in kB
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakMemory:
    r"""The peak resident memory of a process and its children, sampled in a background thread.

    Every ``interval`` seconds it adds up the resident set size (RSS) of the
    process and of all its children, and keeps the largest total. On Linux it
    also reads the process's own high-water mark (``VmHWM`` in
    ``/proc/PID/status``, kept by the operating system), so a spike between two
    samples still counts. Call :meth:`sample` once more just before the
    process ends to take the final high-water mark.

    Args:
        pid (int): the process to watch, for example a Jupyter kernel.
        interval (float): seconds between samples. Default: ``0.05``.

    Example:
        >>> import os
        >>> with PeakMemory(os.getpid()) as peak:
        ...     block = b"x" * (50 * 2**20)  # 50 MB, every page written
        >>> peak.mb > 50
        True
    """

    def __init__(self, pid: int, interval: float = 0.05):
        import threading

        import psutil

        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_bytes = 0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"peak-memory-{pid}", daemon=True)

    def sample(self) -> None:
        """Measure once now and keep the total if it is the largest so far."""
        import psutil

        try:
            own = self.process.memory_info().rss
            children = self.process.children(recursive=True)
        except psutil.Error:  # the process has ended: nothing left to measure
            return
        rest = 0
        for child in children:
            try:
                rest += child.memory_info().rss
            except psutil.Error:
                pass
        own = max(own, high_water_mark(self.process.pid))
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, own + rest)

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def start(self) -> "PeakMemory":
        """Take a first sample and start sampling in the background."""
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> float:
        """Stop sampling (after one last sample) and return the peak in MB."""
        self.sample()
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.mb

    @property
    def mb(self) -> float:
        """The peak so far, in MB (2**20 bytes)."""
        return self.peak_bytes / 2**20

    def __enter__(self) -> "PeakMemory":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
