"""The memory figures the trainer adds to its progress events (resources.usage)."""
import mmap
import time

from intersections_trainer import resources


def test_cpu_usage_has_rss_and_cpu_time_and_no_gpu_figures():
    before = resources.usage("cpu")
    # Touch 64 MiB of a fresh anonymous mapping: the resident size grows. (Not a bytearray: in a
    # process that ran other tests first, malloc may hand back pages that are already resident.)
    blob = mmap.mmap(-1, 64 * 1024 * 1024)
    for i in range(0, len(blob), mmap.PAGESIZE):
        blob[i] = 1
    t = time.process_time()
    while time.process_time() - t < 0.05:
        pass
    after = resources.usage("cpu")
    assert set(after) == {"cpu_s", "rss"}
    assert after["rss"] - before["rss"] >= 48 * 1024 * 1024
    assert after["cpu_s"] >= before["cpu_s"] + 0.04
    blob.close()


def test_usage_without_a_device_is_cpu_figures():
    assert set(resources.usage()) == {"cpu_s", "rss"}
