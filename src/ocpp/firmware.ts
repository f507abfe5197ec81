/**
 * Firmware management: UpdateFirmware (at the retrieve date, a streamed download with retries into the state
 * directory's own `firmware/` folder, then the configured install command) and GetDiagnostics (a gzipped JSON bundle POSTed to an http(s) location), each with its
 * status notifications. What the install command does is the installer's choice.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { downloadFirmware, FirmwareDownloadError } from './firmware-download.js';

const run = promisify(execFile);

export type FirmwareStatus = 'Downloaded' | 'DownloadFailed' | 'Downloading' | 'Idle' | 'InstallationFailed' | 'Installing' | 'Installed';
export type DiagnosticsStatus = 'Idle' | 'Uploaded' | 'UploadFailed' | 'Uploading';

/** The folder of the state directory that holds firmware downloads, apart from the journal and its lock. */
export const FIRMWARE_FOLDER = 'firmware';

/** Free space a firmware download leaves on the journal's file system (its sessions must still fit). */
const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;

/** A download with no byte for this long is given up (then retried per UpdateFirmware's retries). */
const DEFAULT_STALL_TIMEOUT_MS = 60_000;

export interface FirmwareOptions {
  readonly stateDir: string | null;
  /** Largest image accepted (`ocpp.firmwareMaxBytes`): a larger Content-Length is refused, a longer body aborted. */
  readonly maxBytes: number;
  readonly stallTimeoutMs?: number;
  readonly minFreeBytes?: number;
  readonly installCommand: readonly string[] | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Queues a job's status notification (the uplink journals it in the outbox; resolves once durable). */
  readonly notify: (method: 'FirmwareStatusNotification' | 'DiagnosticsStatusNotification', status: string) => Promise<void>;
  /** What goes into a diagnostics bundle besides the uplink's own facts (logs, a journal export …). */
  readonly diagnostics: () => Promise<Record<string, unknown>>;
  readonly identity: string;
}

