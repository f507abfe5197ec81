import { createHash } from 'node:crypto';

/** Every file the firmware downloader writes starts with this: the folder sweep touches nothing else. */
export const FIRMWARE_FILE_PREFIX = 'download-';

/** Longest part of the vendor's file name kept in ours (the whole name stays far below NAME_MAX = 255). */
const MAX_SOURCE_NAME_CHARS = 64;

/**
 * The last path segment of a firmware URL, decoded once and reduced to `[A-Za-z0-9._-]`: runs of dots become one dot
 * (no `..`), leading dots, dashes and underscores go (no dot-file), at most 64 characters, `firmware.bin` when nothing
 * is left. Only what a human reads in the file name; it never decides where the file goes on its own.
 */
export function sourceFileName(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment; // a stray '%' (not valid percent-encoding): keep it as text, it is replaced below
  }
  const safe = decoded
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_SOURCE_NAME_CHARS)
    .replace(/[._-]+$/, '');
  return safe === '' ? 'firmware.bin' : safe;
}

/**
 * Where a download from `url` is kept inside the firmware folder: `download-<16 hex of SHA-256 of the URL>-<source
 * name>`. The fixed prefix makes it impossible to be `journal.db`, `journal.lock`, a dot-file or anything else of the
 * state directory, whatever the CSMS sends; the hash keeps two URLs with the same last segment apart; the vendor's
 * name and extension stay visible to the install command and to whoever lists the folder (`.swu`, `.raucb` …).
 */
export function firmwareFileName(url: URL): string {
  const hash = createHash('sha256').update(url.href).digest('hex').slice(0, 16);
  return `${FIRMWARE_FILE_PREFIX}${hash}-${sourceFileName(url)}`;
}
