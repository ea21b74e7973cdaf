import { AppError } from '../errors/app-error';
import type { Principal } from '../auth/auth.service';
import type { XapiLine } from '../xapi/xapi-version';
import type { ValidationProblem } from '../xapi/validation-problem';
import { validateStatement } from './validation/validate-statement';
import { statementsEquivalent } from './model/statement-equivalence';
import { agentIfiKey, indexFieldsOf } from './model/statement-index-fields';
import type { Statement } from './model/statement-types';
import { prepareStatement, statementRefOf, voidedTargetOf } from './prepare-statement';
import { attachmentProblems, attachmentsOf } from '../attachments/statement-attachments';
import { INHERITED_FIELDS, type StatementDoc } from './statement-doc';
import { isDuplicateKeyError, type StatementHead, type StatementsRepository } from './statements.repository';
import type { ConsistencyTracker } from './consistency';
import type { Logger } from 'pino';

/**
 * Called with newly stored statements (id, and the hex `_id` of the document); must not throw (it
 * runs after the acknowledgement matters).
 */
export type OnStored = (store: string, statements: Array<{ id: string; oid: string }>) => void;

/**
 * Derived records kept from newly stored statements (canonical activities, known agents). Awaited
 * before the answer, but a failure is logged, never answered: the statements are stored.
 */
export type AfterInsert = (input: {
  store: string;
  statements: Statement[];
  principal: Principal;
  /** When they were stored (epoch ms; one instant for the whole batch). */
  stored: number;
  /** Ids (lower case) of the statements that were stored already voided (their voiding statement came first). */
  voided: ReadonlySet<string>;
}) => Promise<void>;

export interface StoreStatementsDeps {
  repo: StatementsRepository;
  consistency: ConsistencyTracker;
  onStored?: OnStored;
  afterInsert?: AfterInsert;
  /**
   * Whether statements this caller stores are for scoring (marked `toScore` and handed to
   * `onStored`); all are by default. The competency pipeline's own write-back statements are not.
   */
  toScore?: (principal: Principal) => boolean;
  logger?: Logger;
}

type Inherited = Partial<Record<typeof INHERITED_FIELDS[number], string[]>>;

/** Input of the write use case. */
export interface StoreInput {
  statements: unknown[];
  principal: Principal;
  line: XapiLine;
  /** The body was one statement object (problem paths then start at the statement). */
  single: boolean;
  /**
   * sha2 (lower-case) of every attachment part that arrived with a multipart/mixed request, whose
   * content is stored; absent for an application/json request.
   */
  contentShas?: ReadonlySet<string>;
}

/**
 * The write use case behind PUT and POST /statements: validate every statement, refuse the whole
 * batch on any problem, keep stored statements immutable (same id + equivalent content is a no-op,
 * different content is 409), apply voiding, and store the rest in one ordered insert.
 */
