import type { KeyValueStore } from '../../../src/journal/ports.js';

/** In-memory KeyValueStore (values are cloned through JSON, as a real store would). */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly data = new Map<string, Map<string, string>>();
  writes = 0;

  private ns(namespace: string): Map<string, string> {
    let m = this.data.get(namespace);
    if (!m) {
      m = new Map();
      this.data.set(namespace, m);
    }
    return m;
  }

  get(namespace: string, key: string): Promise<unknown> {
    const raw = this.ns(namespace).get(key);
    return Promise.resolve(raw === undefined ? undefined : JSON.parse(raw));
  }

  set(namespace: string, key: string, value: unknown): Promise<void> {
    this.writes += 1;
    this.ns(namespace).set(key, JSON.stringify(value));
    return Promise.resolve();
  }

  delete(namespace: string, key: string): Promise<void> {
    this.ns(namespace).delete(key);
    return Promise.resolve();
  }

  list(namespace: string): Promise<ReadonlyMap<string, unknown>> {
    return Promise.resolve(new Map([...this.ns(namespace)].map(([k, v]) => [k, JSON.parse(v) as unknown])));
  }

  clear(namespace: string): Promise<void> {
    this.data.delete(namespace);
    return Promise.resolve();
  }
}
