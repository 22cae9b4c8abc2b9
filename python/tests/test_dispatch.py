"""`python -m intersections_trainer <verb>`: every listed verb is a module whose main takes the
dispatcher's event writer, and the dispatcher's answers (help, unknown verb, a user error, a bug)
are what the CLI relies on."""
import importlib
import inspect
import json

from intersections_trainer import __main__ as dispatch
from intersections_trainer.errors import UserError


def test_every_verb_is_a_module_whose_main_takes_events():
    assert set(dispatch.VERBS) == {"train", "doctor", "evaluate", "predict", "export-onnx"}
    for verb, (module_name, _) in dispatch.VERBS.items():
        main = importlib.import_module(f"intersections_trainer.{module_name}").main
        assert "events" in inspect.signature(main).parameters, verb


def test_help_lists_the_verbs_and_an_unknown_verb_is_exit_2(capsys):
    assert dispatch.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {verb}" in out for verb in dispatch.VERBS) and "build-tiny" not in out
    assert dispatch.main(["build-tiny"]) == 2
    assert capsys.readouterr().err.strip() == "unknown verb 'build-tiny'; one of: train, doctor, evaluate, predict, export-onnx"


def _events(text: str) -> list[dict]:
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def test_a_user_error_is_one_error_event_and_a_type_error_is_not_retried(monkeypatch, capsys):
    calls = []

    def refuses(argv, events=None):
        calls.append(argv)
        raise UserError("--max-steps must be at least 1", "pass a positive number")

    monkeypatch.setattr(importlib.import_module("intersections_trainer.doctor"), "main", refuses)
    assert dispatch.main(["doctor", "--x"]) == 2
    errors = [e for e in _events(capsys.readouterr().out) if e["event"] == "error"]
    assert [(e["message"], e["hint"]) for e in errors] == [("--max-steps must be at least 1", "pass a positive number")]

    def buggy(argv, events=None):
        calls.append(argv)
        raise TypeError("unexpected keyword argument 'events'")

    monkeypatch.setattr(importlib.import_module("intersections_trainer.doctor"), "main", buggy)
    assert dispatch.main(["doctor"]) == 1
    assert len(calls) == 2  # a TypeError is a bug to report, not a reason to call the verb again
    errors = [e for e in _events(capsys.readouterr().out) if e["event"] == "error"]
    assert errors[0]["message"] == "TypeError: unexpected keyword argument 'events'"
