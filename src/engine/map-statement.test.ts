import fc from 'fast-check';
import { evidenceFromStatement } from './map-statement';
import type { StatementLike } from './statement-shape';
import { makeFramework } from './testing/fixtures';
import type { MappingRule } from './types';

const framework = makeFramework();
const NOW = Date.UTC(2024, 5, 1);
const ANSWERED = 'http://adlnet.gov/expapi/verbs/answered';
const OBSERVED = 'https://w3id.org/xapi/tla/verbs/observed';
const SCENARIO = 'https://example.com/scenarios/angry-customer';
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';

const learner = { objectType: 'Agent', mbox: 'mailto:learner@example.com' };
const manager = { objectType: 'Agent', name: 'Mia Manager', mbox: 'mailto:manager@example.com' };

const statement = (overrides: Partial<StatementLike> = {}): StatementLike => ({
  id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
  actor: learner,
  verb: { id: ANSWERED },
  object: {
    objectType: 'Activity',
    id: `${SCENARIO}/q1`,
    definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice' },
  },
  result: { response: 'calm', success: true, score: { scaled: 0.8 } },
  context: { contextActivities: { parent: [{ id: SCENARIO }], category: [{ id: CMI5 }] } },
  timestamp: '2024-05-01T10:00:00.000Z',
  stored: '2024-05-01T10:00:05.000Z',
  authority: { objectType: 'Agent', account: { homePage: 'https://lrs.example.com', name: 'content-client' } },
  ...overrides,
});

const scenarioRule: MappingRule = {
  id: 'angry-customer-q1',
  match: { verbIds: [ANSWERED], interactionTypes: ['choice'], contextActivityIds: { parent: [SCENARIO] } },
  produce: [
    { competencyId: 'c1', indicatorId: 'listens', sourceKind: 'scenario', value: { from: 'choice-table', table: { calm: 1, argue: 0, refund: 0.5 } } },
    { competencyId: 'c2', sourceKind: 'scenario', value: { from: 'choice-table', table: { refund: 1 }, default: 0.3 }, weight: 2 },
  ],
};
const quizRule: MappingRule = {
  id: 'quiz',
  match: { templateIds: [CMI5], verbIds: [ANSWERED] },
  produce: [{ competencyId: 'c1', sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }],
};
const observationRule: MappingRule = {
  id: 'observed',
  match: { verbIds: [OBSERVED] },
  produce: [{ competencyId: 'c1', indicatorId: 'resolves', sourceKind: 'observation', value: { from: 'score.scaled' } }],
};
const map = (s: StatementLike, rules: MappingRule[] = [scenarioRule, quizRule, observationRule]) =>
  evidenceFromStatement({ framework, rules, statement: s, learnerId: 'person-1', now: NOW });

