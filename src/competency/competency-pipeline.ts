import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { StoreStatementsService } from '../statements/statements.service';
import { definitionsRepository, type DefinitionsRepository } from './definitions.repository';
import { evidenceRepository, type EvidenceRepository } from './evidence.repository';
import { evidenceCellsRepository, type EvidenceCellsRepository } from './evidence-cells.repository';
import { generationsRepository, type GenerationsRepository } from './generations.repository';
import { learnersRepository, type LearnersRepository } from './learners.repository';
import { statesRepository, type StatesRepository } from './states.repository';
import { rollupsRepository, type RollupsRepository } from './rollups.repository';
import { scoringSkipsRepository, type ScoringSkipsRepository } from './scoring-skips.repository';
import { scoringStatementsRepository, type ScoringStatementsRepository } from './scoring-statements.repository';
import { writebacksRepository, type WritebacksRepository } from './writebacks.repository';
import { scoringSetCache, type ScoringSetCache } from './scoring-set';
import { writeBack, type Announcement, type WriteBack } from './write-back';

/** Everything the scoring pipeline reads and writes, wired once per process. */
export interface PipelineDeps {
  statements: ScoringStatementsRepository;
  definitions: DefinitionsRepository;
  learners: LearnersRepository;
  evidence: EvidenceRepository;
  /** Live evidence per cell, what states are computed from (derived from the log). */
  cells: EvidenceCellsRepository;
  states: StatesRepository;
  rollups: RollupsRepository;
  skips: ScoringSkipsRepository;
  generations: GenerationsRepository;
  writebacks: WritebacksRepository;
  scoringSets: ScoringSetCache;
  /**
   * The store's generations as scoring jobs see them: cached for `scoringSetTtlMs` (a rebuild
   * waits that long after it starts before it scans, so no statement is missed; see `rebuild.ts`).
   */
  liveGenerations(store: string): Promise<{ active: number; building?: number }>;
  /**
   * `learners.resolve`, cached per identity: explicit learners for `scoringSetTtlMs` (an identity
   * moved from one explicit learner to another takes effect within the TTL); implicit ones until
   * {@link recheckLearner}, which every job crediting one runs after its evidence write (a relink
   * may have claimed the identity), finds them gone.
   */
  resolveLearner(store: string, identity: string, now: Date): Promise<{ learnerId: string; implicit: boolean }>;
  /**
   * After a job wrote evidence for a resolved learner: the learner the identity belongs to now.
   * An explicit resolution is returned as it is; an implicit one is confirmed with one `_id` read
   * (the implicit learner still exists, so nobody claimed the identity; the cached resolution is
   * kept fresh), or else the identity is looked up and the cache updated.
   */
  recheckLearner(store: string, identity: string, learner: { learnerId: string; implicit: boolean }, now: Date): Promise<{ learnerId: string; implicit: boolean }>;
  /**
   * Writes a validation or expiry back to the LRS as a statement: stored at once, or (in the
   * worker) enqueued on `competency-writeback` so storing it does not delay scoring. Absent:
   * nothing is written back.
   */
  announce?: (a: Announcement) => Promise<void>;
  logger?: Logger;
  /** The clock. @defaultValue `() => new Date()` */
  now: () => Date;
  /** Fault injection for tests: runs after a job wrote its evidence, before states. */
  afterEvidence?: (input: { store: string; statementId: string }) => Promise<void>;
}

export interface PipelineOptions {
  db: Db;
  /** The statements write service, for write-back statements; omit to disable write-back. */
  statementsService?: StoreStatementsService;
  /** Replaces storing announcements at once (the worker enqueues them instead). */
  announce?: (a: Announcement) => Promise<void>;
  logger?: Logger;
  /** @defaultValue 2000 (see `ScoringSetCacheOptions.ttlMs`) */
  scoringSetTtlMs?: number;
  now?: () => Date;
  afterEvidence?: PipelineDeps['afterEvidence'];
}

