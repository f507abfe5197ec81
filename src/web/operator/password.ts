/**
 * The operator's password as the config keeps it: an scrypt hash (node:crypto) in a self-describing text,
 * `scrypt$N$r$p$<salt base64>$<hash base64>`, so the cost can be raised later without breaking stored hashes.
 * `evse config hash-password` prints one; the page's worker verifies a login against it in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** The cost of new hashes: 16 MiB and some 50–100 ms per check on a Raspberry Pi, off the station's thread. */
export const defaultScryptCost = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export const passwordHashFormat = 'scrypt$N$r$p$salt$hash (N a power of two from 1024 to 1048576, r 1–32, p 1–16, base64 salt of 16+ bytes and hash of 16–64 bytes); make one with `evse config hash-password`';

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The parts of a stored hash, or null when the text is not one this software can check. */
export function parsePasswordHash(text: string): PasswordHash | null {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, nText = '', rText = '', pText = '', saltText = '', hashText = ''] = parts;
  if (![nText, rText, pText].every((t) => /^[1-9]\d{0,7}$/.test(t))) return null;
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0 || r > 32 || p > 16) return null;
  if (!base64.test(saltText) || !base64.test(hashText)) return null;
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  if (salt.length < 16 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

function derive(password: string, salt: Buffer, length: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; allow that and a margin instead of the 32 MiB default.
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 128 * cost.N * cost.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new hash of `password` with a random salt. */
export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = defaultScryptCost): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches the stored hash; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const derived = await derive(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(derived, stored.hash);
}