describe('evidenceFromStatement', () => {
  it('turns a scenario choice into evidence per competency through the choice table', () => {
    const { evidence, skipped } = map(statement(), [scenarioRule]);
    expect(skipped).toEqual([]);
    expect(evidence).toEqual([
      {
        statementId: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
        learnerId: 'person-1',
        competencyId: 'c1',
        indicatorId: 'listens',
        sourceKind: 'scenario',
        value: 1,
        weight: 1,
        observedAt: Date.parse('2024-05-01T10:00:00.000Z'),
        storedAt: Date.parse('2024-05-01T10:00:05.000Z'),
        ruleId: 'angry-customer-q1',
        frameworkVersion: '1',
      },
      expect.objectContaining({ competencyId: 'c2', value: 0.3, weight: 2 }),
    ]);
  });

  it('averages several chosen ids, and skips a choice missing from a table without default', () => {
    const both = map(statement({ result: { response: 'calm[,]refund' } }), [scenarioRule]);
    expect(both.evidence.map((e) => e.value)).toEqual([0.75, 0.65]);
    const unknown = map(statement({ result: { response: 'shout' } }), [scenarioRule]);
    expect(unknown.evidence.map((e) => e.competencyId)).toEqual(['c2']);
    expect(unknown.skipped).toEqual([{ ruleId: 'angry-customer-q1', competencyId: 'c1', reason: 'choice "shout" has no value in the rule\'s table' }]);
  });

  it('applies every matching rule (cmi5 category matched as a template)', () => {
    const { evidence } = map(statement());
    expect(evidence.map((e) => [e.ruleId, e.competencyId, e.value])).toEqual([
      ['angry-customer-q1', 'c1', 1],
      ['angry-customer-q1', 'c2', 0.3],
      ['quiz', 'c1', 0.8],
    ]);
  });

  it('skips, with the reason, a statement the rule cannot evaluate', () => {
    const { evidence, skipped } = map(statement({ result: { response: 'calm' } }), [quizRule]);
    expect(evidence).toEqual([]);
    expect(skipped).toEqual([{ ruleId: 'quiz', competencyId: 'c1', reason: 'the rule reads result.score.scaled, which the statement does not have' }]);
  });

  it('reads success and clamps negative scaled scores to 0', () => {
    const rule: MappingRule = { ...quizRule, produce: [
      { competencyId: 'c1', sourceKind: 'knowledge-check', value: { from: 'success', ifFalse: 0.1 } },
      { competencyId: 'c2', sourceKind: 'knowledge-check', value: { from: 'score.scaled' } },
    ] };
    const { evidence } = map(statement({ result: { success: false, score: { scaled: -0.5 } } }), [rule]);
    expect(evidence.map((e) => e.value)).toEqual([0.1, 0]);
  });

  it('does not match other verbs, other parents, or non-activity objects', () => {
    expect(map(statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' } })).evidence).toEqual([]);
    expect(map(statement({ context: { contextActivities: { parent: { id: 'https://elsewhere' } } } }), [scenarioRule]).evidence).toEqual([]);
    expect(map(statement({ object: { objectType: 'StatementRef', id: 'x' } }), [scenarioRule]).evidence).toEqual([]);
    // a 1.0.0-style single context activity still matches
    expect(map(statement({ context: { contextActivities: { parent: { id: SCENARIO } } } }), [scenarioRule]).evidence).toHaveLength(2);
  });

  describe('observations', () => {
    const observed = (context: StatementLike['context'], extra: Partial<StatementLike> = {}) =>
      map(statement({ verb: { id: OBSERVED }, result: { score: { scaled: 0.75 } }, context, ...extra }), [observationRule]);

    it('count when an instructor made them, recording the assessor', () => {
      const { evidence } = observed({ instructor: manager });
      expect(evidence).toEqual([
        expect.objectContaining({
          sourceKind: 'observation',
          indicatorId: 'resolves',
          value: 0.75,
          assessor: { source: 'instructor', ifi: 'mbox:mailto:manager@example.com', name: 'Mia Manager' },
        }),
      ]);
    });

    it('count when an xAPI 2.0 context agent made them, filtered by relevant type when the rule says so', () => {
      const ctx = { contextAgents: [{ objectType: 'contextAgent', agent: manager, relevantTypes: ['https://example.com/types/coach'] }] };
      expect(observed(ctx).evidence[0]?.assessor).toEqual({ source: 'context-agent', ifi: 'mbox:mailto:manager@example.com', name: 'Mia Manager' });
      const strict = { ...observationRule, assessorRelevantTypes: ['https://example.com/types/manager'] };
      const r = evidenceFromStatement({ framework, rules: [strict], statement: statement({ verb: { id: OBSERVED }, context: ctx }), learnerId: 'p', now: NOW });
      expect(r.evidence).toEqual([]);
      expect(r.skipped[0]?.reason).toMatch(/needs an assessor/);
    });

    it('count from the authority only when the rule opts in', () => {
      expect(observed({}).evidence).toEqual([]);
      const byAuthority = { ...observationRule, assessorFrom: ['authority' as const] };
      const r = evidenceFromStatement({ framework, rules: [byAuthority], statement: statement({ verb: { id: OBSERVED } }), learnerId: 'p', now: NOW });
      expect(r.evidence[0]?.assessor).toEqual({ source: 'authority', ifi: 'account:https://lrs.example.com|content-client' });
    });

    it('do not count when the learner observed themselves', () => {
      const { evidence, skipped } = observed({ instructor: learner });
      expect(evidence).toEqual([]);
      expect(skipped).toHaveLength(1);
    });
  });

  it('caps a future timestamp at stored and falls back to now without stored', () => {
    const future = map(statement({ timestamp: '2030-01-01T00:00:00Z' }), [quizRule]).evidence[0];
    expect(future?.observedAt).toBe(Date.parse('2024-05-01T10:00:05.000Z'));
    const { stored: _s, timestamp: _t, ...bare } = statement();
    const fallback = map(bare, [quizRule]).evidence[0];
    expect([fallback?.observedAt, fallback?.storedAt]).toEqual([NOW, NOW]);
  });

  it('gives no evidence for voiding statements or statements without an id', () => {
    expect(map(statement({ verb: { id: 'http://adlnet.gov/expapi/verbs/voided' } })).skipped[0]?.reason).toMatch(/voiding/);
    expect(map(statement({ id: undefined })).skipped).toEqual([{ reason: 'the statement has no id' }]);
  });

  it('copes with anything in the statement without falling back to its catch-all', () => {
    const part = fc.oneof(fc.anything(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.record({ result: part, context: part, object: part, actor: part, timestamp: part }), (parts) => {
        const s = { ...statement(), ...parts } as unknown as StatementLike;
        const out = map(s);
        for (const e of out.evidence) expect(e.value >= 0 && e.value <= 1).toBe(true);
        expect(out.skipped.filter((k) => k.reason.includes('could not be evaluated'))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
