import { readFileSync } from 'node:fs';
import { EvseError, EvseErrorCode } from '../errors.js';
import { configSchema, type StationConfig } from './schema.js';
import { describeIssues } from './describe-issues.js';

export { describeIssues };

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
