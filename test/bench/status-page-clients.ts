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
