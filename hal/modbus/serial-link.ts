import { SerialPort } from 'serialport';
import type { Parity } from './config.js';
import type { ByteLink } from './link.js';

/** Line settings of a serial Modbus bus (8 data bits always). */
export interface SerialLineOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly parity: Parity;
  readonly stopBits: 1 | 2;
}

/**
 * Opens a serial device as a {@link ByteLink}. Rejects with the OS error (ENOENT, EACCES …) when it cannot be opened.
 * Pseudo-terminals (socat) accept any line settings, real adapters apply them.
 */
export async function openSerialLink(options: SerialLineOptions): Promise<ByteLink> {
  const port = new SerialPort({
    path: options.path,
    baudRate: options.baudRate,
    parity: options.parity,
    stopBits: options.stopBits,
    dataBits: 8,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // Line errors surface as missing answers (timeouts) to the layer above; an unhandled 'error' would kill the process.
  port.on('error', () => undefined);
  let closed = false;
  return {
    write(bytes) {
      if (!closed) port.write(Buffer.from(bytes));
    },
    onData(listener) {
      port.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    async close() {
      if (closed) return;
      closed = true;
      port.removeAllListeners('data');
      if (!port.isOpen) return;
      await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
