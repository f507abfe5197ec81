import type { Part } from './row.js';
import * as configFuzz from './config-fuzz.js';
import * as crash from './crash.js';
import * as linkFlapping from './link-flapping.js';
import * as meterStorm from './meter-storm.js';
import * as ocppFuzz from './ocpp-fuzz.js';
import * as offlineSoak from './offline-soak.js';
import * as simScenarios from './sim-scenarios.js';
import * as storageFaults from './storage-faults.js';

/** Every part of the reliability suite, in the order the runner runs them. */
export const parts: readonly Part[] = [
  { name: 'crash', run: crash.run },
  { name: 'crash-2.0.1', run: crash.run201 },
  { name: 'offline-soak', run: offlineSoak.run },
  { name: 'link-flapping', run: linkFlapping.run },
  { name: 'link-flapping-2.0.1', run: linkFlapping.run201 },
  { name: 'storage-faults', run: storageFaults.run },
  { name: 'meter-storm', run: meterStorm.run },
  { name: 'ocpp-fuzz', run: ocppFuzz.run },
  { name: 'ocpp-fuzz-201', run: (o) => import('./ocpp-fuzz-201.js').then((p) => p.run(o)) },
  { name: 'config-fuzz', run: configFuzz.run },
  { name: 'sim-scenarios-2.0.1', run: simScenarios.run },
];
