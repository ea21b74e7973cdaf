import type { Db, MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from './config/load-config';
import { connectMongo } from './storage/mongo-client';
import { credentialsRepository } from './auth/credentials.repository';
import { authService, type AuthService } from './auth/auth.service';
import { statementsRepository } from './statements/statements.repository';
import { consistencyTracker } from './statements/consistency';
import { storeStatementsService, type StoreStatementsService } from './statements/statements.service';
import { queryStatementsService, type QueryStatementsService } from './statements/statements-query.service';
import { isSystemAuthored } from './competency/write-back';
import { writebacksRepository } from './competency/writebacks.repository';
import { scoringQueue, type ScoringQueue } from './queue/scoring-queue';
import { documentsRepository } from './documents/documents.repository';
import { documentsService, type DocumentsService } from './documents/documents.service';
import { activitiesRepository } from './activities/activities.repository';
import { activitiesService, type ActivitiesService } from './activities/activities.service';
import { agentsRepository } from './agents/agents.repository';
import { agentsService, type AgentsService } from './agents/agents.service';
import { attachmentContentsRepository } from './attachments/attachment-contents.repository';
import { attachmentsService, type AttachmentsService } from './attachments/attachments.service';
import { buildApiServices, type ApiServices } from './api/api-services';
import { buildAnalytics, type Analytics } from './analytics/analytics-module';

/** Everything the HTTP app needs, wired from the config. Entrypoints and tests build one. */
export interface Container {
  config: Config;
  logger: Logger;
  mongo: MongoClient;
  db: Db;
  auth: AuthService;
  statements: { store: StoreStatementsService; query: QueryStatementsService };
  attachments: AttachmentsService;
  documents: DocumentsService;
  activities: ActivitiesService;
  agents: AgentsService;
  scoring: ScoringQueue;
  /** The use cases behind /api (competency API). */
  api: ApiServices;
  /** The aggregates behind /api/analytics. */
  analytics: Analytics;
  close(): Promise<void>;
}

export async function buildContainer(config: Config, logger: Logger): Promise<Container> {
  const { client, db } = await connectMongo({ uri: config.mongo.uri, db: config.mongo.db });
  const credentials = credentialsRepository(db);
  const statementsRepo = statementsRepository(db);
  const documentsRepo = documentsRepository(db);
  // Indexes are created at start: every query the API issues has one behind it.
  const activitiesRepo = activitiesRepository(db);
  const agentsRepo = agentsRepository(db);
  const contentsRepo = attachmentContentsRepository(db);
  await Promise.all([credentials.ensureIndexes(), statementsRepo.ensureIndexes(), documentsRepo.ensureIndexes(), activitiesRepo.ensureIndexes(), agentsRepo.ensureIndexes(), contentsRepo.ensureIndexes()]);
  const backfilled = await statementsRepo.backfillRefs();
  if (backfilled > 0) logger.info({ statements: backfilled }, 'recorded the StatementRefs of statements stored before statement_refs existed');
  const activities = activitiesService({ repo: activitiesRepo });
  const agents = agentsService({ repo: agentsRepo });

  const auth = authService({ credentials, jwt: config.jwt });
  if (config.defaultCredential) await auth.seedDefault(config.defaultCredential);

  // Statements stored but not enqueued are found by the sweep's next read of MongoDB: asked for
  // when enqueueing fails, and at start (a process that died between storing statements and
  // enqueueing them left them marked).
  const sweepMarks = writebacksRepository(db);
  const requestScan = () => sweepMarks.requestScan().catch((err: unknown) => logger.warn({ err }, 'could not ask the sweep to look for statements not enqueued; its periodic read will'));
  const scoring = scoringQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger, ...config.scoringQueue, onNotEnqueued: () => void requestScan() });
  await requestScan();
  const analytics = buildAnalytics({ db, logger });
  const consistency = consistencyTracker({ marginMs: config.statements.consistencyMarginMs });
  const store = storeStatementsService({
    repo: statementsRepo,
    consistency,
    onStored: (storeId, stored) => void scoring.enqueue(storeId, stored),
    // Validation and expiry statements the pipeline writes back would give no evidence: they are
    // stored already scored (no job, no sweep), which matters when a cohort validates in a wave.
    toScore: (principal) => !isSystemAuthored(principal.authorityKey),
    afterInsert: async ({ store: storeId, statements, principal, stored, voided }) => {
      const canDefine = principal.scopes.includes('define') || principal.scopes.includes('all');
      await Promise.all([activities.record(storeId, statements, canDefine), agents.record(storeId, statements), analytics.recordStatements({ store: storeId, statements, stored, voided })]);
    },
    logger,
  });
  const api = await buildApiServices({ db, config, logger, statements: store, scoring });
  const query = queryStatementsService({ repo: statementsRepo, consistency, moreBasePath: '/xapi/statements' });
  const attachments = attachmentsService({
    statements: store,
    contents: contentsRepo,
    isReferenced: (storeId, sha2) => statementsRepo.referencesAttachment(storeId, sha2),
    limits: { maxBytes: config.attachments.maxBytes, jsonBytes: config.statements.bodyLimitBytes },
    logger,
  });
  // Content left by crashed requests is unreferenced and content-addressed, so harmless; it is
  // removed once it is a day old.
  const sweep = config.attachments.sweepIntervalMs > 0
    ? setInterval(() => {
      attachments.sweep(new Date(Date.now() - 24 * 3600 * 1000))
        .then((removed) => { if (removed.uploads + removed.contents > 0) logger.info({ removed }, 'removed attachment content left by crashed requests'); })
        .catch((err: unknown) => logger.warn({ err }, 'attachment clean-up failed; it runs again later'));
    }, config.attachments.sweepIntervalMs)
    : undefined;
  sweep?.unref();

  return {
    config,
    logger,
    mongo: client,
    db,
    auth,
    statements: { store, query },
    attachments,
    documents: documentsService({ repo: documentsRepo }),
    activities,
    agents,
    scoring,
    api,
    analytics,
    async close() {
      if (sweep) clearInterval(sweep);
      analytics.close();
      await api.close();
      await scoring.close();
      await client.close();
    },
  };
}
