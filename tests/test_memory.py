"""lrcourse.memory: peak memory of this process, and of another process and its children."""
import os
import subprocess
import sys

import psutil
import pytest

from lrcourse.memory import PeakMemory, high_water_mark, peak_rss_mb

#: a child that holds this many MB (every page written) until it is told to go
HOLD_MB = 150
HOLDER = f"import sys\nblock = bytearray({HOLD_MB} * 2**20)\nblock[::4096] = b'x' * len(block[::4096])\n" \
         "print('ready', flush=True)\nsys.stdin.readline()\n"


def test_this_process_peak_never_falls_and_counts_a_new_block():
    before = peak_rss_mb()
    block = bytearray(HOLD_MB * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    after = peak_rss_mb()
    del block
    assert after >= before and peak_rss_mb() >= after  # a high-water mark
    assert after > HOLD_MB


def test_high_water_mark_reads_a_live_process_and_is_0_for_a_gone_one():
    if sys.platform.startswith("linux"):
        assert high_water_mark(os.getpid()) / 2**20 >= peak_rss_mb() * 0.5
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert high_water_mark(int(proc.stdout)) == 0  # it has exited


def test_peak_memory_counts_a_child_process():
    with PeakMemory(os.getpid(), interval=0.01) as peak:
        own = peak.mb
        child = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        assert child.stdout.readline().strip() == "ready"
        peak.sample()  # the child holds its block now
        child.communicate("go\n", timeout=30)
    assert peak.mb >= own + HOLD_MB * 0.9, (own, peak.mb)


def test_peak_memory_of_a_process_that_has_ended_keeps_what_it_saw():
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peak = PeakMemory(proc.pid, interval=0.01).start()
    assert proc.stdout.readline().strip() == "ready"
    peak.sample()
    proc.communicate("go\n", timeout=30)
    seen = peak.stop()  # samples once more: the process is gone, nothing breaks
    assert seen == peak.mb >= HOLD_MB * 0.9
    with pytest.raises(psutil.NoSuchProcess):
        PeakMemory(proc.pid)  # a process that no longer exists cannot be watched
