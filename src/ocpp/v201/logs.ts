/**
 * N01 GetLog for OCPP 2.0.1: the DiagnosticsLog is the same gzipped JSON bundle as 1.6's GetDiagnostics (the
 * FirmwareManager's `diagnosticsBundle()`), POSTed to the CSMS's http(s) remoteLocation, with LogStatusNotification
 * Uploading → Uploaded, or the failure the HTTP answer means. SecurityLog is not kept by this station (Rejected).
 * Every status goes through the journal's outbox (optional lane, in order), so an upload that ends while the link is
 * down still reaches the CSMS after reconnect. TriggerMessage LogStatusNotification reports the current status (Idle
 * when no upload runs) by a direct call: it is asked for while online and only says what is true now.
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { InboundHandler } from '../connection.js';

export type UploadLogStatus = 'BadMessage' | 'Idle' | 'PermissionDenied' | 'Uploaded' | 'UploadFailure' | 'Uploading' | 'AcceptedCanceled';

/** The time window the CSMS asked for (either end open). */
export interface LogWindow {
  readonly oldestMs: number | null;
  readonly latestMs: number | null;
}

export interface LogUploadDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The diagnostics bundle (gzipped JSON) for the window: its file name and bytes. */
  readonly bundle: (window: LogWindow) => Promise<{ readonly fileName: string; readonly bytes: Buffer }>;
  /** Sends the TriggerMessage answer's LogStatusNotification now (online). */
  readonly call: (action: string, payload: Record<string, unknown>) => Promise<unknown>;
  /** Queues a job's LogStatusNotification in the journal's outbox (resolves once durable). */
  readonly queue: (kind: 'LogStatusNotification', payload: Record<string, unknown>) => Promise<void>;
  /** Retries and their interval when GetLog leaves them out. */
  readonly defaultRetries?: number;
  readonly defaultRetryIntervalS?: number;
}

/** Whether something that happened over [firstMs, lastMs] falls in the window (overlaps it). */
export function overlapsLogWindow(window: LogWindow, firstMs: number, lastMs: number): boolean {
  return (window.oldestMs === null || lastMs >= window.oldestMs) && (window.latestMs === null || firstMs <= window.latestMs);
}

/** What one upload attempt's failure means: the status it ends on and whether another attempt can help. */
interface AttemptFailure {
  readonly status: 'BadMessage' | 'PermissionDenied' | 'UploadFailure';
  readonly retryable: boolean;
}

/** 401/403: the server refuses us (retrying the same credentials cannot help); other 4xx: it refuses the file. 5xx, network: may pass later. */
export function failureOfHttpStatus(status: number): AttemptFailure {
  if (status === 401 || status === 403) return { status: 'PermissionDenied', retryable: false };
  if (status >= 400 && status < 500) return { status: 'BadMessage', retryable: false };
  return { status: 'UploadFailure', retryable: true };
}

/** Waits `ms`, or less when `signal` aborts (a canceled or stopped upload keeps no timer). */
function abortableWait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clock.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

function parseTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** One upload at a time; a new GetLog cancels the running one (its answer says AcceptedCanceled). */
export class LogUploads {
  private status: UploadLogStatus = 'Idle';
  private requestId: number | null = null;
  private running: { readonly abort: AbortController; readonly done: Promise<void> } | null = null;

  constructor(private readonly deps: LogUploadDeps) {}

  currentStatus(): { readonly status: UploadLogStatus; readonly requestId: number | null } {
    return { status: this.status, requestId: this.requestId };
  }

  /** The running upload's job (tests await it). */
  job(): Promise<void> | null {
    return this.running?.done ?? null;
  }

  /** Stops a running upload (client stop). */
  cancel(): void {
    this.running?.abort.abort();
  }

  handlers(): Record<string, InboundHandler> {
    return { GetLog: (params) => this.getLog(params) };
  }

  /** TriggerMessage LogStatusNotification: the current status, with the requestId only while an upload runs. */
  async sendCurrentStatus(): Promise<void> {
    const uploading = this.status === 'Uploading';
    await this.deps.call('LogStatusNotification', {
      status: uploading ? 'Uploading' : 'Idle',
      ...(uploading && this.requestId !== null ? { requestId: this.requestId } : {}),
    });
  }

