/**
 * The uplink's link as both OCPP versions open it from the `ocpp` config: the security profile decides what the
 * station presents and trusts (1: Basic password; 2: TLS with the configured CA, plus Basic; 3: TLS with the client
 * certificate and key), the back-off comes from the config. What each version gives: the stored password (1.6
 * AuthorizationKey, 2.0.1 SecurityCtrlr.BasicAuthPassword), extra CA certificates (2.0.1: the CSMS roots it installed),
 * the subprotocol and its timeouts.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OcppConfig } from './config.js';
import { OcppConnection, type ConnectionOptions } from './connection.js';

type SecurityProfileConfig = Pick<OcppConfig, 'securityProfile' | 'authorizationKey' | 'caFile' | 'clientCertFile' | 'clientKeyFile'>;

/** Reads a PEM file the config names (null: none); an unreadable one is a config error naming the field. */
export function readPem(path: string | null, what: 'caFile' | 'clientCertFile' | 'clientKeyFile'): string | undefined {
  if (path === null) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new EvseError(EvseErrorCode.ConfigInvalid, `ocpp.${what}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Profiles 1 and 2 send an HTTP Basic password; 0 and 3 none. */
export function usesBasicAuth(securityProfile: number): boolean {
  return securityProfile === 1 || securityProfile === 2;
}

/** The Basic password of the profile: the stored one (set by the CSMS) wins over the config's; null without Basic. */
export function basicAuthPassword(config: SecurityProfileConfig, stored: string): string | null {
  return usesBasicAuth(config.securityProfile) ? stored || config.authorizationKey : null;
}

/**
 * The TLS files of the profile, read now: the CA from profile 2 on (with `extraCaPems` after it; none at all: the
 * system store), the client certificate and key on profile 3.
 */
export function profileTls(config: SecurityProfileConfig, extraCaPems: readonly string[] = []): NonNullable<ConnectionOptions['tls']> {
  const profile = config.securityProfile;
  const configuredCa = profile >= 2 ? readPem(config.caFile, 'caFile') : undefined;
  const caPems = profile >= 2 ? [...(configuredCa ? [configuredCa] : []), ...extraCaPems] : [];
  const ca = caPems.length > 0 ? caPems.join('\n') : undefined;
  const cert = profile === 3 ? readPem(config.clientCertFile, 'clientCertFile') : undefined;
  const key = profile === 3 ? readPem(config.clientKeyFile, 'clientKeyFile') : undefined;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

export interface UplinkConnectionOptions {
  readonly config: OcppConfig;
  /** `config.url`, checked set by the caller. */
  readonly url: string;
  readonly identity: string;
  /** The Basic password the station stored (empty: none; the config's `authorizationKey` is used). */
  readonly storedPassword: string;
  /** CA certificates trusted beside `ocpp.caFile` (profiles 2 and 3). */
  readonly extraCaPems?: readonly string[];
  readonly protocol?: ConnectionOptions['protocol'];
  readonly callTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jitter source (tests pin it). */
  readonly random?: () => number;
}

/** The link to the CSMS under the config's security profile (TLS files read now). Does not connect until started. */
export function createUplinkConnection(options: UplinkConnectionOptions): OcppConnection {
  const { config, storedPassword, extraCaPems, protocol, random } = options;
  const password = basicAuthPassword(config, storedPassword);
  return new OcppConnection({
    url: options.url,
    identity: options.identity,
    password,
    ...(protocol ? { protocol } : {}),
    tls: profileTls(config, extraCaPems),
    backoff: { initialMs: config.reconnectInitialS * 1000, maxMs: config.reconnectMaxS * 1000 },
    callTimeoutMs: options.callTimeoutMs,
    pingIntervalMs: options.pingIntervalMs,
    clock: options.clock,
    logger: options.logger,
    ...(random ? { random } : {}),
  });
}
