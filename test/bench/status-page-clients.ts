import { Worker } from 'node:worker_threads';

/**
 * `clients` fetch loops polling `url` back to back, from a worker thread of their own (so the load does not share the
 * thread of whatever is measured). `stop()` resolves with how many answers came.
 */
export function pollStatusPage(url: string, clients: number): { stop(): Promise<number> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     let running = true;
     let count = 0;
     parentPort.on('message', () => { running = false; });
     async function client() {
       while (running) {
         const r = await fetch(workerData.url);
         await r.arrayBuffer();
         count++;
       }
     }
     Promise.all(Array.from({ length: workerData.clients }, client)).then(
       () => parentPort.postMessage(count),
       (err) => parentPort.postMessage('error: ' + err.message),
     );`,
    { eval: true, workerData: { url, clients } },
  );
  return {
    async stop() {
      const done = new Promise<unknown>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const count = await done;
      await worker.terminate();
      if (typeof count !== 'number') throw new Error(`status page load failed: ${String(count)}`);
      return count;
    },
  };
}

/**
 * `streams` clients of the live stream `url` (`/api/events`), reading every event, from a worker thread of their own.
 * Resolves once all are open (each got its first event); `stop()` resolves with how many events they received.
 */
export async function openEventStreams(url: string, streams: number): Promise<{ stop(): Promise<number> }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const controller = new AbortController();
     let events = 0;
     let open = 0;
     parentPort.on('message', () => { controller.abort(); parentPort.postMessage({ stopped: events }); });
     async function client() {
       const response = await fetch(workerData.url, { signal: controller.signal });
       if (!response.ok) throw new Error('HTTP ' + response.status);
       const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
       let first = true;
       try {
         for (;;) {
           const { value, done } = await reader.read();
           if (done) return;
           events += (value.match(/^event: /gm) || []).length;
           if (first) { first = false; open++; if (open === workerData.streams) parentPort.postMessage({ open }); }
         }
       } catch (err) { if (!controller.signal.aborted) throw err; }
     }
     for (let i = 0; i < workerData.streams; i++) client().catch((err) => parentPort.postMessage({ error: err.message }));`,
    { eval: true, workerData: { url, streams } },
  );
  const first = await new Promise<{ open?: number; error?: string }>((resolve) => worker.once('message', resolve));
  if (first.error !== undefined) {
    await worker.terminate();
    throw new Error(`live streams failed: ${first.error}`);
  }
  return {
    async stop() {
      const done = new Promise<{ stopped?: number; error?: string }>((resolve) => {
        const onMessage = (m: { stopped?: number; error?: string }): void => {
          if (m.stopped !== undefined) {
            worker.off('message', onMessage);
            resolve(m);
          }
        };
        worker.on('message', onMessage);
      });
      worker.postMessage('stop');
      const result = await done;
      await worker.terminate();
      return result.stopped ?? 0;
    },
  };
}
