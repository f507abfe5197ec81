import { createServer } from 'node:net';

/**
 * A free loopback port for a server that goes down and comes back on the same port (the bench CSMS's goDown /
 * comeBack, `evse sim --csms-outage`). Taken below Linux's ephemeral range (32768–60999): a port from listen(0) may be
 * handed out meanwhile as the local port of any outgoing connection on the machine, and coming back then fails with
 * EADDRINUSE. Falls back to 0 (any port) when none of the tries is free.
 */
export async function steadyPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port, host)) return port;
  }
  return 0;
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}
