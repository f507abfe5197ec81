/** 1-wire devices read through the kernel's sysfs interface. */
export { ds18b20ConfigSchema, ds18b20IdSchema, type Ds18b20Config } from './config.js';
export { Ds18b20Sensor, parseTemperatureAttribute, parseW1Slave, type Ds18b20Deps, type Ds18b20Outcome } from './ds18b20.js';
