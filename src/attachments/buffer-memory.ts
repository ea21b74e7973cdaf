import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Streaming attachment bytes allocates short-lived Buffers outside the JS heap (socket reads,
 * GridFS chunk assembly, BSON serialisation: about three bytes allocated per byte moved) behind
 * tiny JS objects. V8's young-generation collections are driven by JS-heap allocation, so they
 * rarely run during a transfer, and the dead buffers pile up until V8's external-memory limit
 * (about 64 MB) forces a collection. Measured against the bench (bench/attachments.bench.ts): a
 * 50 MB upload raised the API's RSS by 33–37 MB that way; with a young-generation collection (about
 * 1 ms) after every 2 MiB moved, by 12–14 MB. V8 has no API to ask for one, so `gc` is exposed once,
 * at load, through the documented `--expose-gc` flag; where that fails, nothing is collected early.
 */
const EVERY_BYTES = 2 * 1024 * 1024;

const collectYoung: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as ((options: { type: 'minor' }) => void) | undefined;
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : undefined;
  } catch {
    return undefined;
  }
})();

let moved = 0;

/** Counts attachment bytes moved by this process; collects short-lived buffers every 2 MiB. */
export function noteBytesMoved(bytes: number): void {
  moved += bytes;
  if (moved < EVERY_BYTES) return;
  moved = 0;
  collectYoung?.();
}
