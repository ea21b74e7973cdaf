import Ajv from 'ajv';
import schema from '../../schemas/worker-config.schema.json';
import { ConfigError } from '../config/load-config';

/** Settings of the competency worker process, on top of the LRS's `Config`. Frozen. */
export interface WorkerConfig {
  /**
   * Scoring jobs run at once per worker process. They mostly wait on MongoDB, and what concurrent
   * jobs send at the same moment shares round trips (`storage/coalesce.ts`), so more jobs at once
   * means fewer round trips per job. @defaultValue 64
   */
  readonly concurrency: number;
  /** How often the sweep runs (across all workers: a Redis lock lets one run it). 0 turns it off. @defaultValue 10000 */
  readonly sweepIntervalMs: number;
  /**
   * Most time between two sweeps that read MongoDB for statements still marked to score. A sweep
   * reads them sooner when something may have been lost: at start, after an API process could not
   * enqueue, after Redis lost its data, or when the last read found work. (On MongoDB the read is
   * served by an index; on the stand-in it is a scan of the statements that stalls writes.)
   * @defaultValue 300000
   */
  readonly sweepScanIntervalMs: number;
  /** Statements younger than this are left to the queue by the sweep. @defaultValue 5000 */
  readonly sweepMinAgeMs: number;
  /** Statements re-enqueued per store and sweep at most. @defaultValue 1000 */
  readonly sweepBatch: number;
  /** How long a store's frameworks and rules are used before re-checking their versions. @defaultValue 2000 */
  readonly scoringSetTtlMs: number;
  /**
   * BullMQ job lock: a job whose worker stops renewing it (crash, kill) is handed to another
   * worker after about this long. @defaultValue 30000
   */
  readonly lockDurationMs: number;
}

const DEFAULTS: Record<string, string> = {
  LRS_WORKER_CONCURRENCY: '64',
  LRS_SWEEP_INTERVAL_MS: '10000',
  LRS_SWEEP_SCAN_INTERVAL_MS: '300000',
  LRS_SWEEP_MIN_AGE_MS: '5000',
  LRS_SWEEP_BATCH: '1000',
  LRS_SCORING_SET_TTL_MS: '2000',
  LRS_WORKER_LOCK_MS: '30000',
};

const validate = new Ajv({ allErrors: true }).compile(schema);

/** Reads and validates the worker's variables, listing every problem at once (like `loadConfig`). */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key] !== undefined && env[key] !== '' ? (env[key] as string) : DEFAULTS[key];
    if (value !== undefined) raw[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  if (!validate(raw)) {
    throw new ConfigError((validate.errors ?? []).map((e) => {
      const key = e.instancePath.replace(/^\//, '') || 'config';
      return `${key} ${e.message ?? 'is invalid'} (got ${JSON.stringify(raw[key])})`;
    }));
  }
  return Object.freeze({
    concurrency: raw.LRS_WORKER_CONCURRENCY as number,
    sweepIntervalMs: raw.LRS_SWEEP_INTERVAL_MS as number,
    sweepScanIntervalMs: raw.LRS_SWEEP_SCAN_INTERVAL_MS as number,
    sweepMinAgeMs: raw.LRS_SWEEP_MIN_AGE_MS as number,
    sweepBatch: raw.LRS_SWEEP_BATCH as number,
    scoringSetTtlMs: raw.LRS_SCORING_SET_TTL_MS as number,
    lockDurationMs: raw.LRS_WORKER_LOCK_MS as number,
  });
}
