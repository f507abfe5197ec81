import { alertPayload } from './payload.js';
import type { AlertChannel, DeliveryResult, NotifyAlert } from './types.js';

/** The station's MQTT link as this channel uses it (src/mqtt/publisher.ts): one QoS 1 publish to `<base>/alert`. */
export interface AlertPublisher {
  publishAlert(payload: string): Promise<void>;
}

const EVIDENCE_MAX_CHARS = 4000;

/**
 * Home automation: each alert as JSON on `<baseTopic>/alert`, through the station's one MQTT connection. While the
 * broker is away the publish is refused at once, and the channel waits with its cursor like the others.
 */
export class MqttAlertChannel implements AlertChannel {
  readonly name = 'mqtt';

  constructor(
    private readonly link: AlertPublisher,
    private readonly stationId: string,
  ) {}

  async send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult> {
    let done = 0;
    try {
      for (const alert of alerts) {
        await this.link.publishAlert(JSON.stringify({ stationId: this.stationId, ...alertPayload(alert, EVIDENCE_MAX_CHARS) }));
        done += 1;
      }
      return { done };
    } catch (err) {
      return { done, failure: { error: `mqtt: ${(err as Error).message}` } };
    }
  }
}
