"""Bad input ends with one clear `error` event (message + hint) and a non-zero exit code,
never with a traceback as the only message."""
import io
import os

import pytest

from conftest import HERE, make_rows, run_trainer, write_parquet


def _expect_error(args, extra_env=None, rc_expected=None, needle=""):
    rc, events, err = run_trainer(["train", "--ckpt-id", "tiny", "--max-steps", "2", "--batch-size", "2", *args],
                                  extra_env)
    assert rc != 0
    if rc_expected is not None:
        assert rc == rc_expected
    assert events, err
    last = events[-1]
    assert last["event"] == "error", events
    assert last["message"] and last["hint"]
    assert needle.lower() in last["message"].lower()
    assert "Traceback" not in err
    return last


def test_dataset_folder_that_does_not_exist(tmp_path):
    e = _expect_error(["--dataset-folder", str(tmp_path / "nope"), "--output-dir", str(tmp_path / "r")],
                      rc_expected=2, needle="not found")
    assert "intersections generate" in e["hint"]


def test_dataset_without_label_column(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "label"} for r in make_rows("train", 6, 64)]
    write_parquet(tmp_path / "ds" / "data" / "train-00000-of-00001.parquet", rows, features={})
    e = _expect_error(["--dataset-folder", str(tmp_path / "ds"), "--output-dir", str(tmp_path / "r")],
                      rc_expected=2, needle="'label'")
    assert "label" in e["hint"]


def test_labels_outside_0_to_2(tmp_path):
    rows = make_rows("train", 6, 64)
    rows[3]["label"] = 3
    write_parquet(tmp_path / "ds" / "data" / "train-00000-of-00001.parquet", rows)
    _expect_error(["--dataset-folder", str(tmp_path / "ds"), "--output-dir", str(tmp_path / "r")],
                  rc_expected=2, needle="label 3")


def test_corrupt_image_row(tmp_path):
    rows = make_rows("train", 6, 64)
    rows[2]["image"] = {"bytes": rows[2]["image"]["bytes"][:40], "path": "train/1/broken.png"}
    write_parquet(tmp_path / "ds" / "data" / "train-00000-of-00001.parquet", rows)
    e = _expect_error(["--dataset-folder", str(tmp_path / "ds"), "--output-dir", str(tmp_path / "r")],
                      rc_expected=2, needle="train/1/broken.png")
    assert "corrupt" in e["hint"]


def _without_peft(tmp_path) -> dict:
    """The environment of a `peft` that cannot be imported, as where it was never installed."""
    fake = tmp_path / "site"
    (fake / "peft").mkdir(parents=True)
    (fake / "peft" / "__init__.py").write_text("raise ImportError(\"No module named 'peft'\")\n")
    return {"PYTHONPATH": f"{fake}{os.pathsep}{HERE.parent}"}


def test_missing_package(tmp_path, small_dataset):
    e = _expect_error(["--dataset-folder", str(small_dataset), "--output-dir", str(tmp_path / "r")],
                      _without_peft(tmp_path), needle="peft")
    assert "intersections setup" in e["hint"]


def test_a_dataset_problem_is_reported_before_the_heavy_imports(tmp_path):
    # With `peft` broken too, the error is about the dataset: it is read before transformers and
    # peft are imported (seconds), so a wrong folder is reported in about half the time.
    _expect_error(["--dataset-folder", str(tmp_path / "nope"), "--output-dir", str(tmp_path / "r")],
                  _without_peft(tmp_path), rc_expected=2, needle="dataset folder not found")


def test_gpu_only_mode_without_gpu(tmp_path, small_dataset):
    e = _expect_error(["--ckpt-id", "google/paligemma2-3b-pt-224", "--init", "random", "--mode", "qlora",
                       "--dataset-folder", str(small_dataset), "--output-dir", str(tmp_path / "r")],
                      {"CUDA_VISIBLE_DEVICES": ""}, rc_expected=2, needle="GPU")
    assert "--mode lora" in e["hint"]


def test_resume_without_a_run(tmp_path):
    _expect_error(["--resume", "--output-dir", str(tmp_path / "missing")], rc_expected=2, needle="cannot resume")


def test_existing_run_folder_is_not_overwritten(tmp_path, small_dataset):
    # A run of ours (config.json written by train) that already has a model: not replaced without --resume.
    # (A folder without that marker is refused as not ours: test_ownership.py.)
    (tmp_path / "r" / "model").mkdir(parents=True)
    (tmp_path / "r" / "config.json").write_text('{"written_by": "intersections train", "ckpt_id": "tiny"}')
    e = _expect_error(["--dataset-folder", str(small_dataset), "--output-dir", str(tmp_path / "r")],
                      rc_expected=2, needle="already holds a run")
    assert "--resume" in e["hint"]
