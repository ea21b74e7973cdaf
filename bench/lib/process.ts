/**
 * Process-level helpers shared by the benchmarks: settings from the environment, report and
 * progress writers, free ports, and a process's memory and CPU from /proc.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The repository root (this file runs as dist/bench/lib/process.js). */
export const ROOT = path.resolve(__dirname, '../../..');
/** The servers to use; scripts/bench.sh sets both (starting local ones when they were not given). */
export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connection string with its password masked, for printing. */
export const redacted = (uri: string): string => uri.replace(/\/\/[^@/]*@/, '//***@');

/** An environment setting as a positive number, `dflt` when it is absent, empty or not one. */
export function positive(v: string | undefined, dflt: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : dflt;
}

/** A line of the report (stdout). */
export const out = (line = ''): void => { process.stdout.write(`${line}\n`); };
/** A writer of progress lines on stderr, each prefixed with `[tag]`. */
export const progressAs = (tag: string) => (line: string): void => { process.stderr.write(`[${tag}] ${line}\n`); };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 right now (asked of the OS). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in MB, from /proc (Linux); undefined elsewhere or without a pid. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Write system calls a process has made so far, from /proc/<pid>/io (Linux); undefined elsewhere or without a pid. */
export function writeSyscalls(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^syscw:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux, 100 ticks/s); undefined elsewhere or without a pid. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