function wait(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Waits until the clock's wall time reaches `atMs`, at once for a date in the past. The clock's timers honour any delay
 * (a date years ahead is one timer); the wall clock is read again on waking, so a correction by the CSMS that set it
 * back meanwhile does not start the job early.
 */
async function waitForDate(clock: Clock, atMs: number): Promise<void> {
  for (let left = atMs - clock.nowMs(); left > 0; left = atMs - clock.nowMs()) await wait(clock, left);
}

export class FirmwareManager {
  private firmwareStatus: FirmwareStatus = 'Idle';
  private diagnosticsStatus: DiagnosticsStatus = 'Idle';
  private busy: Promise<void> | null = null;
  /** Files of the firmware folder that a download or install of this process still uses (not swept). */
  private readonly inUse = new Set<string>();

  constructor(private readonly options: FirmwareOptions) {}

  currentFirmwareStatus(): FirmwareStatus {
    return this.firmwareStatus;
  }

  currentDiagnosticsStatus(): DiagnosticsStatus {
    return this.diagnosticsStatus;
  }

  /** The update's background job (tests await it). */
  running(): Promise<void> | null {
    return this.busy;
  }

  /** UpdateFirmware: answered at once (its .conf is empty); the work happens at retrieveDate. */
  updateFirmware(req: { location: string; retrieveDate: string; retries?: number; retryInterval?: number }): void {
    const job = this.firmwareJob(req).catch((err: unknown) => this.options.logger.error({ error: (err as Error).message }, 'firmware update failed'));
    this.busy = job.then(() => undefined);
  }

  /** GetDiagnostics: returns the file name it will upload, or null when it cannot (unsupported location). */
  getDiagnostics(req: { location: string; retries?: number; retryInterval?: number }): string | null {
    if (!/^https?:\/\//.test(req.location)) return null;
    const fileName = this.diagnosticsFileName();
    const job = this.diagnosticsJob(req, fileName).catch((err: unknown) => this.options.logger.error({ error: (err as Error).message }, 'diagnostics upload failed'));
    this.busy = job.then(() => undefined);
    return fileName;
  }

  private async setFirmware(status: FirmwareStatus): Promise<void> {
    this.firmwareStatus = status;
    await this.options.notify('FirmwareStatusNotification', status).catch(() => undefined);
  }

  private async setDiagnostics(status: DiagnosticsStatus): Promise<void> {
    this.diagnosticsStatus = status;
    await this.options.notify('DiagnosticsStatusNotification', status).catch(() => undefined);
  }

  private async firmwareJob(req: { location: string; retrieveDate: string; retries?: number; retryInterval?: number }): Promise<void> {
    const { clock, logger, stateDir } = this.options;
    const retrieveAt = Date.parse(req.retrieveDate);
    if (Number.isFinite(retrieveAt)) await waitForDate(clock, retrieveAt);
    if (stateDir === null) {
      logger.warn('UpdateFirmware: no ocpp.stateDir configured');
      await this.setFirmware('DownloadFailed');
      return;
    }
    const attempts = Math.max(1, (req.retries ?? 0) + 1);
    let file: string | null = null;
    for (let attempt = 1; attempt <= attempts && file === null; attempt += 1) {
      await this.setFirmware('Downloading');
      try {
        const downloaded = await downloadFirmware({
          location: req.location,
          folder: join(stateDir, FIRMWARE_FOLDER),
          maxBytes: this.options.maxBytes,
          minFreeBytes: this.options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
          stallTimeoutMs: this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
          clock,
          inUse: this.inUse,
        });
        file = downloaded.path;
        logger.info({ file, bytes: downloaded.bytes }, 'firmware downloaded');
      } catch (err) {
        const failure = err instanceof FirmwareDownloadError ? err : null;
        logger.warn({ attempt, failure: failure?.failure, error: (err as Error).message }, 'firmware download failed');
        if (failure !== null && !failure.retryable) break;
        if (attempt < attempts) await wait(clock, (req.retryInterval ?? 30) * 1000);
      }
    }
    if (file === null) {
      await this.setFirmware('DownloadFailed');
      return;
    }
    this.inUse.add(file);
    try {
      await this.install(file);
    } finally {
      this.inUse.delete(file);
    }
  }

  private async install(file: string): Promise<void> {
    await this.setFirmware('Downloaded');
    await this.setFirmware('Installing');
    const command = this.options.installCommand;
    if (command) {
      const [program, ...args] = command;
      try {
        await run(program as string, [...args, file], { timeout: 10 * 60_000 });
      } catch (err) {
        this.options.logger.error({ error: (err as Error).message }, 'firmware install command failed');
        await this.setFirmware('InstallationFailed');
        return;
      }
    }
    await this.setFirmware('Installed');
  }

  private diagnosticsFileName(): string {
    return `diagnostics-${this.options.identity}-${new Date(this.options.clock.nowMs()).toISOString().replace(/[:.]/g, '-')}.json.gz`;
  }

  /** The bundle GetDiagnostics uploads (gzipped JSON), for a download from the operator's page. */
  async diagnosticsBundle(): Promise<{ readonly fileName: string; readonly bytes: Buffer }> {
    return { fileName: this.diagnosticsFileName(), bytes: await this.diagnosticsBytes() };
  }

  private async diagnosticsBytes(): Promise<Buffer> {
    return gzipSync(JSON.stringify({ identity: this.options.identity, generatedAt: new Date(this.options.clock.nowMs()).toISOString(), ...(await this.options.diagnostics()) }));
  }

  private async diagnosticsJob(req: { location: string; retries?: number; retryInterval?: number }, fileName: string): Promise<void> {
    const { clock, logger } = this.options;
    const bundle = await this.diagnosticsBytes();
    const attempts = Math.max(1, (req.retries ?? 0) + 1);
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      await this.setDiagnostics('Uploading');
      try {
        const response = await fetch(req.location, {
          method: 'POST',
          headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="${fileName}"` },
          body: bundle,
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        await this.setDiagnostics('Uploaded');
        return;
      } catch (err) {
        logger.warn({ attempt, error: (err as Error).message }, 'diagnostics upload failed');
        if (attempt < attempts) await wait(clock, (req.retryInterval ?? 30) * 1000);
      }
    }
    await this.setDiagnostics('UploadFailed');
  }
}
