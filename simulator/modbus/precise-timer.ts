/** Timers on a busy machine fire a few ms late; the last this many ms are spun out. */
const spinMarginMs = 3;

/**
 * Runs `fn` when `performance.now()` reaches `atMs`. Node's timers fire on whole milliseconds and usually late, which
 * would make an emulated 38400-baud line look 20 % slower than it is; so the last stretch is spun out on setImmediate.
 * `fn` always runs on a later turn of the event loop. Returns a cancel function.
 */
export function runAt(atMs: number, fn: () => void): () => void {
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const spin = (): void => {
    if (cancelled) return;
    if (performance.now() >= atMs) fn();
    else immediate = setImmediate(spin);
  };
  const coarse = atMs - performance.now() - spinMarginMs;
  // Never synchronously: a write must not re-enter its receiver before it returns.
  if (coarse > 0) timer = setTimeout(spin, coarse);
  else immediate = setImmediate(spin);
  return () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
  };
}
