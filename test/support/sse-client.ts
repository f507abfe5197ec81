/** One server-sent event or comment as received (raw, so a test sees heartbeat comments and `retry:` too). */
export interface ReceivedEvent {
  readonly event: string | null;
  readonly data: string | null;
  readonly comment: string | null;
  readonly retry: number | null;
  /** performance.timeOrigin + performance.now() when the block arrived. */
  readonly atMs: number;
}

/** A client of `GET /api/events` that keeps every block it received and lets a test wait for one. */
export interface EventClient {
  readonly status: number;
  readonly received: readonly ReceivedEvent[];
  /** Resolves with the first block (already received or coming) that `match` accepts. */
  next(match: (e: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

function parseBlock(block: string, atMs: number): ReceivedEvent {
  let event: string | null = null;
  let data: string | null = null;
  let comment: string | null = null;
  let retry: number | null = null;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
    else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
  }
  return { event, data, comment, retry, atMs };
}

/** Opens the stream; a refused one (503 …) resolves with its status and no events. */
export async function openEventClient(url: string): Promise<EventClient> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  const received: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = (): void => undefined;
  const endedPromise = new Promise<void>((resolve) => {
    ended = resolve;
  });
  if (response.ok && response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            // A comment and an event may share a block's lines; keep them as one block with both.
            received.push(parseBlock(block, performance.timeOrigin + performance.now()));
            for (const wake of [...waiters]) wake();
          }
        }
      } catch {
        // aborted by close()
      }
      ended();
      for (const wake of [...waiters]) wake();
    })();
  } else {
    await response.arrayBuffer().catch(() => undefined);
    ended();
  }
  return {
    status: response.status,
    received,
    ended: endedPromise,
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < received.length; seen++) {
            const e = received[seen];
            if (e !== undefined && match(e)) {
              done();
              resolve(e);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${received.map((e) => e.event ?? `:${e.comment ?? ''}`).join(', ')}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
}
