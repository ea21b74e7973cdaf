import { AppError } from '../../errors/app-error';
import type { LearnerDoc, LearnersRepository } from '../../competency/learners.repository';
import type { ValidationProblem } from '../../xapi/validation-problem';
import { agentOfIfiKey } from '../shared/agents';
import { parseLearnerBody, type LearnerInput } from './learner-input';
import { parseLearnersCsv } from './learners-csv';

/**
 * Moves the evidence of the implicit learners holding these identities to the learner and
 * recomputes its states (the scoring pipeline's `relinkLearner`).
 */
export type RelinkLearner = (input: { store: string; learnerId: string; identities: string[] }) => Promise<void>;

export interface LearnersServiceDeps {
  learners: LearnersRepository;
  relink: RelinkLearner;
  now?: () => Date;
}

/** A learner as /api shows it: identities as xAPI Agents, attributes at the top level. */
export interface LearnerView {
  learnerId: string;
  identities: Record<string, unknown>[];
  name?: string;
  role?: string;
  team?: string;
  manager?: string;
  cohort?: string;
  startDate?: string;
  roleAssignedAt?: string;
  /** True for a person the LRS created for statements about an agent no learner claimed. */
  implicit: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type LearnerFilter = { role?: string; team?: string; cohort?: string; manager?: string };

export function learnerView(d: LearnerDoc): LearnerView {
  return {
    learnerId: d.learnerId,
    identities: d.identities.map((k) => agentOfIfiKey(k) ?? { ifi: k }),
    ...d.attributes,
    implicit: d.implicit,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/**
 * Learners: set by JSON or CSV, each identity claimed by one learner only. Saving a learner
 * absorbs the implicit learners the LRS made for its identities and moves their evidence over
 * (`relink`), so statements sent before the learner was known count for them.
 */
export function learnersService(deps: LearnersServiceDeps) {
  const now = deps.now ?? (() => new Date());

  /** Identities that explicit learners other than the one saved already hold. */
  async function conflicts(store: string, inputs: LearnerInput[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const wanted = new Map<string, string>();
    for (const i of inputs) for (const key of i.identities) wanted.set(key, i.learnerId);
    for (const doc of await deps.learners.findExplicitByIdentities(store, [...wanted.keys()])) {
      for (const key of doc.identities) {
        const claimant = wanted.get(key);
        if (claimant !== undefined && claimant !== doc.learnerId) owners.set(key, doc.learnerId);
      }
    }
    return owners;
  }

  async function save(store: string, input: LearnerInput): Promise<boolean> {
    const before = await deps.learners.findById(store, input.learnerId);
    for (let attempt = 0; ; attempt++) {
      // The unique (store, identity) index refuses the claim while an implicit learner holds the
      // identity; a statement may create one again between the two calls, hence the retry.
      await deps.learners.absorbImplicit(store, input.identities, input.learnerId);
      try {
        await deps.learners.upsert(store, input, now());
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000 || attempt >= 4) throw err;
        const owners = await conflicts(store, [input]);
        if (owners.size > 0) throw identityConflict(owners);
      }
    }
    await deps.relink({ store, learnerId: input.learnerId, identities: input.identities });
    return before === null || before.implicit;
  }

  return {
    /** Creates or replaces a learner; returns it and whether it was new. */
    async put(store: string, learnerId: string, body: unknown): Promise<{ learner: LearnerView; created: boolean }> {
      const { input, problems } = parseLearnerBody(body, { learnerId });
      if (!input) throw AppError.fromProblems('BAD_REQUEST', problems);
      if (learnerId.startsWith('implicit:')) throw new AppError('BAD_REQUEST', 'learnerId: ids starting with "implicit:" are reserved for learners the LRS creates');
      const owners = await conflicts(store, [input]);
      if (owners.size > 0) throw identityConflict(owners);
      const created = await save(store, input);
      return { learner: learnerView((await deps.learners.findById(store, learnerId))!), created };
    },

    async get(store: string, learnerId: string): Promise<LearnerView> {
      const doc = await deps.learners.findById(store, learnerId);
      if (!doc) throw new AppError('NOT_FOUND', `No learner "${learnerId}" in this store`);
      return learnerView(doc);
    },

    /** One page of learners (ordered by id) matching every given attribute. */
    async list(store: string, filter: LearnerFilter, limit: number, after?: string): Promise<{ learners: LearnerView[]; last?: string }> {
      const docs = await deps.learners.list(store, filter, limit + 1, after);
      const page = docs.slice(0, limit);
      return { learners: page.map(learnerView), last: docs.length > limit ? page[page.length - 1]?.learnerId : undefined };
    },

    /**
     * Imports a CSV of learners: every row is checked (and every identity against the learners
     * already stored) before the first is saved, so a file with any problem saves nothing.
     */
    async importCsv(store: string, text: string): Promise<{ imported: number; created: number; updated: number }> {
      const { learners, origins, problems } = parseLearnersCsv(text);
      if (problems.length > 0) throw AppError.fromProblems('BAD_REQUEST', problems);
      const owners = await conflicts(store, learners);
      if (owners.size > 0) {
        const rowProblems: ValidationProblem[] = [];
        learners.forEach((l, i) => {
          l.identities.forEach((key, k) => {
            const owner = owners.get(key);
            const origin = origins[i];
            if (owner !== undefined && origin) rowProblems.push({ path: `row ${origin.row}, column ${origin.identityColumns[k] ?? 'identity'}`, message: `${key} already belongs to learner ${JSON.stringify(owner)}` });
          });
        });
        throw AppError.fromProblems('BAD_REQUEST', rowProblems);
      }
      let created = 0;
      // One after the other: rows are few compared with statements, and each relinks evidence.
      for (const learner of learners) if (await save(store, learner)) created++;
      return { imported: learners.length, created, updated: learners.length - created };
    },
  };
}
export type LearnersService = ReturnType<typeof learnersService>;

function identityConflict(owners: Map<string, string>): AppError {
  const problems = [...owners].map(([key, owner]) => ({ path: 'identities', message: `${key} already belongs to learner ${JSON.stringify(owner)}` }));
  return new AppError('IDENTITY_CONFLICT', problems.map((p) => p.message).join('; '), { problems });
}
