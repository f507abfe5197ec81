import type { ByteLink } from '../../hal/modbus/link.js';

/**
 * The device side of an RS-485 line with several devices on it: every device hears every byte on the line (requests
 * for other unit ids, and other devices' answers, which a device must ignore as real meters do) and anything a device
 * sends goes onto the line. Wraps one {@link ByteLink} (a pty end, or a virtual link end) into one link per device.
 */
export function multidrop(line: ByteLink, devices: number): ByteLink[] {
  const receivers: ((chunk: Uint8Array) => void)[] = [];
  line.onData((chunk) => {
    for (const receive of receivers) receive(chunk);
  });
  let open = devices;
  return Array.from({ length: devices }, (_, i) => ({
    write: (bytes: Uint8Array) => {
      line.write(bytes);
      // On a shared pair every transceiver hears the line, its own answer included; the others hear it too.
      for (const [j, receive] of receivers.entries()) if (j !== i) receive(bytes);
    },
    onData: (listener: (chunk: Uint8Array) => void) => {
      receivers[i] = listener;
    },
    close: async () => {
      open -= 1;
      if (open === 0) await line.close();
    },
  }));
}
