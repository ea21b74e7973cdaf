import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { betaCdf, competencyIri, frameworkIri, type Competency, type CompetencyStanding, type CompetencyState, type Framework } from '../engine';
import type { Principal } from '../auth/auth.service';
import type { StoreStatementsService } from '../statements/statements.service';
import { agentIfiKey } from '../statements/model/agent-ifi';
import type { LearnersRepository } from './learners.repository';
import type { WritebacksRepository } from './writebacks.repository';

/**
 * Statements the competency pipeline writes back to the LRS, so any xAPI consumer learns that a
 * competency was validated or that a validation expired.
 *
 * Vocabulary (researched, see README "Competency pipeline"):
 * - validated → TLA `asserted` ("the learner has provided sufficient evidence to update the
 *   learner's measure of competence in a given competency"), object of TLA activity type
 *   `competency`, context extensions TLA `evidence` and `confidence` (−1…1), as the TLA xAPI
 *   profile (https://w3id.org/xapi/tla, v0.10; IEEE P9274.3.2 draft, "Asserted") asks. That
 *   template excludes `result`, so our own figures (score, interval, evidence count, level, valid
 *   until) are context extensions too. TLA `validated` is not used: it means an OICS approved a
 *   change to a framework.
 * - expired → `http://id.tincanapi.com/verb/expired` (Tin Can registry: "the object (a competency
 *   or certification) has expired for the actor"); neither the TLA nor the ADL vocabulary has one.
 */
/** Queue of write-back statements in the worker: stored off the scoring path, one job per statement id. */
export const WRITEBACK_QUEUE = 'competency-writeback';

export const VERB_ASSERTED = 'https://w3id.org/xapi/tla/verbs/asserted';
export const VERB_EXPIRED = 'http://id.tincanapi.com/verb/expired';
export const TLA_PROFILE = 'https://w3id.org/xapi/tla/v0.10';
export const ACTIVITY_TYPE_COMPETENCY = 'https://w3id.org/xapi/tla/activity-types/competency';
export const EXT_TLA_EVIDENCE = 'https://w3id.org/xapi/tla/extensions/evidence';
export const EXT_TLA_CONFIDENCE = 'https://w3id.org/xapi/tla/extensions/confidence';
const EXT = 'https://competency-lrs.dev/xapi/extensions/';
export const EXTENSIONS = {
  score: `${EXT}score`,
  interval: `${EXT}interval`,
  evidenceCount: `${EXT}evidence-count`,
  level: `${EXT}level`,
  validatedAt: `${EXT}validated-at`,
  validUntil: `${EXT}valid-until`,
  framework: `${EXT}framework`,
} as const;

/** The account the LRS names as authority of the statements it writes itself. */
export const SYSTEM_HOMEPAGE = 'urn:competency-lrs:system';
const SYSTEM_AGENT = { objectType: 'Agent', name: 'Competency engine', account: { homePage: SYSTEM_HOMEPAGE, name: 'competency-engine' } };
export const SYSTEM_AUTHORITY_KEY = agentIfiKey(SYSTEM_AGENT) as string;

/** Written statements evidence at most this many statements (the most recent). */
const MAX_EVIDENCE_REFS = 50;

export function systemPrincipal(store: string): Principal {
  return { store, scopes: ['all'], authority: SYSTEM_AGENT, authorityKey: SYSTEM_AUTHORITY_KEY };
}

/** Whether a stored statement was written by the pipeline itself (scoring it again would loop). */
export function isSystemAuthored(authorityKey: string | undefined): boolean {
  return authorityKey === SYSTEM_AUTHORITY_KEY;
}

// Namespace of the name-based ids below (fixed; changing it would re-announce every event).
const NAMESPACE = '6f1d7c52-3b0e-4f7a-9a55-1c2f0b7e8d41';

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1): the same name always gives the same id. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Statement id of a validation or expiry event, derived from the event so a retry writes the same
 * one: the n-th validation announced for the cell (`ordinal`), or the expiry at `validUntil`.
 */
export function writebackStatementId(e: { store: string; learnerId: string; frameworkId: string; competencyId: string } & ({ kind: 'validated'; ordinal: number } | { kind: 'expired'; at: number })): string {
  const event = e.kind === 'validated' ? `validated#${e.ordinal}` : `expired@${new Date(e.at).toISOString()}`;
  return uuidV5([e.store, e.learnerId, e.frameworkId, e.competencyId, event].join('\n'));
}

