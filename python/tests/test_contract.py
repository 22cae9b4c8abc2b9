"""The contract (docs/CONTRACT.md, docs/schemas/*.schema.json) from the Python side: the shared
fixtures of test/fixtures/contract pass or fail the schemas as they say (test/integration/contract.test.ts
checks the same fixtures with ajv), and what the trainer really writes conforms: the events,
config.json, metrics.json and predictions file of a tiny training run and its evaluation."""
import dataclasses
import io
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import make_dataset, run_trainer
from intersections_trainer.ownership import write_json_atomic
from intersections_trainer.predict import Events
from intersections_trainer.config import TrainConfig, config_problem

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"
FIXTURES = ROOT / "test" / "fixtures" / "contract"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid(name: str, value) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator(name).iter_errors(value)]
    assert not errors, f"{name}: {errors}"


def strict_json(line: str):
    """json.loads that refuses NaN/Infinity, as JavaScript's JSON.parse does."""
    def refuse(token):
        raise ValueError(f"{token} is not JSON")
    return json.loads(line, parse_constant=refuse)


FIXTURE_FILES = sorted(p.name for p in FIXTURES.glob("*.json"))


def test_every_schema_has_fixtures():
    assert sorted(json.loads((FIXTURES / f).read_text())["schema"] for f in FIXTURE_FILES) == \
        sorted(p.name for p in SCHEMAS.glob("*.schema.json"))


@pytest.mark.parametrize("fixture", FIXTURE_FILES)
def test_shared_fixtures(fixture):
    data = json.loads((FIXTURES / fixture).read_text())
    v = validator(data["schema"])
    assert data["valid"] and data["invalid"]
    for value in data["valid"]:
        errors = [e.message for e in v.iter_errors(value)]
        assert not errors, (value, errors)
    for case in data["invalid"]:
        assert not v.is_valid(case["value"]), f"accepted although {case['why']}"


def test_run_config_schema_lists_exactly_the_train_config_with_its_types():
    schema = json.loads((SCHEMAS / "run-config.schema.json").read_text())
    props = schema["properties"]
    assert set(props) == set(TrainConfig.names()) | {"written_by"}
    to_schema = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "None": "null"}
    for f in dataclasses.fields(TrainConfig):
        declared = sorted(to_schema[t.strip()] for t in str(f.type).split("|"))
        prop = props[f.name]
        allowed = prop.get("type")
        if allowed is None:  # an enum: its values carry the type
            allowed = sorted({to_schema[type(v).__name__] for v in prop["enum"]})
        assert sorted([allowed] if isinstance(allowed, str) else allowed) == declared, f.name


def test_the_resume_check_agrees_with_the_schema_and_says_what_is_wrong():
    data = json.loads((FIXTURES / "run-config.json").read_text())
    for cfg in data["valid"]:
        assert config_problem(cfg) is None
    checked = [c for c in data["invalid"] if "reader" in c]
    assert len(checked) >= 3
    for c in checked:
        assert config_problem(c["value"]) == c["reader"], c["why"]


def test_non_finite_numbers_become_null_in_events_and_json_files(tmp_path):
    out = io.StringIO()
    ev = Events(True, stream=out)
    ev.emit("metric", name="onnx_max_abs_logit_diff", value=float("nan"), step=None, split=None)
    ev.emit("progress", phase="evaluate", done=1, total=2, samples_per_s=float("inf"))
    ev.emit("done", summary={"results": [{"image": "a.png", "scores": {"0": float("-inf"), "1": -0.1, "2": -3.0}}]})
    lines = [strict_json(l) for l in out.getvalue().splitlines()]
    assert lines[0]["value"] is None and lines[1]["samples_per_s"] is None
    assert lines[2]["summary"]["results"][0]["scores"]["0"] is None
    for line in lines:
        assert_valid("event.schema.json", line)

    # Without --json these verbs print no events at all.
    quiet = io.StringIO()
    Events(False, stream=quiet).emit("progress", phase="evaluate", done=1, total=2)
    assert quiet.getvalue() == ""

    write_json_atomic(tmp_path / "metrics.json", {"history": [{"step": 1, "loss": float("nan")}]})
    assert strict_json((tmp_path / "metrics.json").read_text())["history"][0]["loss"] is None


def test_a_tiny_run_and_its_evaluation_write_what_the_contract_says(tmp_path):
    ds = make_dataset(tmp_path / "ds", {"train": 6, "validation": 3, "test": 3}, size=64, seed=5)
    run = tmp_path / "run"
    rc, train_events, stderr = run_trainer(["train", "--ckpt-id", "tiny", "--dataset-folder", str(ds), "--output-dir", str(run),
                                            "--max-steps", "2", "--batch-size", "3", "--eval-every", "2"])
    assert rc == 0, stderr
    rc, eval_events, stderr = run_trainer(["evaluate", "--model", str(run), "--dataset-folder", str(ds),
                                           "--split", "test", "--json"])
    assert rc == 0, stderr

    written = [strict_json(l) for l in (run / "events.jsonl").read_text().splitlines()]
    assert written == train_events
    assert {e["event"] for e in written} >= {"start", "progress", "metric", "log", "artifact", "done"}
    assert {e["event"] for e in eval_events} >= {"start", "progress", "metric", "artifact", "done"}
    for e in written + eval_events:
        assert_valid("event.schema.json", e)

    assert_valid("run-config.schema.json", strict_json((run / "config.json").read_text()))
    metrics = strict_json((run / "metrics.json").read_text())
    assert "history" in metrics and "test" in metrics  # train's keys and evaluate's split, merged
    assert_valid("metrics.schema.json", metrics)
    predictions = [strict_json(l) for l in (run / "predictions-test.jsonl").read_text().splitlines()]
    assert len(predictions) == 3
    for p in predictions:
        assert_valid("prediction.schema.json", p)
