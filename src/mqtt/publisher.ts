import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { AlertRow } from '../journal/types.js';
import type { Logger } from '../logger.js';
import { baseTopicOf, type MqttConfig } from './config.js';
import { MqttCommandState, parseChargingCommand, parseLimitCommand, parseLoadModeCommand, type LimitTarget, type LoadModeCommand } from './commands.js';
import { discoveryMessages, type DeviceFacts } from './discovery.js';
import { haStatusTopic, OFFLINE, ONLINE, stationTopics, type StationTopics } from './topics.js';
import { currentValues, type MqttStationView } from './values.js';

export interface MqttLinkDeps {
  readonly config: MqttConfig;
  readonly device: DeviceFacts;
  readonly phases: 1 | 3;
  readonly view: MqttStationView;
  readonly limitTarget: LimitTarget;
  /** Switches load management's mode (a station with a mains meter; absent: no `set/load_mode`). */
  readonly setLoadMode?: (mode: LoadModeCommand) => void;
  /** The journal's alerts, when there is a journal. */
  readonly alerts?: () => Promise<readonly AlertRow[]>;
  readonly log: Logger;
  /** How often values are compared with what was published (ms). */
  readonly checkIntervalMs?: number;
  /** Reconnect backoff bounds (ms). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

export interface MqttLink {
  readonly topics: StationTopics;
  /** Compares the values now (a station event happened): publishes what changed. Never throws, never waits. */
  poke(): void;
  /**
   * Publishes one alert event to `<base>/alert` (QoS 1, not retained). Resolves on the broker's PUBACK; rejects at
   * once while disconnected (nothing is queued here: the alert channel keeps its cursor and retries), or after
   * `ALERT_ACK_TIMEOUT_MS` without an acknowledgement.
   */
  publishAlert(payload: string): Promise<void>;
  /** Publishes `offline` (retained) when connected, then disconnects. Bounded in time. */
  close(): Promise<void>;
}

const ALERTS_EVERY_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;
const ALERT_ACK_TIMEOUT_MS = 10_000;

/** The broker URL as it may be logged: without user and password. */
export function loggableUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

/**
 * The MQTT side of the station. Fire-and-forget: the control core only calls `poke()`, which compares and hands the
 * changed values to MQTT.js while connected. Nothing is queued while the broker is away (MQTT.js's offline queue is
 * off: `queueQoSZero: false` and QoS 1 is sent only while connected); the last value of each topic is what is sent
 * on reconnect, so the memory held is one value per topic, whatever the outage. Reconnects back off from
 * `reconnectMinMs` to `reconnectMaxMs`.
 */
