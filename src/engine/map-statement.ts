/**
 * Statement → evidence: apply a framework's mapping rules to one stored statement. Pure; a
 * statement a rule cannot evaluate becomes a skip with its reason, never an exception, so a
 * worker records it and moves on.
 */
import { toEpochMs, type Instant } from './clock';
import type { EpochMs, EvidenceItem } from './evidence-types';
import { ruleMatches } from './match-rule';
import { readAssessor, readValue } from './rule-value';
import { VOIDED_VERB, type StatementLike } from './statement-shape';
import type { Competency, Framework, MappingRule } from './types';

/** Why a rule (or the whole statement) produced no evidence. */
export interface SkippedEvidence {
  /** Absent when the statement as a whole was skipped. */
  ruleId?: string;
  competencyId?: string;
  reason: string;
}

export interface MapStatementInput {
  framework: Framework;
  rules: readonly MappingRule[];
  /** A stored statement (with `id` and `stored`), as the LRS returns it. */
  statement: StatementLike;
  /** The person the statement's actor resolves to. */
  learnerId: string;
  /** Stands in for `stored` when a statement lacks it. */
  now: Instant;
}

export interface MapStatementResult {
  evidence: EvidenceItem[];
  skipped: SkippedEvidence[];
}

// Frameworks can hold thousands of competencies; index each framework object once.
const indexes = new WeakMap<Framework, ReadonlyMap<string, Competency>>();

function competencyIndex(framework: Framework): ReadonlyMap<string, Competency> {
  let index = indexes.get(framework);
  if (index === undefined) {
    index = new Map(framework.competencies.map((c) => [c.id, c] as const));
    indexes.set(framework, index);
  }
  return index;
}

function parseTime(value: unknown): EpochMs | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Evidence items for every output of every matching rule. Statements matching no rule give
 * neither evidence nor skips. A voiding statement gives none: retracting the voided statement's
 * evidence is the caller's job (it owns the evidence log).
 */
export function evidenceFromStatement(input: MapStatementInput): MapStatementResult {
  try {
    return mapStatement(input);
  } catch (error) {
    // Statements reach the engine validated, so this is a bug; still, a worker must record the
    // statement as skipped rather than retry it forever.
    const message = error instanceof Error ? error.message : String(error);
    return { evidence: [], skipped: [{ reason: `the statement could not be evaluated: ${message}` }] };
  }
}

function mapStatement(input: MapStatementInput): MapStatementResult {
  const { framework, rules, statement, learnerId } = input;
  const evidence: EvidenceItem[] = [];
  const skipped: SkippedEvidence[] = [];
  const statementId = statement.id;
  if (typeof statementId !== 'string' || statementId === '') {
    return { evidence, skipped: [{ reason: 'the statement has no id' }] };
  }
  if (statement.verb?.id === VOIDED_VERB) {
    return { evidence, skipped: [{ reason: 'a voiding statement carries no evidence; it retracts the voided one' }] };
  }
  const storedAt = parseTime(statement.stored) ?? toEpochMs(input.now);
  // xAPI 1.0.3 Data §2.4.7: timestamp defaults to stored. Our policy: a timestamp later than
  // stored (a skewed client clock) is capped at stored, so it cannot outweigh real evidence.
  const observedAt = Math.min(parseTime(statement.timestamp) ?? storedAt, storedAt);
  const competencies = competencyIndex(framework);

  for (const rule of rules) {
    if (!ruleMatches(rule.match, statement)) continue;
    for (const out of rule.produce) {
      const skip = (reason: string) => skipped.push({ ruleId: rule.id, competencyId: out.competencyId, reason });
      const competency = competencies.get(out.competencyId);
      if (competency === undefined) {
        skip(`competency "${out.competencyId}" is not in framework "${framework.id}" version ${framework.version}`);
        continue;
      }
      if (out.indicatorId !== undefined && !(competency.indicators ?? []).some((i) => i.id === out.indicatorId)) {
        skip(`indicator "${out.indicatorId}" is not in competency "${competency.id}"`);
        continue;
      }
      const value = readValue(out.value, statement);
      if (!value.ok) {
        skip(value.reason);
        continue;
      }
      const item: EvidenceItem = {
        statementId,
        learnerId,
        competencyId: out.competencyId,
        sourceKind: out.sourceKind,
        value: value.value,
        weight: out.weight ?? 1,
        observedAt,
        storedAt,
        ruleId: rule.id,
        frameworkVersion: framework.version,
      };
      if (out.indicatorId !== undefined) item.indicatorId = out.indicatorId;
      if (out.sourceKind === 'observation') {
        const assessor = readAssessor(rule, statement);
        if (!assessor.ok) {
          skip(assessor.reason);
          continue;
        }
        item.assessor = assessor.value;
      }
      evidence.push(item);
    }
  }
  return { evidence, skipped };
}
