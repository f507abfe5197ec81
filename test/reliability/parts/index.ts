import type { Part } from './row.js';
import * as configFuzz from './config-fuzz.js';
import * as crash from './crash.js';
import * as ocppFuzz from './ocpp-fuzz.js';

/** Every part of the reliability suite, in the order the runner runs them. */
export const parts: readonly Part[] = [
  { name: 'crash', run: crash.run },
  { name: 'ocpp-fuzz', run: ocppFuzz.run },
  { name: 'config-fuzz', run: configFuzz.run },
];
