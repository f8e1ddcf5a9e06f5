// Test helper: runs code that must fail validation and hands back the issues it named.
import { expect } from 'vitest';
import { type Issue, ValidationError } from '../../functions/core/errors';

/** Runs `act`, expects a ValidationError, returns its issues. */
export function validationIssues(act: () => unknown): Issue[] {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}
