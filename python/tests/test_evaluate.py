"""Evaluation: shared metrics vector, and the evaluate command end to end on the tiny model
(our Parquet dataset and a BlindTest-schema fixture): files, formats, job events."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from intersections_trainer.evaluate import attr_key, compute_metrics, cross_tab_lines, format_table
from tests.inference_helpers import write_blindtest, write_dataset

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "test" / "fixtures" / "metrics.json").read_text())
PY_DIR = ROOT / "python"


def test_compute_metrics_matches_shared_vector():
    assert compute_metrics(FIXTURE["records"], FIXTURE["attributes"]) == FIXTURE["expected"]
    assert sorted(compute_metrics(FIXTURE["records"]).keys()) == FIXTURE["expected_no_attributes_keys"]
    # The printed cross-tab is the text evaluation.ts's crossTabLines also prints.
    assert cross_tab_lines(FIXTURE["expected"]) == FIXTURE["expected_cross_tab_lines"]


def test_cross_tab_by_line_width_image_size_and_label():
    m = compute_metrics(FIXTURE["records"], FIXTURE["attributes"])
    cross = m["by_line_width_image_size"]
    # Only rows with both attributes; keys sorted numerically part by part (10 after 3).
    assert list(cross) == ["1.5|224", "2|224", "2|448", "3|448", "10|224"]
    assert sum(c["n"] for c in cross.values()) == 6
    assert cross["1.5|224"] == {"line_width": "1.5", "image_size": "224", "n": 2, "correct": 2, "accuracy": 1.0,
                                "per_label": {"0": {"n": 1, "correct": 1, "accuracy": 1.0},
                                              "2": {"n": 1, "correct": 1, "accuracy": 1.0}}}
    assert m["by_style"] == {"blindtest": {"n": 2, "correct": 1, "accuracy": 0.5},
                             "classic": {"n": 3, "correct": 3, "accuracy": 1.0}}
    assert list(m["by_style_line_width_image_size"]) == ["blindtest|2|224", "blindtest|2|448", "classic|1.5|224"]
    table = format_table("test", m).splitlines()
    at = table.index("accuracy by style x line width x image size (x label):")
    assert table[at + 1].split() == ["style", "line", "width", "image", "size", "n", "accuracy", "label", "0", "label", "1", "label", "2"]
    assert table[at + 2].split() == ["blindtest", "2", "224", "1", "0.000", "0.000", "-", "-"]
    # Without style the table is by line width x image size.
    no_style = {k: {a: v for a, v in attrs.items() if a != "style"} for k, attrs in FIXTURE["attributes"].items()}
    plain = format_table("test", compute_metrics(FIXTURE["records"], no_style))
    assert "accuracy by line width x image size (x label):" in plain and "by style" not in plain


def test_attr_key_matches_javascript_string():
    assert [attr_key(v) for v in (2.0, 2.5, 3, 224, 0.1)] == ["2", "2.5", "3", "224", "0.1"]
    # rounded to 3 decimals, halves up as Math.round (test/unit/evaluation.test.ts has the same list)
    assert [attr_key(v) for v in (2.0833333333333335, 2.0625, 12.8, 6.4, "classic")] == ["2.083", "2.063", "12.8", "6.4", "classic"]


def run_cli(*args, env_extra=None):
    import os

    env = {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONPATH": str(PY_DIR)}
    return subprocess.run([sys.executable, "-m", "intersections_trainer.evaluate", *args], cwd=PY_DIR,
                          capture_output=True, text=True, env=env, timeout=300)


def events(stdout: str):
    return [json.loads(l) for l in stdout.splitlines() if l.startswith("{")]


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    base = tmp_path_factory.mktemp("evalds")
    return write_dataset(base / "ds", {"test": 7}), write_blindtest(base / "bt", n=5)


def test_evaluate_base_tiny_writes_predictions_metrics_and_events(datasets, tmp_path):
    ds, _ = datasets
    out = tmp_path / "run"
    r = run_cli("--model", "base:tiny", "--dataset-folder", str(ds), "--split", "test", "--output-dir", str(out),
                "--json", "--batch-size", "4")
    assert r.returncode == 0, r.stderr
    evs = events(r.stdout)
    kinds = [e["event"] for e in evs]
    assert kinds[0] == "start" and evs[0]["job"] == "evaluate" and kinds[-1] == "done"
    assert any(e["event"] == "progress" and e["phase"] == "evaluate" and e["done"] == 7 for e in evs)
    assert any(e["event"] == "metric" and e["name"] == "accuracy" and e["split"] == "test" for e in evs)
    art = [e for e in evs if e["event"] == "artifact"]
    assert art and art[0]["kind"] == "predictions" and art[0]["path"] == str(out / "predictions-test.jsonl")
    lines = [json.loads(l) for l in (out / "predictions-test.jsonl").read_text().splitlines()]
    assert len(lines) == 7
    for line in lines:
        assert list(line) == ["id", "split", "label", "prediction", "text", "scores", "correct"]
        assert set(line["scores"]) == {"0", "1", "2"} and all(v < 0 for v in line["scores"].values())
        assert line["correct"] == (line["prediction"] == line["label"])
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    assert metrics["n"] == 7
    assert set(metrics["by_line_width"]) == {"1.5", "3"} and set(metrics["by_image_size"]) == {"112"}
    assert list(metrics["by_line_width_image_size"]) == ["1.5|112", "3|112"]
    assert metrics["by_line_width_image_size"]["3|112"]["n"] == 4
    # The same numbers as recomputing from the predictions file.
    attrs = {l["id"]: {"line_width": 1.5 if int(l["id"].split("/")[-1][:6]) % 2 else 3.0, "image_size": 112} for l in lines}
    recomputed = compute_metrics(lines, attrs)
    assert {k: metrics[k] for k in recomputed} == recomputed


def test_evaluate_blindtest_fixture_keeps_other_splits(datasets, tmp_path):
    _, bt = datasets
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.5}}))
    r = run_cli("--model", "base:tiny", "--dataset-folder", str(bt), "--output-dir", str(out))
    assert r.returncode == 0, r.stderr
    assert "blindtest: accuracy" in r.stdout and "confusion" in r.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"] == {"accuracy": 0.5}
    assert metrics["blindtest"]["n"] == 5 and metrics["blindtest"]["kind"] == "blindtest"
    assert set(metrics["blindtest"]["by_line_width"]) == {"2", "3"}
    # Pixel sizes from the PNGs (the metadata's "resolution" is a dpi), crossed with line width.
    assert set(metrics["blindtest"]["by_image_size"]) == {"96", "128"}
    assert list(metrics["blindtest"]["by_line_width_image_size"]) == ["2|128", "3|96"]
    assert "accuracy by line width x image size (x label):" in r.stdout
    assert len((out / "predictions-blindtest.jsonl").read_text().splitlines()) == 5


def test_evaluate_bad_inputs_are_clear_errors(tmp_path):
    r = run_cli("--model", str(tmp_path / "nope"), "--dataset-folder", str(tmp_path), "--json")
    assert r.returncode == 2
    err = events(r.stdout)[-1]
    assert err["event"] == "error" and "not found" in err["message"] and err["hint"]
    r = run_cli("--model", "base:tiny", "--dataset-folder", str(tmp_path / "nods"), "--output-dir", str(tmp_path / "o"))
    assert r.returncode == 2 and "dataset folder not found" in r.stderr