// One definition of the framework and competency IRIs (the engine's), re-exported for the
// pipeline's users.
export { competencyIri, frameworkIri };

/** An Agent from an IFI key as `agentIfiKey` makes it (`mbox:…`, `account:<homePage>|<name>`…). */
export function agentFromIfiKey(key: string, name?: string): Record<string, unknown> | undefined {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  const base: Record<string, unknown> = { objectType: 'Agent', ...(name ? { name } : {}) };
  if (kind === 'mbox' || kind === 'mbox_sha1sum' || kind === 'openid') return { ...base, [kind]: value };
  if (kind === 'account') {
    const bar = value.indexOf('|');
    if (bar < 0) return undefined;
    const homePage = value.slice(0, bar).replace(/%7C/g, '|').replace(/%25/g, '%');
    return { ...base, account: { homePage, name: value.slice(bar + 1) } };
  }
  return undefined;
}

export interface WriteBackDeps {
  statements: StoreStatementsService;
  ledger: WritebacksRepository;
  learners: LearnersRepository;
  logger?: Logger;
}

/** A validation (leaf state or roll-up standing) to announce. */
export interface ValidatedEvent {
  store: string;
  learnerId: string;
  framework: Framework;
  competency: Competency;
  /** A leaf's state, or a parent's roll-up standing. */
  state: CompetencyState | CompetencyStanding;
  evidence: Array<{ statementId: string; observedAt: number }>;
  /** This is the n-th validation announced for the cell (1 for the first). */
  ordinal: number;
}

export interface ExpiredEvent {
  store: string;
  learnerId: string;
  framework: Framework;
  competency: Competency;
  levelId: string | null;
  validatedAt: number | null;
  validUntil: number;
}

/**
 * A statement to write back, complete but for its actor (resolved from the learner when it is
 * stored, so a relink in between is honoured). Plain JSON: it is the data of a write-back job.
 */
export interface Announcement {
  /** The statement id (see {@link writebackStatementId}). */
  id: string;
  kind: 'validated' | 'expired';
  store: string;
  learnerId: string;
  frameworkId: string;
  competencyId: string;
  /** Epoch ms of the event: the statement's timestamp. */
  at: number;
  statement: Record<string, unknown>;
}

/** The `asserted` statement of the `ordinal`-th validation of a cell; null if the state is not validated. */
export function validatedAnnouncement(e: ValidatedEvent): Announcement | null {
  const { state, competency, framework } = e;
  const at = state.validatedAt;
  if (!state.validated || at === null) return null;
  const key = { store: e.store, learnerId: e.learnerId, frameworkId: framework.id, competencyId: competency.id };
  const id = writebackStatementId({ ...key, kind: 'validated', ordinal: e.ordinal });
  const refs = [...new Map([...e.evidence].sort((a, b) => b.observedAt - a.observedAt).map((x) => [x.statementId, x] as const)).keys()].slice(0, MAX_EVIDENCE_REFS);
  return {
    ...key, id, kind: 'validated', at,
    statement: {
      id,
      verb: { id: VERB_ASSERTED, display: { 'en-US': 'asserted' } },
      object: competencyActivity(framework, competency),
      context: {
        contextActivities: contextActivities(framework),
        extensions: {
          [EXT_TLA_EVIDENCE]: refs.map((statementId) => ({ objectType: 'StatementRef', id: statementId })),
          [EXT_TLA_CONFIDENCE]: round(confidence(competency, state)),
          [EXTENSIONS.score]: state.score === null ? null : round(state.score),
          [EXTENSIONS.interval]: state.interval === null ? null : state.interval.map(round),
          [EXTENSIONS.evidenceCount]: 'evidenceCount' in state ? state.evidenceCount : e.evidence.length,
          [EXTENSIONS.level]: state.validatedLevel,
          [EXTENSIONS.validUntil]: state.validUntil === null ? null : new Date(state.validUntil).toISOString(),
          [EXTENSIONS.framework]: { id: framework.id, version: framework.version },
        },
      },
      timestamp: new Date(at).toISOString(),
    },
  };
}

