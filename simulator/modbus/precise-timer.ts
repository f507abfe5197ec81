/**
 * Runs `fn` when `performance.now()` reaches `atMs`. Node's timers fire on whole milliseconds and usually late, which
 * would make an emulated 38400-baud line look 20 % slower than it is; so the last stretch is spun out on setImmediate.
 * Returns a cancel function.
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
  const coarse = atMs - performance.now() - 2;
  if (coarse > 0) timer = setTimeout(spin, coarse);
  else spin();
  return () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
  };
}
