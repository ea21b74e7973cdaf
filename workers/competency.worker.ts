import { ConfigError, loadConfig, redactConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';
import { buildContainer } from '../src/container';
import { loadWorkerConfig } from '../src/competency/worker-config';
import { startCompetencyWorker } from '../src/competency/competency-worker';

/**
 * Entrypoint of the competency worker process: scoring jobs, rebuild jobs and the sweep. The
 * container gives it MongoDB and the statements service (write-back statements go through the same
 * use case as any client's).
 */
async function main(): Promise<void> {
  let config;
  let workerConfig;
  try {
    config = loadConfig(process.env);
    workerConfig = loadWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, 'lrs-competency-worker');
  logger.info({ config: redactConfig(config), worker: workerConfig }, 'starting');
  const container = await buildContainer(config, logger);
  const worker = await startCompetencyWorker({
    db: container.db,
    statementsService: container.statements.store,
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    worker: workerConfig,
    logger,
  });
  logger.info({ concurrency: workerConfig.concurrency }, 'competency worker ready');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing jobs in flight');
    setTimeout(() => process.exit(1), 35_000).unref();
    void worker.close().then(() => container.close()).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
