/**
 * L01 secure firmware update for OCPP 2.0.1: UpdateFirmware downloads the image with 1.6's streamed, bounded download
 * (`downloadFirmware`: never in memory, never above `ocpp.firmwareMaxBytes`, no partial file left) into the state
 * directory's `firmware/` folder, checks its signature (RSA-SHA256 over the image with the signing certificate's key;
 * the certificate must be issued by an installed ManufacturerRootCertificate), then runs the configured install
 * command, reporting each step with FirmwareStatusNotification and its requestId. Those go through the journal's outbox
 * (optional lane, in order): an update that ends in Installed or InstallationFailed while offline still tells the
 * CSMS. TriggerMessage's current status is a direct call (asked for while online).
 */
import { execFile } from 'node:child_process';
import { createVerify, X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock, TimerHandle } from '../../clock.js';
import type { KeyValueStore } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { InboundHandler } from '../connection.js';
import { downloadFirmware, FirmwareDownloadError } from '../firmware-download.js';
import { FIRMWARE_FOLDER } from '../firmware.js';
import { noteNextBootReason } from './boot-reason.js';

const run = promisify(execFile);

export type FirmwareStatus201 =
  | 'Downloaded'
  | 'DownloadFailed'
  | 'Downloading'
  | 'DownloadScheduled'
  | 'Idle'
  | 'InstallationFailed'
  | 'Installing'
  | 'Installed'
  | 'InstallScheduled'
  | 'InvalidSignature'
  | 'SignatureVerified';

export interface FirmwareUpdate201Deps {
  readonly stateDir: string | null;
  readonly maxBytes: number;
  readonly installCommand: readonly string[] | null;
  readonly minFreeBytes?: number;
  readonly stallTimeoutMs?: number;
  /** The installed ManufacturerRootCertificates (M03): a signing certificate must be issued by one of them. */
  readonly manufacturerRoots: () => Promise<readonly X509Certificate[]>;
  /** Whether a charging session runs (the install waits for its end). */
  readonly sessionRunning: () => boolean;
  readonly kv: KeyValueStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sends the TriggerMessage answer's FirmwareStatusNotification now (online). */
  readonly call: (action: string, payload: Record<string, unknown>) => Promise<unknown>;
  /** Queues a job's FirmwareStatusNotification in the journal's outbox (resolves once durable). */
  readonly queue: (kind: 'FirmwareStatusNotification', payload: Record<string, unknown>) => Promise<void>;
  readonly securityEvent: (type: string, techInfo?: string) => void;
}

/** Free space a download leaves for the journal, as for 1.6. */
const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** How often a scheduled install looks again whether the session ended. */
const SESSION_POLL_MS = 1000;

class Canceled extends Error {}

interface FirmwareRequest {
  readonly requestId: number;
  readonly location: string;
  readonly retrieveAtMs: number;
  readonly installAtMs: number | null;
  readonly attempts: number;
  readonly retryIntervalS: number;
  readonly signing: { readonly certificate: X509Certificate; readonly signature: Buffer } | null;
}

/** RSA-SHA256 (or the certificate key's own algorithm with SHA-256) over the file, streamed. */
export async function verifyImageSignature(path: string, certificate: X509Certificate, signature: Buffer): Promise<boolean> {
  const verify = createVerify('SHA256');
  for await (const chunk of createReadStream(path)) verify.update(chunk as Buffer);
  try {
    return verify.verify(certificate.publicKey, signature);
  } catch {
    return false;
  }
}

export class FirmwareUpdate201 {
  private status: FirmwareStatus201 = 'Idle';
  private requestId: number | null = null;
  /** Images of this process's jobs still needed (the next download's sweep of the folder leaves them). */
  private readonly inUse = new Set<string>();
  /** The job's pending waits, so that cancel() ends them. */
  private readonly sleeping = new Map<TimerHandle, () => void>();
  private job: { readonly canceled: { value: boolean }; readonly done: Promise<void>; installing: boolean } | null = null;

  constructor(private readonly deps: FirmwareUpdate201Deps) {}

  handlers(): Record<string, InboundHandler> {
    return { UpdateFirmware: (params) => this.updateFirmware(params) };
  }

  /** The running job (tests await it). */
  running(): Promise<void> | null {
    return this.job?.done ?? null;
  }

  /** Cancels the job: its waits end now (a stopped client keeps no timer) and it says nothing more. */
  cancel(): void {
    if (this.job) this.job.canceled.value = true;
    for (const [handle, wake] of this.sleeping) {
      this.deps.clock.clearTimeout(handle);
      wake();
    }
    this.sleeping.clear();
  }

