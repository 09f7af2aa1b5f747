/**
 * Shared settings of the property-based (fast-check) tests. Every property runs from a fixed seed, so a run
 * is repeatable; on failure fast-check prints the seed and the shrunk counterexample. Set `FUZZ_SEED` to
 * explore other inputs locally, and `FUZZ_RUNS` to multiply the number of runs (e.g. `FUZZ_RUNS=20` for a
 * long soak); CI uses the defaults.
 */
import * as fc from 'fast-check';

const envSeed = Number(process.env['FUZZ_SEED']);
const envScale = Number(process.env['FUZZ_RUNS']);

/** The seed every property starts from. */
export const FUZZ_SEED = Number.isInteger(envSeed) ? envSeed : 0x7468756d; // "thum"

/** `fc.assert` parameters: seeded, `numRuns` runs (scaled by `FUZZ_RUNS`), and no time-based interruption. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  const scale = Number.isFinite(envScale) && envScale > 0 ? envScale : 1;
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * scale)) };
}

/**
 * Calls `f` and fails with a readable message if it throws: the core check of every "never throws"
 * property (the thrown value is reported with its stack, not swallowed into a boolean).
 */
export function noThrow<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new Error(`decoder threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

/** A cheap assertion for hot properties (jest's `expect` costs more than most decoders). */
export function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/** Any JS string of UTF-16 code units, including lone surrogates (what JSON.parse can hand a decoder). */
export const anyString = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

/** Well-formed Unicode text (no lone surrogates), which survives a UTF-8 round trip. */
export const text = (maxLength = 20): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });

/** Short strings biased towards the delimiters a text format cares about. */
export function delimited(chars: readonly string[], maxLength = 30): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...chars) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) }), {
      maxLength,
    })
    .map((parts) => parts.join(''));
}
