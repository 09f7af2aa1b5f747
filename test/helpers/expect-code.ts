import { ThumbtackError } from '../../src/core/errors';

/** Asserts that `fn` throws a ThumbtackError with this code. */
export function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ThumbtackError);
  expect((caught as ThumbtackError).code).toBe(code);
}
