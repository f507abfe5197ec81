import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { EvseError, EvseErrorCode } from '../errors.js';
import { configSchema, type StationConfig } from './schema.js';

/** Renders a zod issue as `path: message (got VALUE)`, so the operator sees which field and which value is wrong. */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    const value = valueAt(input, issue.path);
    const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return `${path}: ${issue.message}${got}`;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Validates a parsed config object. Throws EvseError(ConfigInvalid) naming every bad field. */
export function parseConfig(input: unknown, source = 'config'): StationConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new EvseError(
      EvseErrorCode.ConfigInvalid,
      `${source} is invalid:\n  ${describeIssues(result.error, input).join('\n  ')}`,
    );
  }
  return result.data;
}

/** Reads and validates a JSON config file. */
export function loadConfigFile(path: string): StationConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EvseError(EvseErrorCode.ConfigNotFound, `cannot read config file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EvseError(EvseErrorCode.ConfigInvalid, `${path} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseConfig(json, path);
}