  private getLog(params: Record<string, unknown>): Record<string, unknown> {
    const logType = params['logType'];
    const requestId = params['requestId'] as number;
    const log = params['log'] as Record<string, unknown>;
    const location = String(log['remoteLocation']);
    if (logType !== 'DiagnosticsLog') {
      return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedLogType', additionalInfo: 'this station keeps no SecurityLog file; its security events go out as SecurityEventNotification' } };
    }
    if (!/^https?:\/\//i.test(location)) {
      return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedProtocol', additionalInfo: 'only http:// and https:// remote locations' } };
    }
    const window: LogWindow = { oldestMs: parseTime(log['oldestTimestamp']), latestMs: parseTime(log['latestTimestamp']) };
    if (window.oldestMs !== null && window.latestMs !== null && window.oldestMs > window.latestMs) {
      return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'oldestTimestamp is after latestTimestamp' } };
    }
    const canceled = this.running !== null;
    if (canceled) {
      // The running upload stops saying anything; its own requestId gets AcceptedCanceled.
      this.running?.abort.abort();
      const old = this.requestId;
      this.deps
        .queue('LogStatusNotification', { status: 'AcceptedCanceled', ...(old !== null ? { requestId: old } : {}) })
        .catch((err: unknown) => this.deps.logger.warn({ error: (err as Error).message }, 'LogStatusNotification not queued'));
    }
    const fileName = this.fileName(requestId);
    const abort = new AbortController();
    const retries = typeof params['retries'] === 'number' ? Math.max(0, params['retries']) : (this.deps.defaultRetries ?? 1);
    const retryIntervalS = typeof params['retryInterval'] === 'number' ? Math.max(0, params['retryInterval']) : (this.deps.defaultRetryIntervalS ?? 30);
    const done = this.upload({ requestId, location, window, fileName, attempts: retries + 1, retryIntervalS }, abort.signal)
      .catch((err: unknown) => this.deps.logger.error({ requestId, error: (err as Error).message }, 'log upload failed'))
      .finally(() => {
        if (this.running?.abort === abort) this.running = null;
      });
    this.running = { abort, done };
    return { status: canceled ? 'AcceptedCanceled' : 'Accepted', filename: fileName };
  }

  private fileName(requestId: number): string {
    const at = new Date(this.deps.clock.nowMs()).toISOString().replace(/[:.]/g, '-');
    return `log-${requestId}-${at}.json.gz`;
  }

  private async setStatus(status: UploadLogStatus, requestId: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.status = status;
    this.requestId = requestId;
    await this.deps.queue('LogStatusNotification', { status, requestId }).catch((err: unknown) => {
      this.deps.logger.warn({ status, error: (err as Error).message }, 'LogStatusNotification not queued');
    });
  }

  private async upload(
    job: { requestId: number; location: string; window: LogWindow; fileName: string; attempts: number; retryIntervalS: number },
    signal: AbortSignal,
  ): Promise<void> {
    const { logger, clock } = this.deps;
    // Answer first, then the notifications (the CSMS learns the file name before its first status).
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
    const bundle = await this.deps.bundle(job.window);
    let failure: AttemptFailure = { status: 'UploadFailure', retryable: true };
    for (let attempt = 1; attempt <= job.attempts && !signal.aborted; attempt += 1) {
      await this.setStatus('Uploading', job.requestId, signal);
      try {
        const response = await fetch(job.location, {
          method: 'POST',
          headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="${job.fileName}"` },
          body: bundle.bytes,
          signal,
        });
        await response.body?.cancel();
        if (response.ok) {
          await this.setStatus('Uploaded', job.requestId, signal);
          this.status = 'Idle';
          return;
        }
        failure = failureOfHttpStatus(response.status);
        logger.warn({ attempt, httpStatus: response.status }, 'log upload refused');
      } catch (err) {
        if (signal.aborted) return;
        failure = { status: 'UploadFailure', retryable: true };
        logger.warn({ attempt, error: (err as Error).message }, 'log upload failed');
      }
      if (!failure.retryable) break;
      if (attempt < job.attempts) await abortableWait(clock, job.retryIntervalS * 1000, signal);
    }
    await this.setStatus(failure.status, job.requestId, signal);
    this.status = 'Idle';
  }
}
