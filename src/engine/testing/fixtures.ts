/**
 * Builders for engine tests, simulations and the benchmark. Pure; no test-framework imports, so
 * the benchmark can use them too.
 */
import { DAY_MS } from '../clock';
import type { EvidenceItem } from '../evidence-types';
import type { Competency, Framework } from '../types';

/** 2024-01-01T00:00:00Z, the epoch of test stories. */
export const T0 = Date.UTC(2024, 0, 1);

export const day = (n: number): number => T0 + n * DAY_MS;

/**
 * A competency with three levels (basic 0.4, proficient 0.7, expert 0.9), half-life 180 days,
 * validations valid 365 days with reassessment due 30 days before expiry, and a rule asking for
 * 3 items, 80 % certainty and an observation besides something else.
 */
export function makeCompetency(overrides: Partial<Competency> = {}): Competency {
  return {
    id: 'c1',
    title: 'Handles customer complaints',
    indicators: [
      { id: 'listens', title: 'Listens without interrupting' },
      { id: 'resolves', title: 'Proposes a resolution' },
    ],
    scale: {
      levels: [
        { id: 'basic', threshold: 0.4 },
        { id: 'proficient', threshold: 0.7 },
        { id: 'expert', threshold: 0.9 },
      ],
    },
    validationRule: {
      minEvidence: 3,
      minCertainty: 0.8,
      requiredSourceKinds: ['observation'],
      minDistinctSourceKinds: 2,
    },
    halfLifeDays: 180,
    reassessmentIntervalDays: 365,
    reassessmentLeadDays: 30,
    ...overrides,
  };
}

let counter = 0;

/** An evidence item for learner `l1`, competency `c1`; a fresh statement id unless given. */
export function makeItem(overrides: Partial<EvidenceItem> = {}): EvidenceItem {
  counter += 1;
  const observedAt = overrides.observedAt ?? T0;
  return {
    statementId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    learnerId: 'l1',
    competencyId: 'c1',
    sourceKind: 'knowledge-check',
    value: 1,
    weight: 1,
    observedAt,
    storedAt: observedAt,
    ruleId: 'r1',
    frameworkVersion: '1',
    ...overrides,
  };
}

/** An observation by an instructor. */
export function makeObservation(overrides: Partial<EvidenceItem> = {}): EvidenceItem {
  return makeItem({
    sourceKind: 'observation',
    assessor: { source: 'instructor', ifi: 'mbox:mailto:manager@example.com' },
    ruleId: 'r-observation',
    ...overrides,
  });
}

/** A small framework: one role needing c1 (proficient) and its parent p1 rolling up c1, c2. */
export function makeFramework(overrides: Partial<Framework> = {}): Framework {
  return {
    id: 'https://example.com/frameworks/service',
    version: '1',
    title: 'Customer service',
    roles: [{ id: 'agent', title: 'Service agent', requirements: [{ competencyId: 'c1', targetLevel: 'proficient' }] }],
    competencies: [
      makeCompetency({ id: 'p1', title: 'Service', rollup: { mode: 'all-children' } }),
      makeCompetency({ id: 'c1', parentId: 'p1' }),
      makeCompetency({ id: 'c2', title: 'Explains policies', parentId: 'p1', prerequisites: ['c1'] }),
    ],
    ...overrides,
  };
}
