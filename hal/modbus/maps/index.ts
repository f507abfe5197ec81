import type { BuiltInMeterModel, CustomMapConfig, MeterModel } from '../config.js';
import type { RegisterMap } from '../register-map.js';
import { abbB23Map } from './abb.js';
import { em340Map } from './carlo-gavazzi.js';
import { sdm120Map, sdm230Map, sdm630Map, sdm72dMap } from './eastron.js';
import { eem350Map } from './phoenix.js';

/** Built-in register maps by model name. */
export const builtInMaps: Readonly<Record<BuiltInMeterModel, RegisterMap>> = {
  sdm630: sdm630Map,
  sdm72d: sdm72dMap,
  sdm120: sdm120Map,
  sdm230: sdm230Map,
  em340: em340Map,
  eem350: eem350Map,
  'abb-b23': abbB23Map,
};

/** The register map for `model`; `custom` takes its map from the config. */
export function registerMapFor(model: MeterModel, customMap?: CustomMapConfig): RegisterMap {
  if (model !== 'custom') return builtInMaps[model];
  // The config schema refuses `custom` without a map, so this is a caller bug (hal/ cannot use src/errors).
  if (customMap === undefined) throw new RangeError('meter model "custom" needs a customMap');
  return customMap;
}
