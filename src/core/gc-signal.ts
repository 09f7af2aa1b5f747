/**
 * Measuring aid (issue 6: bytes per connection after a forced GC). When the process runs under
 * `node --expose-gc`, SIGUSR2 runs two full collections, so that RSS read right after is live data, not
 * garbage waiting for the next collection. Without `--expose-gc` nothing is installed and SIGUSR2 keeps
 * Node's default meaning.
 */
export function installGcOnSignal(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  process.on('SIGUSR2', () => {
    gc();
    gc();
  });
  return true;
}
