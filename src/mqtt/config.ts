import { z } from 'zod';

/** Why a base topic cannot be published under, or null when it can (MQTT 3.1.1 §4.7: wildcards only in filters). */
export function baseTopicProblem(topic: string): string | null {
  if (topic.length === 0) return 'must not be empty';
  if (/[#+]/.test(topic)) return 'must not contain the MQTT wildcards "#" or "+" (a topic to publish under, not a filter)';
  if (topic.startsWith('/') || topic.endsWith('/')) return 'must not start or end with "/"';
  if (topic.split('/').some((level) => level.length === 0)) return 'must not contain an empty level ("//")';
  if (topic.startsWith('$')) return 'must not start with "$" (reserved by brokers for $SYS)';
  // eslint-disable-next-line no-control-regex -- NUL is exactly what MQTT forbids in a topic name
  if (/\u0000/.test(topic)) return 'must not contain NUL';
  return null;
}

/**
 * The `mqtt` section (issue 13, deliverable 3): home automation over an MQTT broker, with Home Assistant discovery.
 * Absent: no MQTT at all. The password goes only to the broker; the logger redacts `password` keys, and the URL is
 * logged without its credentials.
 */
export const mqttConfigSchema = z
  .object({
    url: z
      .string()
      .refine((u) => /^mqtts?:\/\/[^/\s]+/.test(u) && URL.canParse(u), { message: 'must be an mqtt:// or mqtts:// URL, such as "mqtt://192.168.1.10:1883"' }),
    /** Every value is published under it; default `evse/<station id>`. */
    baseTopic: z
      .string()
      .max(200)
      .superRefine((topic, ctx) => {
        const problem = baseTopicProblem(topic);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    username: z.string().min(1).max(200).optional(),
    password: z.string().max(500).optional(),
    /** PEM file of the CA that signed the broker's certificate (mqtts://). */
    caFile: z.string().min(1).optional(),
    /** Home Assistant MQTT discovery under `homeassistant/…`. */
    discovery: z.boolean().default(true),
    /** Accept a current limit and pause/resume from `<baseTopic>/set/…`. Off: nothing is subscribed there. */
    commands: z.boolean().default(false),
    /** Every value is republished at least this often, changed or not. */
    heartbeatS: z.number().int().min(5).max(3600).default(60),
    /** How long a current limit sent without a TTL holds, seconds. */
    limitTtlS: z.number().int().min(10).max(86_400).default(900),
  })
  .strict();

export type MqttConfig = z.infer<typeof mqttConfigSchema>;

/** The base topic in force: the configured one, else `evse/<station id>` with the id made topic-safe. */
export function baseTopicOf(config: MqttConfig, stationId: string): string {
  return config.baseTopic ?? `evse/${topicSafe(stationId)}`;
}

/** A topic level or Home Assistant node id from free text: letters, digits, `_` and `-` only. */
export function topicSafe(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return safe.length > 0 ? safe : '_';
}
