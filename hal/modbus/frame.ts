import { hasValidCrc, withCrc } from './crc.js';
import type { MeterErrorKind } from '../meter.js';

/** A register read request as it goes on the wire. */
export interface ReadRequest {
  readonly unitId: number;
  readonly functionCode: number;
  readonly start: number;
  readonly count: number;
}

/** Encodes a read request (function 0x03/0x04) as an 8-byte RTU frame with CRC. */
export function encodeReadRequest(req: ReadRequest): Uint8Array {
  const body = new Uint8Array(6);
  const view = new DataView(body.buffer);
  view.setUint8(0, req.unitId);
  view.setUint8(1, req.functionCode);
  view.setUint16(2, req.start, false);
  view.setUint16(4, req.count, false);
  return withCrc(body);
}

/** Decodes the header of an 8-byte read request frame (CRC not checked here). */
export function decodeReadRequest(frame: Uint8Array): ReadRequest {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { unitId: view.getUint8(0), functionCode: view.getUint8(1), start: view.getUint16(2, false), count: view.getUint16(4, false) };
}

/**
 * Length in bytes of the response frame whose first bytes are `received`, or null while the header does not tell yet
 * (or tells nothing sensible: then only the timeout ends the wait). An exception answer is 5 bytes; a read answer is
 * 5 + its byte count.
 */
export function responseFrameLength(req: ReadRequest, received: Uint8Array): number | null {
  const fc = received[1];
  if (fc === undefined) return null;
  if (fc === (req.functionCode | 0x80)) return 5;
  if (fc !== req.functionCode) return null;
  const byteCount = received[2];
  return byteCount === undefined ? null : 5 + byteCount;
}

/** What a response frame is: a good answer, or the error kind it counts as. */
export type ResponseVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: Exclude<MeterErrorKind, 'timeout' | 'port' | 'implausible' | 'exception'> }
  | { readonly kind: 'exception'; readonly exceptionCode: number };

/**
 * Classifies a complete response frame to `req`. Checks in this order, so each fault has one name:
 * length (a frame shorter or longer than the request asks for is `short-frame`), CRC, unit id, exception, function.
 * Only an `ok` frame may be decoded into numbers.
 */
export function classifyResponse(req: ReadRequest, frame: Uint8Array): ResponseVerdict {
  if (frame.length < 5) return { kind: 'short-frame' };
  const fc = frame[1];
  const isException = fc === (req.functionCode | 0x80);
  const expectedLength = isException ? 5 : 5 + 2 * req.count;
  if (frame.length !== expectedLength) return { kind: 'short-frame' };
  if (!hasValidCrc(frame)) return { kind: 'crc' };
  if (frame[0] !== req.unitId) return { kind: 'wrong-unit' };
  if (isException) return { kind: 'exception', exceptionCode: frame[2] ?? 0 };
  // Right length and CRC but not our function, or a byte count that disagrees with the length: not an answer to us.
  if (fc !== req.functionCode || frame[2] !== 2 * req.count) return { kind: 'short-frame' };
  return { kind: 'ok' };
}
