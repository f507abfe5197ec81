import type { AlertQueue, NotifyAlert } from '../../../src/notify/types.js';

type Raised = Omit<NotifyAlert, 'id' | 'atMs' | 'count' | 'dedupKey' | 'audience'> & Partial<Pick<NotifyAlert, 'dedupKey' | 'audience'>>;

/**
 * The alert queue's contract in memory (cursor per channel, first registration starts after the newest alert, a
 * bounded backlog, wake-ups after a raise), for the dispatcher's unit tests. The end-to-end tests use the journal.
 * `failing` makes every call reject, as a journal that is unavailable.
 */
export class MemoryAlertQueue implements AlertQueue {
  readonly alerts: NotifyAlert[] = [];
  readonly cursors = new Map<string, number>();
  readonly confirms: { channel: string; upToId: number }[] = [];
  failing = false;
  private readonly listeners = new Set<(id: number, isNew: boolean) => void>();

  constructor(private readonly backlog = 1000) {}

  raise(a: Raised): number {
    const id = this.alerts.length + 1;
    this.alerts.push({ dedupKey: a.code, audience: 'operator', ...a, id, atMs: Date.now(), count: 1 });
    queueMicrotask(() => {
      for (const l of this.listeners) l(id, true);
    });
    return id;
  }

  registerAlertChannel(channel: string): Promise<void> {
    if (this.failing) return Promise.reject(new Error('journal unavailable'));
    if (!this.cursors.has(channel)) this.cursors.set(channel, this.alerts.length);
    return Promise.resolve();
  }

  pendingAlerts(channel: string, limit: number): Promise<{ alerts: NotifyAlert[]; skipped: number }> {
    if (this.failing) return Promise.reject(new Error('journal unavailable'));
    let cursor = this.cursors.get(channel) ?? 0;
    let skipped = 0;
    const newest = this.alerts.length;
    if (newest - cursor > this.backlog) {
      skipped = newest - cursor - this.backlog;
      cursor += skipped;
      this.cursors.set(channel, cursor);
    }
    return Promise.resolve({ alerts: this.alerts.filter((a) => a.id > cursor).slice(0, limit), skipped });
  }

  confirmAlertDelivery(channel: string, upToId: number): Promise<void> {
    if (this.failing) return Promise.reject(new Error('journal unavailable'));
    this.confirms.push({ channel, upToId });
    this.cursors.set(channel, Math.max(this.cursors.get(channel) ?? 0, upToId));
    return Promise.resolve();
  }

  onAlertRaised(listener: (id: number, isNew: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
