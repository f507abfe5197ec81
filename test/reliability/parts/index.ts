import type { Part } from './row.js';
import * as crash from './crash.js';

/** Every part of the reliability suite, in the order the runner runs them. */
export const parts: readonly Part[] = [
  { name: 'crash', run: crash.run },
];
