"""Turning a model's free-text answer into a count of intersections.

The same rules live in src/core/answers.ts; test/fixtures/answers.json holds the shared test
vectors both test suites assert, so the Python and TypeScript parsers cannot disagree.

Rules, in order:
1. A number in curly brackets ("{2}", the BlindTest answer format) wins.
2. Otherwise the first number mentioned: digits ("2 intersections"), number words ("two",
   "zero") or adverbs ("once", "twice", "thrice").
3. Otherwise a negation ("no", "not", "never", "none") means 0 ("The lines do not cross").
4. Otherwise, or when a decimal or negative number appears, the answer is unparseable: None.
Special tokens such as "<loc0765>" or "<eos>" are ignored (their digits are not a count).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

# The three answers of the task, in label order; scores are recorded for each.
ANSWERS = ("0", "1", "2")

NUMBER_WORDS = {
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "once": 1, "twice": 2, "thrice": 3,
}
NEGATIONS = {"no", "not", "never", "nowhere"}

_SPECIAL = re.compile(r"<[^<>\s]*>")
_BRACES = re.compile(r"\{\s*([a-z]+|\d+)\s*\}")
# Signed or decimal numbers are captured whole so that they can be rejected.
_TOKENS = re.compile(r"-?\d+(?:\.\d+)?|[a-z]+")


def _value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)


def parse_answer(text: str | None) -> int | None:
    """The count a free-text answer states, or None when it states none (see module doc)."""
    if not text:
        return None
    norm = _SPECIAL.sub(" ", text.lower()).replace("n't", " not")
    braced = _BRACES.search(norm)
    if braced:
        value = _value(braced.group(1))
        if value is not None:
            return value
    negated = False
    for token in _TOKENS.findall(norm):
        if token[0] == "-" or "." in token:
            return None
        value = _value(token)
        if value is not None:
            return value
        if token in NEGATIONS:
            negated = True
    return 0 if negated else None


def load_shared_cases(path: str | Path | None = None) -> list[dict]:
    """The shared vectors of test/fixtures/answers.json (for tests)."""
    if path is None:
        path = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "answers.json"
    return json.loads(Path(path).read_text(encoding="utf-8"))["cases"]
