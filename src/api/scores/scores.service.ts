import { AppError } from '../../errors/app-error';
import {
  explainState,
  mayStart,
  maySkip,
  projectState,
  rollupCompetency,
  timeToCompetency,
  type Competency,
  type CompetencyState,
  type Decision,
  type Framework,
} from '../../engine';
import type { DefinitionsRepository } from '../../competency/definitions.repository';
import type { EvidenceRepository } from '../../competency/evidence.repository';
import type { GenerationsRepository } from '../../competency/generations.repository';
import type { LearnerDoc, LearnersRepository } from '../../competency/learners.repository';
import type { StatesRepository } from '../../competency/states.repository';
import { standingView, stateView, timeToCompetencyView, trailLine } from './score-views';

export interface ScoresServiceDeps {
  definitions: DefinitionsRepository;
  learners: LearnersRepository;
  evidence: EvidenceRepository;
  states: StatesRepository;
  generations: GenerationsRepository;
  now?: () => number;
}

type CompetencyEntry = ReturnType<typeof stateView> | ReturnType<typeof standingView>;

/**
 * Read side of scoring: a learner's states (projected to now, so decay and expiry show without
 * new evidence), roll-ups, the evidence trail of one competency, time-to-competency and the
 * start/skip decisions. Reads the store's active scoring generation, so a rebuild in progress is
 * never half-visible.
 */
export function scoresService(deps: ScoresServiceDeps) {
  const now = deps.now ?? Date.now;

  async function learner(store: string, learnerId: string): Promise<LearnerDoc> {
    const doc = await deps.learners.findById(store, learnerId);
    if (!doc) throw new AppError('NOT_FOUND', `No learner "${learnerId}" in this store`);
    return doc;
  }

  async function framework(store: string, frameworkId: string): Promise<{ framework: Framework; version: number }> {
    const found = await deps.definitions.currentFramework(store, frameworkId);
    if (!found) throw new AppError('NOT_FOUND', `No framework "${frameworkId}" in this store`);
    return found;
  }

  function competencyOf(fw: Framework, competencyId: string): Competency {
    const c = fw.competencies.find((x) => x.id === competencyId);
    if (!c) throw new AppError('NOT_FOUND', `Framework "${fw.id}" has no competency "${competencyId}"`);
    return c;
  }

  /** The learner's states in one framework, by competency id, projected to `at`. */
  async function statesOf(store: string, learnerId: string, fw: Framework, at: number) {
    const { active } = await deps.generations.get(store);
    const byId = new Map(fw.competencies.map((c) => [c.id, c] as const));
    const docs = await deps.states.forLearner(store, active, learnerId, fw.id);
    const states = new Map<string, CompetencyState>();
    const versions = new Map<string, number>();
    for (const d of docs) {
      const c = byId.get(d.competencyId);
      states.set(d.competencyId, c ? projectState({ competency: c, state: d, now: at }) : d);
      versions.set(d.competencyId, d.frameworkVersion);
    }
    return { states, versions, generation: active };
  }

  function entries(fw: Framework, version: number, states: Map<string, CompetencyState>, versions: Map<string, number>, at: number): CompetencyEntry[] {
    const out: CompetencyEntry[] = [];
    for (const [competencyId, s] of states) {
      const competency = fw.competencies.find((c) => c.id === competencyId);
      out.push(stateView({ frameworkId: fw.id, frameworkVersion: versions.get(competencyId) ?? version, competency, competencyId }, s));
    }
    // Parents with a roll-up rule are computed from their children, shown when any child has evidence.
    for (const parent of fw.competencies.filter((c) => c.rollup !== undefined)) {
      const standing = rollupCompetency({ framework: fw, states, competencyId: parent.id, now: at });
      if (standing.score !== null) out.push(standingView({ frameworkId: fw.id, frameworkVersion: version, competency: parent, competencyId: parent.id }, standing));
    }
    return out.sort((a, b) => (a.competencyId < b.competencyId ? -1 : a.competencyId > b.competencyId ? 1 : 0));
  }

  async function decide(kind: 'start' | 'skip', store: string, learnerId: string, q: { framework: string; competency: string; level?: string }): Promise<Decision & { learnerId: string; frameworkId: string; competencyId: string; decidedAt: string }> {
    await learner(store, learnerId);
    const { framework: fw } = await framework(store, q.framework);
    const competency = competencyOf(fw, q.competency);
    if (q.level !== undefined && !competency.scale.levels.some((l) => l.id === q.level)) {
      throw new AppError('INVALID_PARAMETER', `level: "${q.level}" is not a level of "${competency.id}" (levels: ${competency.scale.levels.map((l) => l.id).join(', ')})`);
    }
    const at = now();
    const { states } = await statesOf(store, learnerId, fw, at);
    const input = { framework: fw, states, competencyId: competency.id, now: at };
    const decision = kind === 'start' ? mayStart(input) : maySkip({ ...input, levelId: q.level });
    return { learnerId, frameworkId: fw.id, competencyId: competency.id, decidedAt: new Date(at).toISOString(), ...decision };
  }

  return {
    /** Every scored competency of a learner (in one framework, or in all). */
    async competencies(store: string, learnerId: string, frameworkId?: string) {
      await learner(store, learnerId);
      const frameworks = frameworkId !== undefined
        ? [await framework(store, frameworkId)]
        : (await deps.definitions.scoringSet(store)).map((s) => ({ framework: s.framework, version: s.frameworkVersion }));
      const at = now();
      const competencies: CompetencyEntry[] = [];
      for (const { framework: fw, version } of frameworks) {
        const { states, versions } = await statesOf(store, learnerId, fw, at);
        competencies.push(...entries(fw, version, states, versions, at));
      }
      return { learnerId, asOf: new Date(at).toISOString(), competencies };
    },

    /** One competency with its evidence trail (retracted evidence shown as retracted) and time-to-competency. */
    async competency(store: string, learnerId: string, frameworkId: string, competencyId: string) {
      const doc = await learner(store, learnerId);
      const { framework: fw, version } = await framework(store, frameworkId);
      const competency = competencyOf(fw, competencyId);
      const at = now();
      const { states, versions, generation } = await statesOf(store, learnerId, fw, at);
      const base = { learnerId, frameworkId, frameworkVersion: version, asOf: new Date(at).toISOString() };
      if (competency.rollup !== undefined) {
        const standing = rollupCompetency({ framework: fw, states, competencyId, now: at });
        return {
          ...base,
          state: standingView({ frameworkId, frameworkVersion: version, competency, competencyId }, standing),
          evidence: [],
          note: 'a roll-up competency has no evidence of its own; see its children',
          timeToCompetency: roleTarget(doc, fw, competency, null),
        };
      }
      const trail = await deps.evidence.trail(store, generation, { learnerId, frameworkId, competencyId });
      const live = trail.filter((e) => e.retractedAt === undefined);
      const explanation = explainState({ competency, learnerId, evidence: live, now: at });
      const lines = [
        ...explanation.items.map((e) => trailLine(e.item, 'counted', { explanation: e })),
        ...explanation.excluded.map((x) => trailLine(x.item, x.reason.includes('more than once') ? 'duplicate' : 'not-yet-observed', { reason: x.reason })),
        ...trail.filter((e) => e.retractedAt !== undefined).map((e) => trailLine(e, 'retracted', { reason: e.retractedBy ? `retracted: ${e.retractedBy}` : 'retracted' })),
      ].sort((a, b) => ((a.observedAt ?? '') < (b.observedAt ?? '') ? -1 : (a.observedAt ?? '') > (b.observedAt ?? '') ? 1 : 0));
      return {
        ...base,
        state: stateView({ frameworkId, frameworkVersion: versions.get(competencyId) ?? version, competency, competencyId }, explanation.state),
        prior: explanation.prior,
        evidence: lines,
        timeToCompetency: roleTarget(doc, fw, competency, { evidence: live, now: at }),
      };
    },

    /**
     * The learner's standing on one competency now (a leaf's projected state or a parent's
     * roll-up), with the definitions it was judged by: what a badge is issued from.
     */
    async standing(store: string, learnerId: string, frameworkId: string, competencyId: string) {
      const doc = await learner(store, learnerId);
      const { framework: fw, version } = await framework(store, frameworkId);
      const competency = competencyOf(fw, competencyId);
      const at = now();
      const { states } = await statesOf(store, learnerId, fw, at);
      return { learner: doc, framework: fw, frameworkVersion: version, competency, standing: rollupCompetency({ framework: fw, states, competencyId, now: at }), at };
    },

    mayStart: (store: string, learnerId: string, q: { framework: string; competency: string }) => decide('start', store, learnerId, q),
    maySkip: (store: string, learnerId: string, q: { framework: string; competency: string; level?: string }) => decide('skip', store, learnerId, q),
  };
}
export type ScoresService = ReturnType<typeof scoresService>;

