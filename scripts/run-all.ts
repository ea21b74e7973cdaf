import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm start` runs this: the API process and one process per worker entrypoint in dist/workers,
 * each restarted if it dies, all stopped together on SIGINT/SIGTERM. In production run them as
 * separate services instead (docker-compose.yml does), so each scales on its own.
 */
const root = join(__dirname, '..');
const entrypoints = [join(root, 'src', 'server.js')];
const workersDir = join(root, 'workers');
if (existsSync(workersDir)) {
  for (const f of readdirSync(workersDir)) if (f.endsWith('.js')) entrypoints.push(join(workersDir, f));
}

const children = new Map<string, ChildProcess>();
let stopping = false;

function run(entry: string): void {
  // Fewer glibc malloc arenas keep the API's resident memory flat under ingest (the bench showed
  // most RSS above the JS heap is native); an explicit MALLOC_ARENA_MAX wins.
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env: { MALLOC_ARENA_MAX: '2', ...process.env } });
  children.set(entry, child);
  child.on('exit', (code, signal) => {
    children.delete(entry);
    if (stopping) {
      if (children.size === 0) process.exit(0);
      return;
    }
    console.error(`[run-all] ${entry} exited (${signal ?? code}); restarting in 1 s`);
    setTimeout(() => run(entry), 1000);
  });
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill(signal);
  setTimeout(() => process.exit(1), 20_000).unref();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const e of entrypoints) run(e);
