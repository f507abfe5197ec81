/** Types for unix-dgram 2.x (the package ships none): only what sd-notify.ts uses. */
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  export interface UnixDgramSocket extends EventEmitter {
    bind(path: string): void;
    connect(path: string): void;
    /** Unconnected send; the callback runs synchronously with an errno error or a 'congestion' error. */
    send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
    close(): void;
  }

  export function createSocket(
    type: 'unix_dgram',
    listener?: (msg: Buffer, rinfo: { size: number; path?: string }) => void,
  ): UnixDgramSocket;
}