/** The `expired` statement of a validation that ran out. */
export function expiredAnnouncement(e: ExpiredEvent): Announcement {
  const { framework, competency } = e;
  const key = { store: e.store, learnerId: e.learnerId, frameworkId: framework.id, competencyId: competency.id };
  const id = writebackStatementId({ ...key, kind: 'expired', at: e.validUntil });
  return {
    ...key, id, kind: 'expired', at: e.validUntil,
    statement: {
      id,
      verb: { id: VERB_EXPIRED, display: { 'en-US': 'expired' } },
      object: competencyActivity(framework, competency),
      context: {
        contextActivities: contextActivities(framework),
        extensions: {
          [EXTENSIONS.level]: e.levelId,
          [EXTENSIONS.validatedAt]: e.validatedAt === null ? null : new Date(e.validatedAt).toISOString(),
          [EXTENSIONS.validUntil]: new Date(e.validUntil).toISOString(),
          [EXTENSIONS.framework]: { id: framework.id, version: framework.version },
        },
      },
      timestamp: new Date(e.validUntil).toISOString(),
    },
  };
}

/**
 * Stores announcements through the statements use case (as the system principal of the store),
 * once: the ledger is checked first, and the id is the event's, so a retry or a second writer of
 * the same event ends with one statement. Returns the id, or null when nothing was written.
 */
export function writeBack(deps: WriteBackDeps) {
  return async function storeAnnouncement(a: Announcement): Promise<string | null> {
    if (await deps.ledger.has(a.store, a.id)) return null;
    const learner = await deps.learners.findById(a.store, a.learnerId);
    const identity = learner?.identities[0];
    const actor = identity === undefined ? undefined : agentFromIfiKey(identity, learner?.attributes.name);
    if (actor === undefined) {
      deps.logger?.warn({ store: a.store, learnerId: a.learnerId }, 'write-back skipped: the learner has no identity an xAPI actor can name');
      return null;
    }
    try {
      await deps.statements.store({ statements: [{ ...a.statement, actor }], principal: systemPrincipal(a.store), line: '2.0', single: true });
    } catch (err) {
      // The same event computed a moment later can differ in decayed figures: the id is the
      // event's identity, so a stored statement with this id means the event is announced.
      if ((err as { code?: string }).code !== 'STATEMENT_CONFLICT') throw err;
    }
    await deps.ledger.record({ store: a.store, statementId: a.id, kind: a.kind, learnerId: a.learnerId, frameworkId: a.frameworkId, competencyId: a.competencyId, at: new Date(a.at), writtenAt: new Date() });
    return a.id;
  };
}
export type WriteBack = ReturnType<typeof writeBack>;

function competencyActivity(framework: Framework, competency: Competency): Record<string, unknown> {
  const definition: Record<string, unknown> = { type: ACTIVITY_TYPE_COMPETENCY, name: { 'en-US': competency.title } };
  if (competency.description) definition.description = { 'en-US': competency.description };
  return { objectType: 'Activity', id: competencyIri(framework.id, competency.id), definition };
}

function contextActivities(framework: Framework): Record<string, unknown> {
  return {
    parent: [{ objectType: 'Activity', id: frameworkIri(framework.id), definition: { name: { 'en-US': framework.title } } }],
    // xAPI Profiles §2.2 (Statement Requirements): name the profile version in category.
    category: [{ objectType: 'Activity', id: TLA_PROFILE, definition: { type: 'http://adlnet.gov/expapi/activities/profile' } }],
  };
}

/**
 * TLA confidence, −1 (surely not mastered) … 1 (surely mastered): 2·P(θ ≥ t) − 1 for a leaf, with
 * t the validated level's threshold and θ the Beta posterior. A roll-up has no posterior of its
 * own; its score (a mean or minimum of children's scores) stands in, mapped the same way.
 */
function confidence(competency: Competency, state: CompetencyState | CompetencyStanding): number {
  const threshold = competency.scale.levels.find((l) => l.id === state.validatedLevel)?.threshold ?? 0;
  if ('alpha' in state) return 2 * (1 - betaCdf(threshold, state.alpha, state.beta)) - 1;
  return 2 * (state.score ?? 0) - 1;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
