import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { steadyPort } from '../../../simulator/csms/steady-port.js';

/** Debian installs the broker in /usr/sbin, which is not on a user's PATH. */
export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Outside CI a missing broker skips with the reason; under CI (`.ci/run` installs it) it fails. */
export function requireMosquitto(ctx: Mocha.Context): string {
  const path = mosquittoPath();
  if (path !== null) return path;
  const reason = "needs Debian's mosquitto (apt-get install -y mosquitto)";
  if (process.env['CI'] === 'true') throw new Error(`${reason}: missing under CI`);
  process.stdout.write(`      skipped: ${reason}\n`);
  ctx.skip();
}

/**
 * A port free now, for a server a test starts (and stops and starts again) later: below the ephemeral range, so no
 * outgoing connection takes it meanwhile (see simulator/csms/steady-port.ts).
 */
export async function freePort(): Promise<number> {
  const port = await steadyPort();
  if (port === 0) throw new Error('no free port below the ephemeral range');
  return port;
}

export interface Broker {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A real mosquitto on a free loopback port with a temporary config: anonymous, or with a password file made by
 * `mosquitto_passwd -b` when `users` is given. Resolves once a client can connect.
 */
export async function startMosquitto(
  binary: string,
  users?: Readonly<Record<string, string>>,
  tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string },
): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-mosquitto-'));
  const port = await freePort();
  // Started as root (CI containers), mosquitto drops to the user `mosquitto`, which cannot read this private directory.
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', ...(process.getuid?.() === 0 ? ['user root'] : [])];
  if (tls) lines.push(`certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`);
  if (users) {
    const pwFile = join(dir, 'passwd');
    writeFileSync(pwFile, '');
    for (const [user, password] of Object.entries(users)) execFileSync('mosquitto_passwd', ['-b', pwFile, user, password]);
    lines.push('allow_anonymous false', `password_file ${pwFile}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  const child: ChildProcess = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  const auth = users ? Object.entries(users).map(([username, password]) => ({ username, password }))[0] : undefined;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}: ${stderr}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 1000, ...auth, ...(tls ? { ca: readFileSync(tls.caFile) } : {}) });
      c.once('connect', () => {
        resolve(true);
        c.end(true);
      });
      c.once('error', () => c.end(true));
      c.once('close', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto not ready on ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A test client recording every message it receives, with the retain flag. */
export interface Watcher {
  readonly client: MqttClient;
  readonly messages: { topic: string; payload: string; retain: boolean }[];
  /** The newest payload of a topic, or undefined. */
  last(topic: string): string | undefined;
  /** Waits until `predicate` holds over the messages (polling), or fails naming `what`. */
  until(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  end(): Promise<void>;
}

export async function watch(url: string, filters: string[], options: IClientOptions = {}): Promise<Watcher> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, ...options });
  const messages: Watcher['messages'] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    last(topic) {
      for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.topic === topic) return messages[i]!.payload;
      return undefined;
    },
    async until(what, predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${messages.map((m) => `${m.topic}=${m.payload.slice(0, 60)}`).slice(-20).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    end: () => client.endAsync(true),
  };
}