/**
 * Time-to-competency for the target level the learner's role asks of this competency, from the
 * role assignment (or the first evidence). `applicable: false` says why there is none.
 */
function roleTarget(learner: LearnerDoc, fw: Framework, competency: Competency, replay: { evidence: Parameters<typeof timeToCompetency>[0]['evidence']; now: number } | null) {
  const roleId = learner.attributes.role;
  if (roleId === undefined) return { applicable: false, reason: 'the learner has no role' };
  const role = fw.roles.find((r) => r.id === roleId);
  if (!role) return { applicable: false, reason: `role "${roleId}" is not a role of framework "${fw.id}"` };
  const requirement = role.requirements.find((q) => q.competencyId === competency.id);
  if (!requirement) return { applicable: false, reason: `role "${roleId}" does not require "${competency.id}"` };
  if (replay === null) return { applicable: false, roleId, targetLevel: requirement.targetLevel, reason: 'time-to-competency is measured on competencies scored from their own evidence' };
  const assignedAt = learner.attributes.roleAssignedAt !== undefined ? Date.parse(learner.attributes.roleAssignedAt) : NaN;
  const t = timeToCompetency({
    competency,
    learnerId: learner.learnerId,
    evidence: replay.evidence,
    targetLevel: requirement.targetLevel,
    assignedAt: Number.isNaN(assignedAt) ? null : assignedAt,
    now: replay.now,
  });
  return { applicable: true, roleId, targetLevel: requirement.targetLevel, ...timeToCompetencyView(t) };
}
