import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config';
import type { StoreStatementsService } from '../statements/statements.service';
import type { ScoringQueue } from '../queue/scoring-queue';
import { competencyPipeline } from '../competency/competency-pipeline';
import { relinkLearner } from '../competency/relink-learner';
import { REBUILD_QUEUE, type RebuildJobData } from '../competency/rebuild';
import { frameworksService, type FrameworksService } from './frameworks/frameworks.service';
import { learnersService, type LearnersService } from './learners/learners.service';
import { scoresService, type ScoresService } from './scores/scores.service';
import { observationsService, type ObservationsService } from './observations/observations.service';
import { operationsService, type OperationsService } from './operations/operations.service';
import { credentialsRepository } from '../auth/credentials.repository';
import { loadBadgeKey } from './badges/badge-keys';
import { badgesService, type BadgesService } from './badges/badges.service';

/** The use cases behind /api, built once at start. */
export interface ApiServices {
  frameworks: FrameworksService;
  learners: LearnersService;
  scores: ScoresService;
  observations: ObservationsService;
  operations: OperationsService;
  badges: BadgesService;
  /** Closes the API's own Redis connection (the rebuild queue's producer). */
  close(): Promise<void>;
}

export interface ApiServicesDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Observations are stored through the statements use case, like any statement. */
  statements: StoreStatementsService;
  scoring: ScoringQueue;
}

/** Builds the /api services over the scoring pipeline's repositories, and makes sure their indexes exist. */
export async function buildApiServices(deps: ApiServicesDeps): Promise<ApiServices> {
  // The pipeline's repositories and relink (with write-back: moving evidence may validate). No
  // scoring-set TTL: a relink right after a framework was saved must see that framework.
  const pipeline = competencyPipeline({ db: deps.db, statementsService: deps.statements, logger: deps.logger, scoringSetTtlMs: 0 });
  await pipeline.ensureIndexes();
  const { definitions, learners, evidence, states, generations, skips } = pipeline;

  // Producer only, so commands fail fast while Redis is down (the API answers 503) instead of queueing.
  const connection = new IORedis(deps.config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  connection.on('error', (err) => deps.logger.warn({ err: err.message }, 'rebuild queue: Redis connection error'));
  const rebuild = new Queue<RebuildJobData>(REBUILD_QUEUE, { connection, prefix: deps.config.queuePrefix });
  rebuild.on('error', (err) => deps.logger.warn({ err: err.message }, 'rebuild queue error'));

  const scores = scoresService({ definitions, learners, evidence, states, generations });
  const stores = credentialsRepository(deps.db);
  const key = await loadBadgeKey({ db: deps.db, pem: deps.config.badges.privateKey });

  return {
    frameworks: frameworksService({ definitions }),
    learners: learnersService({ learners, relink: async (input) => { await relinkLearner(pipeline, input); } }),
    scores,
    observations: observationsService({ definitions, learners, statements: deps.statements }),
    operations: operationsService({ queues: { scoring: deps.scoring.queue, rebuild }, skips, generations }),
    badges: badgesService({ scores, key, storeName: async (store) => (await stores.findStore(store))?.name ?? null }),
    async close() {
      // With Redis unreachable, close would wait for it; give up after two seconds.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([rebuild.close(), new Promise((resolve) => { timer = setTimeout(resolve, 2000); })]).catch(() => undefined);
      clearTimeout(timer);
      connection.disconnect();
    },
  };
}