export function startMqttLink(deps: MqttLinkDeps): MqttLink {
  const { config, device, log } = deps;
  const base = baseTopicOf(config, device.stationId);
  const topics = stationTopics(base, deps.phases);
  const minBackoff = deps.reconnectMinMs ?? 1_000;
  const maxBackoff = deps.reconnectMaxMs ?? 60_000;
  const published = new Map<string, string>();
  let alerts: readonly AlertRow[] | null = null;
  let lastHeartbeat = 0;
  let closed = false;

  const commands = new MqttCommandState(deps.limitTarget, config.limitTtlS, () => poke());

  let ca: Buffer | undefined;
  if (config.caFile !== undefined) {
    try {
      ca = readFileSync(config.caFile);
    } catch (err) {
      log.error({ caFile: config.caFile, err: (err as Error).message }, 'mqtt.caFile unreadable: connecting with the system CAs');
    }
  }
  const options: IClientOptions = {
    clientId: `evse-${device.stationId}-${process.pid}`.slice(0, 64),
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: minBackoff,
    queueQoSZero: false,
    will: { topic: topics.availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(ca ? { ca } : {}),
  };
  log.info({ url: loggableUrl(config.url), baseTopic: base, discovery: config.discovery, commands: config.commands }, 'mqtt connecting');
  const client: MqttClient = mqtt.connect(config.url, options);

  const send = (topic: string, payload: string, qos: 0 | 1): void => {
    // Only while connected: a QoS 1 message handed over offline would wait in MQTT.js's unbounded store.
    if (!client.connected) return;
    client.publish(topic, payload, { qos, retain: true }, (err) => {
      if (err) log.debug({ topic, err: err.message }, 'mqtt publish failed');
    });
  };

  const publishDiscovery = (): void => {
    if (!config.discovery) return;
    for (const m of discoveryMessages(topics, device, config.commands, deps.setLoadMode !== undefined)) send(m.topic, m.payload, 1);
  };

  function poke(): void {
    if (closed || !client.connected) return;
    let values: Map<string, string>;
    try {
      values = currentValues(topics, deps.view, { paused: commands.isPaused(), limitA: commands.limit(), alerts });
    } catch (err) {
      log.error({ err: (err as Error).message }, 'mqtt: reading the station failed');
      return;
    }
    const now = Date.now();
    const heartbeat = now - lastHeartbeat >= config.heartbeatS * 1000;
    if (heartbeat) lastHeartbeat = now;
    for (const [topic, payload] of values) {
      if (!heartbeat && published.get(topic) === payload) continue;
      published.set(topic, payload);
      send(topic, payload, 0);
    }
  }

  const onCommand = (topic: string, payload: string): void => {
    if (topic === topics.setCurrentLimit) {
      const parsed = parseLimitCommand(payload, device.maxCurrentA);
      if (!parsed.ok) {
        log.warn({ topic, payload: payload.slice(0, 100), problem: parsed.problem }, 'mqtt command ignored');
        return;
      }
      log.info({ topic, command: parsed.value }, 'mqtt current limit');
      commands.applyLimit(parsed.value);
    } else if (topic === topics.setLoadMode && deps.setLoadMode !== undefined) {
      const parsed = parseLoadModeCommand(payload);
      if (!parsed.ok) {
        log.warn({ topic, payload: payload.slice(0, 100), problem: parsed.problem }, 'mqtt command ignored');
        return;
      }
      log.info({ topic, mode: parsed.value }, 'mqtt load management mode');
      deps.setLoadMode(parsed.value);
      poke();
    } else if (topic === topics.setCharging) {
      const parsed = parseChargingCommand(payload);
      if (!parsed.ok) {
        log.warn({ topic, payload: payload.slice(0, 100), problem: parsed.problem }, 'mqtt command ignored');
        return;
      }
      log.info({ topic, command: parsed.value }, 'mqtt charging command');
      commands.setPaused(parsed.value === 'pause');
    }
  };

  client.on('connect', () => {
    client.options.reconnectPeriod = minBackoff;
    log.info({ url: loggableUrl(config.url) }, 'mqtt connected');
    send(topics.availability, ONLINE, 1);
    publishDiscovery();
    const filters = [...(config.discovery ? [haStatusTopic] : []), ...(config.commands ? [topics.setCurrentLimit, topics.setCharging, ...(deps.setLoadMode ? [topics.setLoadMode] : [])] : [])];
    if (filters.length > 0) {
      client.subscribe(filters, { qos: 1 }, (err) => {
        if (err) log.warn({ err: err.message }, 'mqtt subscribe failed');
      });
    }
    // Everything again after a (re)connect: the broker may have lost retained values, and nothing was queued.
    published.clear();
    lastHeartbeat = 0;
    poke();
  });
  client.on('message', (topic, message) => {
    const payload = message.toString('utf8');
    if (topic === haStatusTopic) {
      if (payload === ONLINE) {
        log.info('Home Assistant online: discovery republished');
        publishDiscovery();
      }
      return;
    }
    if (config.commands) onCommand(topic, payload);
  });
  client.on('close', () => {
    // Exponential backoff: MQTT.js schedules the next attempt with the period in force.
    client.options.reconnectPeriod = Math.min(maxBackoff, Math.max(minBackoff, (client.options.reconnectPeriod ?? minBackoff) * 2));
  });
  client.on('error', (err) => {
    log.warn({ err: err.message }, 'mqtt error');
  });
  client.on('offline', () => log.warn({ url: loggableUrl(config.url) }, 'mqtt broker unreachable: retrying'));

  const ticker = setInterval(poke, deps.checkIntervalMs ?? 1_000);
  ticker.unref();
  let readingAlerts = false;
  const readAlerts = (): void => {
    if (!deps.alerts || readingAlerts) return;
    readingAlerts = true;
    deps.alerts().then(
      (rows) => {
        readingAlerts = false;
        alerts = rows;
        poke();
      },
      (err: unknown) => {
        readingAlerts = false;
        log.debug({ err: (err as Error).message }, 'mqtt: alerts unreadable');
      },
    );
  };
  readAlerts();
  const alertTicker = setInterval(readAlerts, ALERTS_EVERY_MS);
  alertTicker.unref();

  const publishAlert = (payload: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (closed || !client.connected) {
        reject(new Error('mqtt broker not connected'));
        return;
      }
      const timer = setTimeout(() => reject(new Error(`no PUBACK within ${ALERT_ACK_TIMEOUT_MS} ms`)), ALERT_ACK_TIMEOUT_MS);
      timer.unref();
      client.publish(topics.alertEvent, payload, { qos: 1, retain: false }, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });

  return {
    topics,
    poke,
    publishAlert,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(ticker);
      clearInterval(alertTicker);
      commands.dispose();
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => client.end(true, () => resolve()), CLOSE_TIMEOUT_MS);
        force.unref();
        const end = (): void => {
          client.end(false, () => {
            clearTimeout(force);
            resolve();
          });
        };
        if (client.connected) client.publish(topics.availability, OFFLINE, { qos: 1, retain: true }, end);
        else {
          clearTimeout(force);
          client.end(true, () => resolve());
        }
      });
    },
  };
}
