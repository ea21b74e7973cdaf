import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { definitionsRepository } from '../competency/definitions.repository';
import { generationsRepository } from '../competency/generations.repository';
import { analyticsCache, type AnalyticsCacheOptions } from './analytics-cache';
import { analyticsService, type AnalyticsService } from './analytics.service';
import { completionsRecorder } from './completions';
import { snapshotSource } from './snapshot-source';

export interface Analytics {
  service: AnalyticsService;
  /** For the statements use case's `afterInsert`: captures completion-verb statements and voids. */
  recordStatements(input: { store: string; statements: readonly unknown[]; stored: number; voided: ReadonlySet<string> }): Promise<void>;
  close(): void;
}

/** Wires the analytics API's parts over a database. */
export function buildAnalytics(deps: { db: Db; logger?: Logger; cache?: Pick<AnalyticsCacheOptions, 'idleMs' | 'backgroundMs'>; now?: () => number }): Analytics {
  const source = snapshotSource({ db: deps.db, logger: deps.logger });
  const cache = analyticsCache({ source, generations: generationsRepository(deps.db), logger: deps.logger, ...deps.cache });
  return {
    service: analyticsService({ cache, source, definitions: definitionsRepository(deps.db), now: deps.now }),
    recordStatements: completionsRecorder(deps.db),
    close: () => cache.close(),
  };
}
