/**
 * A simulated cohort: learners with a known true proficiency θ produce quiz results, scenario
 * choices and manager observations as xAPI statements; the statements go through the mapping
 * rules and the scorer; the engine's verdict is compared with the truth. Seeded, so every run
 * gives the same cohort.
 */
import { DAY_MS } from '../clock';
import type { EvidenceItem } from '../evidence-types';
import { evidenceFromStatement } from '../map-statement';
import { computeState } from '../score';
import type { StatementLike } from '../statement-shape';
import type { Framework, MappingRule } from '../types';
import { mulberry32, type Prng } from './prng';

const T0 = Date.UTC(2024, 0, 1);
const ANSWERED = 'http://adlnet.gov/expapi/verbs/answered';
const PASSED = 'http://adlnet.gov/expapi/verbs/passed';
const OBSERVED = 'https://example.com/verbs/observed';
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
const SCENARIO = 'https://example.com/scenarios/complaints';
const COMPETENCY = 'https://example.com/competencies/handles-complaints';

export const SIMULATION_FRAMEWORK: Framework = {
  id: 'https://example.com/frameworks/service',
  version: '1',
  title: 'Customer service',
  roles: [{ id: 'agent', title: 'Service agent', requirements: [{ competencyId: COMPETENCY, targetLevel: 'proficient' }] }],
  competencies: [
    {
      id: COMPETENCY,
      title: 'Handles customer complaints',
      scale: {
        levels: [
          { id: 'basic', threshold: 0.4 },
          { id: 'proficient', threshold: 0.7 },
          { id: 'expert', threshold: 0.9 },
        ],
      },
      validationRule: { minEvidence: 5, minCertainty: 0.8, requiredSourceKinds: ['observation'], minDistinctSourceKinds: 2 },
      halfLifeDays: 180,
      reassessmentIntervalDays: 365,
    },
  ],
};

export const SIMULATION_RULES: MappingRule[] = [
  {
    id: 'quiz',
    match: { verbIds: [PASSED, 'http://adlnet.gov/expapi/verbs/failed'], templateIds: [CMI5] },
    produce: [{ competencyId: COMPETENCY, sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }],
  },
  {
    id: 'scenario',
    match: { verbIds: [ANSWERED], interactionTypes: ['choice'], contextActivityIds: { parent: [SCENARIO] } },
    produce: [
      { competencyId: COMPETENCY, sourceKind: 'scenario', value: { from: 'choice-table', table: { acknowledge: 1, deflect: 0.3, argue: 0 } } },
    ],
  },
  {
    id: 'observation',
    match: { verbIds: [OBSERVED] },
    produce: [{ competencyId: COMPETENCY, sourceKind: 'observation', value: { from: 'score.scaled' } }],
  },
];

/** How much each simulated learner does. */
export interface CohortDesign {
  learners: number;
  quizzes: number;
  /** Questions per quiz; the scaled score is the share answered correctly. */
  questionsPerQuiz: number;
  scenarioDecisions: number;
  observations: number;
  /** Days over which a learner's activity spreads. */
  days: number;
  seed: number;
}

export const DEFAULT_COHORT: CohortDesign = {
  learners: 400,
  quizzes: 6,
  questionsPerQuiz: 10,
  scenarioDecisions: 12,
  observations: 3,
  days: 90,
  seed: 20240101,
};

export interface CohortOutcome {
  learners: number;
  /** Share where "validated at ≥ proficient" equals "θ ≥ 0.7". */
  validatedAgreement: number;
  /** Share where the estimated level (posterior mean) is on the same side of 0.7 as θ. */
  levelAgreement: number;
  /** Validated agreement among learners with |θ − 0.7| ≥ 0.1 (the clear cases). */
  clearCaseAgreement: number;
  /** Validated but θ < 0.7 (the costly mistake): count. */
  falsePositives: number;
  /** Competent (θ ≥ 0.7) but not validated: count. */
  falseNegatives: number;
  /** Evidence items produced (and scored). */
  evidenceItems: number;
}

