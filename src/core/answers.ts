// Turning a model's free-text answer into a count of intersections.
// The same rules live in python/intersections_trainer/answers.py; test/fixtures/answers.json
// holds the shared vectors both test suites assert, so the two parsers cannot disagree.
//
// Rules, in order: a number in curly brackets ("{2}", the BlindTest format) wins; otherwise the
// first number mentioned (digits, number words, once/twice/thrice); otherwise a negation
// ("no", "not", "never") means 0; otherwise, or when a decimal or negative number appears, null.
// Special tokens such as "<loc0765>" or "<eos>" are ignored (their digits are not a count).

/** The three answers of the task, in label order; scores are recorded for each. */
export const ANSWERS = ['0', '1', '2'] as const;
export type AnswerKey = (typeof ANSWERS)[number];

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, none: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6,
  seven: 7, eight: 8, nine: 9, ten: 10, once: 1, twice: 2, thrice: 3,
};
const NEGATIONS = new Set(['no', 'not', 'never', 'nowhere']);

const SPECIAL = /<[^<>\s]*>/g;
const BRACES = /\{\s*([a-z]+|\d+)\s*\}/;
// Signed or decimal numbers are captured whole so that they can be rejected.
const TOKENS = /-?\d+(?:\.\d+)?|[a-z]+/g;

function value(token: string): number | null {
  if (/^\d+$/.test(token)) return Number.parseInt(token, 10);
  return Object.hasOwn(NUMBER_WORDS, token) ? NUMBER_WORDS[token] : null;
}

/** The count a free-text answer states, or null when it states none. */
export function parseAnswer(text: string | null | undefined): number | null {
  if (!text) return null;
  const norm = text.toLowerCase().replace(SPECIAL, ' ').replaceAll("n't", ' not');
  const braced = BRACES.exec(norm);
  if (braced) {
    const v = value(braced[1]);
    if (v !== null) return v;
  }
  let negated = false;
  for (const [token] of norm.matchAll(TOKENS)) {
    if (token.startsWith('-') || token.includes('.')) return null;
    const v = value(token);
    if (v !== null) return v;
    if (NEGATIONS.has(token)) negated = true;
  }
  return negated ? 0 : null;
}
