"""A shared metrics.json with NaN or 1e999 in another split (second re-audit, docs/SECURITY.md):
evaluate kept those splits and wrote them back as NaN/Infinity, so the merged metrics.json was no
longer JSON and `intersections evaluate` then stopped with "This is a bug". Non-finite numbers
in the other keys are written as null."""
import json

from intersections_trainer.evaluate import write_outputs


def test_non_finite_numbers_become_null_and_the_file_stays_strict_json(tmp_path):
    (tmp_path / "metrics.json").write_text(
        '{"train": {"accuracy": NaN, "n": 1e999}, "validation": {"accuracy": 0.5, "n": 2}}')
    records = [{"id": "a", "split": "test", "label": 1, "prediction": 1, "text": "1", "scores": {}, "correct": True}]
    _, metrics_path = write_outputs(tmp_path, "test", records, {"accuracy": 1.0, "n": 1})

    def refuse(c):
        raise ValueError(f"not strict JSON: {c}")

    merged = json.loads(metrics_path.read_text(), parse_constant=refuse)
    assert merged == {"train": {"accuracy": None, "n": None}, "validation": {"accuracy": 0.5, "n": 2},
                      "test": {"accuracy": 1.0, "n": 1}}