export function storeStatementsService(deps: StoreStatementsDeps) {
  /**
   * Every problem of the statements themselves, by the rules of `line`. Attachment content is
   * checked separately ({@link attachmentProblems}) once the parts of a request are known.
   */
  function check(input: { statements: unknown[]; line: XapiLine; single: boolean }): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    input.statements.forEach((s, i) => {
      const path = input.single ? undefined : `statements[${i}]`;
      problems.push(...validateStatement(s, { line: input.line, path }));
    });
    return problems;
  }

  async function store(input: StoreInput): Promise<string[]> {
    return (await storeBatch(input)).ids;
  }

  /** Like {@link store}, also telling which statements were new (the others were already stored, unchanged). */
  async function storeBatch(input: StoreInput): Promise<{ ids: string[]; inserted: Statement[] }> {
    const { statements, principal, line } = input;
    const problems = check(input);
    const received = input.contentShas ?? new Set<string>();
    problems.push(...attachmentProblems(attachmentsOf(statements, input.single), received, input.contentShas !== undefined));
    if (problems.length > 0) throw AppError.fromProblems('INVALID_STATEMENT', problems);
    if (statements.length === 0) throw new AppError('INVALID_STATEMENT', 'The request holds no statement');

    const { stored, token } = deps.consistency.begin();
    try {
      const storedIso = new Date(stored).toISOString();
      const prepared = (statements as Statement[]).map((s) => prepareStatement(s, { line, stored: storedIso, authority: principal.authority }));
      // xAPI 1.0.3 Communication §2.1.2: a batch with two statements of the same id is rejected.
      const seen = new Map<string, number>();
      prepared.forEach((s, i) => {
        const id = s.id as string;
        if (seen.has(id)) throw new AppError('BAD_REQUEST', `statements[${i}].id: ${id} is also the id of statements[${seen.get(id)}] in this batch`);
        seen.set(id, i);
      });
      // Ids the client chose may already be stored or referenced; ids this LRS just generated
      // (random UUIDs) cannot be, so only the former need the lookups before the insert.
      const clientIds = (statements as Statement[]).map((s, i) => (typeof s.id === 'string' ? prepared[i]!.id as string : undefined))
        .filter((id): id is string => id !== undefined);
      let inserted: Statement[];
      for (let attempt = 0; ; attempt++) {
        try {
          // Optimistic first: a client-chosen id is almost always new, so the insert itself (on the
          // unique key) is the check. Only when it finds one stored are the stored ones read and compared.
          inserted = await insertNew({ principal, prepared, clientIds, checkStored: attempt > 0, line, stored, contentShas: received });
          break;
        } catch (err) {
          // One of these ids is stored (or another request stored it since our last check): check (again).
          if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
        }
      }
      return { ids: prepared.map((s) => s.id as string), inserted };
    } finally {
      deps.consistency.end(token);
    }
  }

  async function insertNew(input: { principal: Principal; prepared: Statement[]; clientIds: string[]; checkStored: boolean; line: XapiLine; stored: number; contentShas: ReadonlySet<string> }): Promise<Statement[]> {
    const { principal, prepared, line, stored } = input;
    const store = principal.store;
    const refTargets = [...new Set(prepared.map(statementRefOf).filter((x): x is string => x !== undefined))];
    // Each lookup answers [] without a round trip for an empty list.
    const [existing, referrers, targets] = await Promise.all([
      input.checkStored ? deps.repo.findByIds(store, input.clientIds) : Promise.resolve([]),
      deps.repo.findReferrers(store, input.clientIds),
      deps.repo.findByIds(store, refTargets),
    ]);
    const existingById = new Map(existing.map((e) => [e.id, e]));
    const fresh: Statement[] = [];
    prepared.forEach((s, i) => {
      const old = existingById.get(s.id as string);
      if (!old) return void fresh.push(s);
      // xAPI 1.0.3 Communication §2.1.1/§2.1.2: same id, equivalent statement → no change; otherwise 409.
      if (!statementsEquivalent(JSON.parse(old.json) as Statement, s)) {
        throw new AppError('STATEMENT_CONFLICT', `${prepared.length > 1 ? `statements[${i}]` : 'statement'}: a different statement with id ${String(s.id)} is already stored`);
      }
    });
    if (fresh.length === 0) return fresh;

    const targetById = new Map<string, StatementHead>(targets.map((t) => [t.id, t]));
    const toScore = deps.toScore?.(principal) ?? true;
    const docs = fresh.map((s) => toDoc({ store, s, line, stored, contentShas: input.contentShas, toScore }));
    const docById = new Map(docs.map((d) => [d.id, d]));
    // A voiding statement stored before its target: the target arrives voided.
    for (const r of referrers) {
      if (r.voidsId !== undefined && !r.voided) {
        const d = docById.get(r.voidsId);
        if (d && d.voidsId === undefined) d.voided = true;
      }
    }
    // Voiding within the batch, and inherited query fields of StatementRef targets (stored or in this batch).
    for (const d of docs) {
      if (d.voidsId !== undefined) {
        const inBatch = docById.get(d.voidsId);
        if (inBatch && inBatch.voidsId === undefined) inBatch.voided = true;
      }
      const target = d.refId !== undefined ? (docById.get(d.refId) ?? targetById.get(d.refId)) : undefined;
      if (target) mergeInherited(d, target);
    }
    await deps.repo.recordRefs(store, docs.flatMap((d) => (d.refId === undefined ? [] : [{ id: d.id, refId: d.refId, voiding: d.voidsId !== undefined }])));
    const oids = await deps.repo.insertBatch(docs);

    const voidTargets = docs.map((d) => d.voidsId).filter((id): id is string => id !== undefined && !docById.has(id));
    await deps.repo.markVoided(store, voidTargets);
    // Statements stored earlier that reference the new ones now match the new ones' filters too.
    const byTarget = new Map<string, string[]>();
    for (const r of referrers) if (r.refId) byTarget.set(r.refId, [...(byTarget.get(r.refId) ?? []), r.id]);
    for (const [targetId, referrerIds] of byTarget) {
      const d = docById.get(targetId);
      if (d) await deps.repo.inherit(store, referrerIds, pickInherited(d));
    }
    if (deps.afterInsert) {
      try {
        await deps.afterInsert({ store, statements: fresh, principal, stored, voided: new Set(docs.filter((d) => d.voided).map((d) => d.id.toLowerCase())) });
      } catch (err) {
        deps.logger?.error({ err, store }, 'statements stored, but updating activities/agents from them failed');
      }
    }
    if (toScore) deps.onStored?.(store, oids.map((oid, i) => ({ id: (docs[i] as StatementDoc).id, oid: oid.toHexString() })));
    return fresh;
  }

  return { check, store, storeBatch };
}
export type StoreStatementsService = ReturnType<typeof storeStatementsService>;

function toDoc(input: { store: string; s: Statement; line: XapiLine; stored: number; contentShas: ReadonlySet<string>; toScore: boolean }): StatementDoc {
  const { store, s, line, stored } = input;
  const f = indexFieldsOf(s, { line });
  const voidsId = voidedTargetOf(s);
  const refId = statementRefOf(s);
  const doc: StatementDoc = {
    store,
    id: s.id as string,
    stored: new Date(stored),
    timestamp: new Date(typeof s.timestamp === 'string' ? Date.parse(s.timestamp) || stored : stored),
    voided: false,
    line,
    verbIds: [f.verbId],
    authorityKey: agentIfiKey(s.authority) ?? '',
    agents: f.agents,
    relatedAgents: f.relatedAgents,
    activities: f.activities,
    relatedActivities: f.relatedActivities,
    registrations: f.registrations,
    json: JSON.stringify(s),
    toScore: input.toScore,
  };
  if (refId !== undefined) doc.refId = refId;
  if (voidsId !== undefined) doc.voidsId = voidsId;
  // Attachments whose content arrived with the statement: GET ?attachments=true returns those.
  const shas = [...new Set(attachmentsOf([s], true).map((a) => a.sha2).filter((sha) => input.contentShas.has(sha)))];
  if (shas.length > 0) doc.attachmentShas = shas;
  return doc;
}

function pickInherited(d: Inherited): Inherited {
  const out: Inherited = {};
  for (const k of INHERITED_FIELDS) out[k] = d[k] ?? [];
  return out;
}

function mergeInherited(d: StatementDoc, target: Inherited): void {
  for (const k of INHERITED_FIELDS) {
    const extra = target[k];
    if (extra && extra.length > 0) d[k] = [...new Set([...d[k], ...extra])];
  }
}
