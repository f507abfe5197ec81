/**
 * A byte pipe to a Modbus RTU bus: a serial port (`serial-link.ts`) or the simulator's in-process virtual link.
 * It carries bytes only; framing, CRC and timing belong to the layers above.
 */
export interface ByteLink {
  /** Sends bytes on the line. Never throws for line errors; a dead link simply delivers no answer. */
  write(bytes: Uint8Array): void;
  /** Registers the one receiver of incoming bytes (chunks may split or join frames). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Releases the line; no data is delivered after the promise resolves. */
  close(): Promise<void>;
}
