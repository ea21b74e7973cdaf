import { loadConfig, redactConfig, ConfigError } from './config/load-config';
import { createLogger } from './logger';
import { buildContainer } from './container';
import { createApp } from './app';

/** Entrypoint of the API process. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, 'lrs-api');
  logger.info({ config: redactConfig(config) }, 'starting');
  const container = await buildContainer(config, logger);
  const app = createApp(container);
  const server = app.listen(config.port, config.host, () => {
    logger.info({ port: config.port }, `xAPI endpoint at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/xapi`);
  });
  server.keepAliveTimeout = 65_000;
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    server.close(() => {
      void container.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
