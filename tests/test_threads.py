"""torch's CPU threads follow LRCOURSE_THREADS, the CPU quota (cgroup v2, then v1) and the affinity mask."""
import os

import pytest
import torch

from lrcourse.device import apply_thread_setting, cpu_quota, thread_choice


def _v2(root, text):
    (root / "cpu.max").write_text(text)
    return root


def _v1(root, quota, period=100000, folder="cpu"):
    (root / folder).mkdir()
    (root / folder / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (root / folder / "cpu.cfs_period_us").write_text(f"{period}\n")
    return root


def test_the_quota_is_read_from_cgroup_v2_then_v1(tmp_path):
    assert cpu_quota(_v2(tmp_path, "250000 100000\n")) == 2.5
    assert cpu_quota(_v2(tmp_path, "max 100000\n")) is None
    (tmp_path / "b").mkdir()
    assert cpu_quota(_v1(tmp_path / "b", 150000, folder="cpu,cpuacct")) == 1.5
    (tmp_path / "c").mkdir()
    assert cpu_quota(_v1(tmp_path / "c", -1)) is None
    (tmp_path / "d").mkdir()
    assert cpu_quota(tmp_path / "d") is None  # no cgroup files at all


def test_a_quota_caps_torchs_choice_rounding_down(tmp_path):
    root = _v2(tmp_path, "250000 100000\n")
    assert thread_choice(root, environ={}, default=64, cores=64) == (2, "the CPU quota of 2.5 cores")
    _v2(tmp_path, "50000 100000\n")  # half a core still gets one thread
    assert thread_choice(root, environ={}, default=64, cores=64) == (1, "the CPU quota of 0.5 cores")


def test_a_generous_quota_leaves_torchs_choice(tmp_path):
    root = _v2(tmp_path, "6400000 100000\n")
    assert thread_choice(root, environ={}, default=8, cores=8) == (8, "")
    assert thread_choice(root, environ={}, default=8, cores=3) == (3, "the 3 cores this process may use")
    cores = len(os.sched_getaffinity(0))  # the real mask by default
    assert thread_choice(root, environ={}, default=cores + 8)[0] == cores


def test_lrcourse_threads_wins_and_bad_values_are_explained(tmp_path):
    root = _v2(tmp_path, "100000 100000\n")
    assert thread_choice(root, environ={"LRCOURSE_THREADS": "3"}, default=64) == (3, "LRCOURSE_THREADS")
    with pytest.raises(ValueError, match="positive whole number"):
        thread_choice(root, environ={"LRCOURSE_THREADS": "0"})


def test_apply_sets_torch_from_a_fake_quota(tmp_path, monkeypatch):
    monkeypatch.delenv("LRCOURSE_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        assert apply_thread_setting(_v2(tmp_path, "100000 100000\n")) == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def test_this_machine_keeps_torchs_choice(monkeypatch):
    # the stored outputs say "Device: cpu (N threads)" with torch's own N, and no reason
    monkeypatch.delenv("LRCOURSE_THREADS", raising=False)
    threads, reason = thread_choice()
    if cpu_quota() is None and len(os.sched_getaffinity(0)) >= torch.get_num_threads():
        assert (threads, reason) == (torch.get_num_threads(), "")
    else:
        assert threads < torch.get_num_threads() and reason


def test_the_setup_line_says_what_capped_the_threads(offline_root, monkeypatch, capsys):
    from lrcourse import device, setup_notebook

    monkeypatch.delenv("LRCOURSE_THREADS", raising=False)
    monkeypatch.setattr(device, "cpu_quota", lambda cgroup_root=None: 1.0)  # a hub's quota of one core
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        setup_notebook(0, device="cpu")
        assert "Device: cpu (1 threads), from the CPU quota of 1 core\n" in capsys.readouterr().out
    finally:
        torch.set_num_threads(before)
