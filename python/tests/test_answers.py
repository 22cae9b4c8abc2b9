"""The Python answer parser agrees with every shared vector (also asserted by the TS suite)."""
import pytest

from intersections_trainer.answers import load_shared_cases, parse_answer

CASES = load_shared_cases()


def test_shared_vectors_cover_the_issue_examples():
    texts = {c["text"] for c in CASES}
    for example in ["2", "{2}", "two", "2 intersections", "The lines cross twice", "zero"]:
        assert example in texts
    assert any(c["expected"] is None for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[repr(c["text"]) for c in CASES])
def test_parse_answer_matches_shared_vector(case):
    assert parse_answer(case["text"]) == case["expected"]


def test_none_input_is_unparseable():
    assert parse_answer(None) is None
