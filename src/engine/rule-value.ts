/**
 * Reading a rule output's value and an observation's assessor from a statement. Each returns
 * either the result or the reason it cannot, never throws.
 */
import type { Assessor } from './evidence-types';
import { agentIfi, listOf, type AgentLike, type StatementLike } from './statement-shape';
import type { AssessorSource, MappingRule, ValueSource } from './types';

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): Read<never> => ({ ok: false, reason });

// xAPI 1.0.3 Data §2.4.4.1 (response patterns): a choice interaction's response lists chosen ids separated by "[,]".
const RESPONSE_SEPARATOR = '[,]';

export function readValue(source: ValueSource, statement: StatementLike): Read<number> {
  const result = statement.result;
  switch (source.from) {
    case 'score.scaled': {
      const scaled = result?.score?.scaled;
      if (typeof scaled !== 'number' || !Number.isFinite(scaled)) {
        return fail('the rule reads result.score.scaled, which the statement does not have');
      }
      if (scaled > 1) return fail(`result.score.scaled is ${scaled}, above 1`);
      return { ok: true, value: Math.max(0, scaled) };
    }
    case 'success': {
      const success = result?.success;
      if (typeof success !== 'boolean') return fail('the rule reads result.success, which the statement does not have');
      return { ok: true, value: success ? (source.ifTrue ?? 1) : (source.ifFalse ?? 0) };
    }
    case 'choice-table': {
      const response = result?.response;
      if (typeof response !== 'string' || response === '') {
        return fail('the rule reads the choices in result.response, which the statement does not have');
      }
      let sum = 0;
      const choices = response.split(RESPONSE_SEPARATOR);
      for (const choice of choices) {
        const v = Object.prototype.hasOwnProperty.call(source.table, choice) ? source.table[choice] : source.default;
        if (v === undefined) return fail(`choice "${choice}" has no value in the rule's table`);
        sum += v;
      }
      return { ok: true, value: sum / choices.length };
    }
    case 'constant':
      return { ok: true, value: source.value };
    default:
      return fail('the rule has a value source this engine does not know');
  }
}

const DEFAULT_ASSESSOR_SOURCES: readonly AssessorSource[] = ['instructor', 'context-agent'];

/**
 * Who assessed the learner, looked for in the order the rule lists. The learner cannot be their
 * own assessor, and an assessor needs an identifier (an anonymous group does not qualify; for an
 * authority Group, as 3-legged OAuth sends, only an identified group counts).
 */
export function readAssessor(rule: MappingRule, statement: StatementLike): Read<Assessor> {
  const learner = agentIfi(statement.actor);
  const candidates: { source: AssessorSource; agent: AgentLike | undefined }[] = [];
  for (const source of rule.assessorFrom ?? DEFAULT_ASSESSOR_SOURCES) {
    if (source === 'instructor') candidates.push({ source, agent: statement.context?.instructor });
    if (source === 'authority') candidates.push({ source, agent: statement.authority });
    if (source === 'context-agent') {
      for (const ca of listOf(statement.context?.contextAgents)) {
        const types = rule.assessorRelevantTypes;
        if (types === undefined || listOf(ca?.relevantTypes).some((t) => types.includes(t))) {
          candidates.push({ source, agent: ca?.agent });
        }
      }
    }
  }
  for (const { source, agent } of candidates) {
    const ifi = agentIfi(agent);
    if (ifi === undefined || ifi === learner) continue;
    const name = typeof agent?.name === 'string' ? agent.name : undefined;
    return { ok: true, value: name === undefined ? { source, ifi } : { source, ifi, name } };
  }
  const where = (rule.assessorFrom ?? DEFAULT_ASSESSOR_SOURCES).join(', ');
  return fail(`an observation needs an assessor other than the learner (looked in: ${where}); none found`);
}