  /** TriggerMessage FirmwareStatusNotification: the current status with its requestId while a job runs, else Idle. */
  async sendCurrentStatus(): Promise<void> {
    const busy = this.job !== null && this.requestId !== null;
    await this.deps.call('FirmwareStatusNotification', busy ? { status: this.status, requestId: this.requestId } : { status: 'Idle' });
  }

  private async updateFirmware(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requestId = params['requestId'] as number;
    const firmware = params['firmware'] as Record<string, unknown>;
    const location = String(firmware['location']);
    if (!/^https?:\/\//i.test(location)) return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedProtocol', additionalInfo: 'only http:// and https:// locations' } };
    if (this.deps.stateDir === null) return { status: 'Rejected', statusInfo: { reasonCode: 'NoStorage', additionalInfo: 'no ocpp.stateDir configured' } };
    const certPem = firmware['signingCertificate'];
    const signatureText = firmware['signature'];
    if ((certPem === undefined) !== (signatureText === undefined)) {
      return { status: 'Rejected', statusInfo: { reasonCode: 'MissingParam', additionalInfo: 'signingCertificate and signature come together' } };
    }
    let signing: FirmwareRequest['signing'] = null;
    if (typeof certPem === 'string' && typeof signatureText === 'string') {
      const problem = await this.checkSigningCertificate(certPem);
      if (problem !== null) {
        this.deps.securityEvent('InvalidFirmwareSigningCertificate', problem);
        return { status: 'InvalidCertificate', statusInfo: { reasonCode: 'InvalidCertificate', additionalInfo: problem } };
      }
      signing = { certificate: new X509Certificate(certPem), signature: Buffer.from(signatureText, 'base64') };
    }
    if (this.job?.installing) return { status: 'Rejected', statusInfo: { reasonCode: 'InstallInProgress', additionalInfo: 'an image is being installed' } };
    const canceledOld = this.job !== null;
    this.cancel();
    const retrieveAtMs = Date.parse(String(firmware['retrieveDateTime']));
    const install = typeof firmware['installDateTime'] === 'string' ? Date.parse(firmware['installDateTime']) : NaN;
    const request: FirmwareRequest = {
      requestId,
      location,
      retrieveAtMs: Number.isFinite(retrieveAtMs) ? retrieveAtMs : this.deps.clock.nowMs(),
      installAtMs: Number.isFinite(install) ? install : null,
      attempts: Math.max(0, typeof params['retries'] === 'number' ? params['retries'] : 0) + 1,
      retryIntervalS: Math.max(0, typeof params['retryInterval'] === 'number' ? params['retryInterval'] : 30),
      signing,
    };
    const canceled = { value: false };
    const job = { canceled, installing: false, done: Promise.resolve() };
    job.done = this.run(request, job)
      .catch((err: unknown) => {
        if (!(err instanceof Canceled)) this.deps.logger.error({ requestId, error: (err as Error).message }, 'firmware update failed');
      })
      .finally(() => {
        if (this.job === job) this.job = null;
      });
    this.job = job;
    return { status: canceledOld ? 'AcceptedCanceled' : 'Accepted' };
  }

  /** Null when the certificate may sign firmware: parses, is valid now, and an installed manufacturer root issued it. */
  private async checkSigningCertificate(pem: string): Promise<string | null> {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return 'the signing certificate does not parse';
    }
    const now = this.deps.clock.nowMs();
    if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) return 'the signing certificate is not valid now';
    const roots = await this.deps.manufacturerRoots();
    if (roots.length === 0) return 'no ManufacturerRootCertificate installed';
    if (!roots.some((root) => certificate.checkIssued(root) && certificate.verify(root.publicKey))) {
      return 'the signing certificate is not issued by an installed ManufacturerRootCertificate';
    }
    return null;
  }

  private async setStatus(status: FirmwareStatus201, request: FirmwareRequest, job: { canceled: { value: boolean } }): Promise<void> {
    if (job.canceled.value) throw new Canceled();
    this.status = status;
    this.requestId = request.requestId;
    await this.deps.queue('FirmwareStatusNotification', { status, requestId: request.requestId }).catch((err: unknown) => {
      this.deps.logger.warn({ status, error: (err as Error).message }, 'FirmwareStatusNotification not queued');
    });
  }

  /** Waits until the wall clock reaches `atMs` (read again on waking: a clock set back meanwhile does not start early). */
  private async waitUntil(atMs: number, job: { canceled: { value: boolean } }): Promise<void> {
    for (let left = atMs - this.deps.clock.nowMs(); left > 0; left = atMs - this.deps.clock.nowMs()) {
      await this.sleep(Math.min(left, 60_000));
      if (job.canceled.value) throw new Canceled();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const handle = this.deps.clock.setTimeout(() => {
        this.sleeping.delete(handle);
        resolve();
      }, Math.max(0, ms));
      this.sleeping.set(handle, resolve);
    });
  }

  private async run(request: FirmwareRequest, job: { canceled: { value: boolean }; installing: boolean }): Promise<void> {
    const { clock } = this.deps;
    // The answer leaves before the first notification.
    await this.sleep(10);
    if (request.retrieveAtMs > clock.nowMs()) {
      await this.setStatus('DownloadScheduled', request, job);
      await this.waitUntil(request.retrieveAtMs, job);
    }
    const file = await this.download(request, job);
    if (file === null) {
      await this.setStatus('DownloadFailed', request, job);
      return;
    }
    this.inUse.add(file);
    try {
      await this.verifyAndInstall(file, request, job);
    } finally {
      this.inUse.delete(file);
    }
  }

  private async verifyAndInstall(file: string, request: FirmwareRequest, job: { canceled: { value: boolean }; installing: boolean }): Promise<void> {
    const { clock, logger } = this.deps;
    await this.setStatus('Downloaded', request, job);
    if (request.signing) {
      if (!(await verifyImageSignature(file, request.signing.certificate, request.signing.signature))) {
        logger.warn({ requestId: request.requestId }, 'firmware signature does not verify: not installed');
        this.deps.securityEvent('InvalidFirmwareSignature', `requestId ${request.requestId}`);
        await rm(file, { force: true });
        await this.setStatus('InvalidSignature', request, job);
        return;
      }
      await this.setStatus('SignatureVerified', request, job);
    }
    if ((request.installAtMs !== null && request.installAtMs > clock.nowMs()) || this.deps.sessionRunning()) {
      await this.setStatus('InstallScheduled', request, job);
      if (request.installAtMs !== null) await this.waitUntil(request.installAtMs, job);
      // A charging session is not cut by an install: it waits for the session's end.
      while (this.deps.sessionRunning()) {
        await this.sleep(SESSION_POLL_MS);
        if (job.canceled.value) throw new Canceled();
      }
    }
    await this.setStatus('Installing', request, job);
    job.installing = true;
    await this.install(file, request, job);
  }

  private async download(request: FirmwareRequest, job: { canceled: { value: boolean } }): Promise<string | null> {
    const { clock, logger } = this.deps;
    for (let attempt = 1; attempt <= request.attempts; attempt += 1) {
      await this.setStatus('Downloading', request, job);
      try {
        const downloaded = await downloadFirmware({
          location: request.location,
          folder: join(this.deps.stateDir as string, FIRMWARE_FOLDER),
          maxBytes: this.deps.maxBytes,
          minFreeBytes: this.deps.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
          stallTimeoutMs: this.deps.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
          clock,
          inUse: this.inUse,
        });
        logger.info({ bytes: downloaded.bytes }, 'firmware downloaded');
        return downloaded.path;
      } catch (err) {
        const failure = err instanceof FirmwareDownloadError ? err : null;
        logger.warn({ attempt, failure: failure?.failure, error: (err as Error).message }, 'firmware download failed');
        if (failure !== null && !failure.retryable) return null;
        if (attempt < request.attempts) await this.sleep(request.retryIntervalS * 1000);
      }
    }
    return null;
  }

  private async install(file: string, request: FirmwareRequest, job: { canceled: { value: boolean } }): Promise<void> {
    const command = this.deps.installCommand;
    // The installer may restart the station: the next boot says FirmwareUpdate.
    await noteNextBootReason(this.deps.kv, 'FirmwareUpdate');
    if (command) {
      const [program, ...args] = command;
      try {
        await run(program as string, [...args, file], { timeout: 10 * 60_000 });
      } catch (err) {
        this.deps.logger.error({ error: (err as Error).message }, 'firmware install command failed');
        // No new firmware: the next boot is an ordinary one.
        await noteNextBootReason(this.deps.kv, 'PowerUp');
        await this.setStatus('InstallationFailed', request, job);
        return;
      }
    }
    this.deps.securityEvent('FirmwareUpdated', `requestId ${request.requestId}`);
    await this.setStatus('Installed', request, job);
  }
}