/** Builds the pipeline's dependencies from a database (and the statements service, for write-back). */
export function competencyPipeline(opts: PipelineOptions): PipelineDeps & { ensureIndexes(): Promise<void>; storeAnnouncement?: WriteBack } {
  const { db } = opts;
  const definitions = definitionsRepository(db);
  const learners = learnersRepository(db);
  const writebacks = writebacksRepository(db);
  const generations = generationsRepository(db);
  const storeAnnouncement = opts.statementsService ? writeBack({ statements: opts.statementsService, ledger: writebacks, learners, logger: opts.logger }) : undefined;
  const deps: PipelineDeps = {
    statements: scoringStatementsRepository(db),
    definitions,
    learners,
    evidence: evidenceRepository(db),
    cells: evidenceCellsRepository(db),
    states: statesRepository(db),
    rollups: rollupsRepository(db),
    skips: scoringSkipsRepository(db),
    generations,
    writebacks,
    scoringSets: scoringSetCache({ definitions, ttlMs: opts.scoringSetTtlMs }),
    liveGenerations: generationsCache(generations, opts.scoringSetTtlMs ?? 2000),
    ...learnerCache(learners, opts.scoringSetTtlMs ?? 2000),
    announce: opts.announce ?? (storeAnnouncement ? async (a) => { await storeAnnouncement(a); } : undefined),
    logger: opts.logger,
    now: opts.now ?? (() => new Date()),
    afterEvidence: opts.afterEvidence,
  };
  return {
    ...deps,
    storeAnnouncement,
    async ensureIndexes() {
      await Promise.all([
        deps.definitions.ensureIndexes(), deps.learners.ensureIndexes(), deps.evidence.ensureIndexes(), deps.cells.ensureIndexes(), deps.states.ensureIndexes(),
        deps.rollups.ensureIndexes(), deps.skips.ensureIndexes(), deps.writebacks.ensureIndexes(),
      ]);
    },
  };
}

function generationsCache(repo: GenerationsRepository, ttlMs: number): PipelineDeps['liveGenerations'] {
  const cache = new Map<string, { value: Promise<{ active: number; building?: number }>; at: number }>();
  return (store) => {
    const hit = cache.get(store);
    if (hit !== undefined && Date.now() - hit.at < ttlMs) return hit.value;
    const value = repo.peek(store);
    cache.set(store, { value, at: Date.now() });
    value.catch(() => cache.delete(store));
    return value;
  };
}

/**
 * Learner resolutions per identity. Explicit ones are used for `ttlMs`. Implicit ones are kept until
 * a job's check after its evidence write fails (every job that credits an implicit learner makes
 * that check, see `recheckLearner`), so a stream of statements about implicit learners resolves
 * each one once. Concurrent misses of one identity share one lookup.
 */
function learnerCache(repo: LearnersRepository, ttlMs: number): Pick<PipelineDeps, 'resolveLearner' | 'recheckLearner'> {
  type Entry = { learnerId: string; implicit: boolean; at: number };
  const cache = new Map<string, Entry>();
  const pending = new Map<string, Promise<Entry>>();
  const MAX = 50_000;
  const put = (key: string, learner: { learnerId: string; implicit: boolean }): Entry => {
    const entry = { learnerId: learner.learnerId, implicit: learner.implicit, at: Date.now() };
    cache.delete(key);
    if (cache.size >= MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
    return entry;
  };
  return {
    resolveLearner(store, identity, now) {
      const key = `${store}\u0001${identity}`;
      const hit = cache.get(key);
      if (hit !== undefined && (hit.implicit || Date.now() - hit.at < ttlMs)) return Promise.resolve(hit);
      let p = pending.get(key);
      if (p === undefined) {
        p = repo.resolve(store, identity, now).then((doc) => put(key, doc)).finally(() => pending.delete(key));
        pending.set(key, p);
      }
      return p;
    },
    async recheckLearner(store, identity, learner, now) {
      if (!learner.implicit) return learner;
      if (await repo.implicitStillHolds(store, identity)) return learner;
      // Claimed since (or an implicit learner stored before ids were derived, which the lookup
      // finds again): the owner now, or the implicit learner again if nobody holds the identity.
      const key = `${store}\u0001${identity}`;
      cache.delete(key);
      const owner = (await repo.findByIdentity(store, identity)) ?? (await repo.resolve(store, identity, now));
      return put(key, owner);
    },
  };
}
