import { topicSafe } from './config.js';
import type { StationTopics } from './topics.js';

/** Who the station is, for Home Assistant's device registry. */
export interface DeviceFacts {
  readonly stationId: string;
  readonly vendor: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly firmwareVersion: string;
  readonly currency: string;
  /** The highest current a command may ask for (A): the station's rating. */
  readonly maxCurrentA: number;
}

export interface DiscoveryMessage {
  readonly topic: string;
  readonly payload: string;
}

type Entity = Readonly<Record<string, unknown>> & { readonly object: string; readonly component: string };

/**
 * Home Assistant MQTT discovery: one retained config per entity under
 * `homeassistant/<component>/<node>/<object>/config`. The lifetime register is `total_increasing`; the session energy,
 * which restarts at each session, is `total`. Command entities are announced only when commands are on.
 */
export function discoveryMessages(topics: StationTopics, device: DeviceFacts, commands: boolean, loadManagement = false): DiscoveryMessage[] {
  const node = `evse_${topicSafe(device.stationId)}`;
  const sensor = (object: string, name: string, state_topic: string, fields: Record<string, unknown> = {}): Entity => ({
    component: 'sensor',
    object,
    name,
    state_topic,
    ...fields,
  });
  const entities: Entity[] = [
    sensor('state', 'State', topics.state, { icon: 'mdi:ev-station' }),
    sensor('power', 'Power', topics.powerW, { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W' }),
    ...topics.currentA.map((topic, i) =>
      sensor(`current_l${i + 1}`, `Current L${i + 1}`, topic, { device_class: 'current', state_class: 'measurement', unit_of_measurement: 'A' }),
    ),
    sensor('session_energy', 'Session energy', topics.sessionEnergyWh, { device_class: 'energy', state_class: 'total', unit_of_measurement: 'Wh' }),
    sensor('total_energy', 'Total energy', topics.totalEnergyWh, {
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'Wh',
    }),
    sensor('offered_current', 'Offered current', topics.offeredCurrentA, {
      device_class: 'current',
      state_class: 'measurement',
      unit_of_measurement: 'A',
    }),
    sensor('cost', 'Session cost', topics.cost, { device_class: 'monetary', state_class: 'total', unit_of_measurement: device.currency }),
    {
      component: 'binary_sensor',
      object: 'fault',
      name: 'Fault',
      state_topic: topics.faults,
      device_class: 'problem',
      value_template: "{{ 'ON' if value_json | length > 0 else 'OFF' }}",
      json_attributes_topic: topics.faults,
      json_attributes_template: '{{ {"faults": value_json} | tojson }}',
    },
    sensor('last_alert', 'Last alert', topics.alerts, {
      value_template: "{{ value_json[0].code if value_json | length > 0 else 'none' }}",
      json_attributes_topic: topics.alerts,
      json_attributes_template: '{{ {"alerts": value_json} | tojson }}',
      icon: 'mdi:alert',
    }),
  ];
  if (loadManagement) {
    entities.push(
      ...topics.mainsCurrentA.map((topic, i) =>
        sensor(`mains_current_l${i + 1}`, `Mains current L${i + 1}`, topic, { device_class: 'current', state_class: 'measurement', unit_of_measurement: 'A' }),
      ),
      sensor('mains_power', 'Mains power', topics.mainsPowerW, { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W' }),
      sensor('solar_surplus', 'Solar surplus', topics.surplusW, { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W', icon: 'mdi:solar-power' }),
    );
    if (!commands) entities.push(sensor('load_mode', 'Load management mode', topics.loadMode, { icon: 'mdi:home-lightning-bolt' }));
    else {
      entities.push({
        component: 'select',
        object: 'load_mode',
        name: 'Load management mode',
        command_topic: topics.setLoadMode,
        state_topic: topics.loadMode,
        options: ['off', 'fuse', 'solar', 'solar-min'],
        icon: 'mdi:home-lightning-bolt',
      });
    }
  }
  if (commands) {
    entities.push(
      {
        component: 'number',
        object: 'current_limit',
        name: 'Current limit',
        command_topic: topics.setCurrentLimit,
        state_topic: topics.currentLimitA,
        value_template: "{{ value if value != 'none' else " + String(device.maxCurrentA) + ' }}',
        min: 0,
        max: device.maxCurrentA,
        step: 1,
        mode: 'box',
        device_class: 'current',
        unit_of_measurement: 'A',
      },
      {
        component: 'switch',
        object: 'charging',
        name: 'Charging allowed',
        command_topic: topics.setCharging,
        state_topic: topics.paused,
        payload_on: 'resume',
        payload_off: 'pause',
        state_on: 'false',
        state_off: 'true',
        icon: 'mdi:pause-circle',
      },
    );
  }
  const deviceBlock = {
    identifiers: [node],
    name: `EVSE ${device.stationId}`,
    manufacturer: device.vendor,
    model: device.model,
    serial_number: device.serialNumber,
    sw_version: device.firmwareVersion,
  };
  return entities.map(({ component, object, ...fields }) => ({
    topic: `homeassistant/${component}/${node}/${object}/config`,
    payload: JSON.stringify({
      ...fields,
      unique_id: `${node}_${object}`,
      object_id: `${node}_${object}`,
      availability_topic: topics.availability,
      payload_available: 'online',
      payload_not_available: 'offline',
      device: deviceBlock,
    }),
  }));
}
