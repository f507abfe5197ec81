import type { z } from 'zod';

/**
 * Renders zod issues as `path: message (got VALUE)`, so whoever wrote the input sees which field and which value is
 * wrong. A leaf module: the config loader and every section's own validators (tariff …) share it without a cycle.
 */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    const value = valueAt(input, issue.path);
    // A refused password or secret is still someone's password: the message names the field, not the value.
    const secret = SECRET_KEY.test(String(issue.path[issue.path.length - 1] ?? ''));
    const got = value === undefined ? '' : secret ? ' (value not shown)' : ` (got ${JSON.stringify(value)})`;
    return `${path}: ${issue.message}${got}`;
  });
}

const SECRET_KEY = /password|secret|key$/i;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