function statementsFor(rng: Prng, learner: number, theta: number, design: CohortDesign): StatementLike[] {
  const actor = { objectType: 'Agent', account: { homePage: 'https://hr.example.com', name: `learner-${learner}` } };
  const manager = { objectType: 'Agent', mbox: `mailto:manager-${learner % 7}@example.com` };
  const out: StatementLike[] = [];
  const at = () => new Date(T0 + rng.next() * design.days * DAY_MS).toISOString();
  const add = (s: Omit<StatementLike, 'id' | 'actor' | 'stored'>) => {
    const timestamp = s.timestamp ?? at();
    out.push({ ...s, id: `sim-${learner}-${out.length}`, actor, timestamp, stored: timestamp });
  };
  for (let q = 0; q < design.quizzes; q++) {
    let correct = 0;
    for (let k = 0; k < design.questionsPerQuiz; k++) if (rng.chance(theta)) correct++;
    const scaled = correct / design.questionsPerQuiz;
    add({
      verb: { id: scaled >= 0.7 ? PASSED : 'http://adlnet.gov/expapi/verbs/failed' },
      object: { id: `https://example.com/quizzes/${q}` },
      result: { score: { scaled }, success: scaled >= 0.7 },
      context: { contextActivities: { category: [{ id: CMI5 }] } },
    });
  }
  for (let d = 0; d < design.scenarioDecisions; d++) {
    // Acknowledge (1), deflect (0.3) or argue (0), with chances set so that E[value] = θ:
    // P(deflect) = (1 − θ) / 2 and P(acknowledge) = θ − 0.3 · P(deflect).
    const deflect = (1 - theta) / 2;
    const acknowledge = theta - 0.3 * deflect;
    const u = rng.next();
    const choice = u < acknowledge ? 'acknowledge' : u < acknowledge + deflect ? 'deflect' : 'argue';
    add({
      verb: { id: ANSWERED },
      object: { id: `${SCENARIO}/decision-${d}`, definition: { interactionType: 'choice' } },
      result: { response: choice },
      context: { contextActivities: { parent: [{ id: SCENARIO }] } },
    });
  }
  for (let o = 0; o < design.observations; o++) {
    // A manager rates 1–5 with some noise around the truth.
    const rating = Math.min(5, Math.max(1, Math.round(1 + 4 * (theta + 0.1 * rng.normal()))));
    add({
      verb: { id: OBSERVED },
      object: { id: 'https://example.com/workplace/complaint-call' },
      result: { score: { scaled: (rating - 1) / 4 } },
      context: { instructor: manager },
    });
  }
  return out;
}

/** Simulate, score and compare. Learners' θ is uniform on [0.2, 1). */
export function simulateCohort(design: CohortDesign = DEFAULT_COHORT): CohortOutcome {
  const rng = mulberry32(design.seed);
  const competency = SIMULATION_FRAMEWORK.competencies[0];
  if (competency === undefined) throw new Error('simulation framework has no competency');
  const now = T0 + (design.days + 1) * DAY_MS;
  let agree = 0;
  let levelAgree = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let evidenceItems = 0;
  let clear = 0;
  let clearAgree = 0;
  for (let l = 0; l < design.learners; l++) {
    const theta = 0.2 + 0.8 * rng.next();
    const learnerId = `learner-${l}`;
    const evidence: EvidenceItem[] = [];
    for (const statement of statementsFor(rng, l, theta, design)) {
      const r = evidenceFromStatement({ framework: SIMULATION_FRAMEWORK, rules: SIMULATION_RULES, statement, learnerId, now });
      evidence.push(...r.evidence);
    }
    evidenceItems += evidence.length;
    const state = computeState({ competency, learnerId, evidence, now });
    const competent = theta >= 0.7;
    const validated = state.validatedLevel === 'proficient' || state.validatedLevel === 'expert';
    const levelSaysCompetent = state.level === 'proficient' || state.level === 'expert';
    if (validated === competent) agree++;
    if (Math.abs(theta - 0.7) >= 0.1) {
      clear++;
      if (validated === competent) clearAgree++;
    }
    if (levelSaysCompetent === competent) levelAgree++;
    if (validated && !competent) falsePositives++;
    if (!validated && competent) falseNegatives++;
  }
  return {
    learners: design.learners,
    validatedAgreement: agree / design.learners,
    levelAgreement: levelAgree / design.learners,
    clearCaseAgreement: clearAgree / clear,
    falsePositives,
    falseNegatives,
    evidenceItems,
  };
}
