import { agentIfiKey, ifiPropertyOf } from '../statements/model/agent-ifi';
import { isObject, type JsonObject, type Statement } from '../statements/model/statement-types';
import type { AgentsRepository } from './agents.repository';

const SEEN_MAX = 100_000;

/** Agents seen in a statement with a name or an IFI: actor, object, instructor, members, context agents. */
function agentsIn(s: Statement): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (a: unknown) => {
    if (!isObject(a)) return;
    if (a.objectType === 'Group') { if (Array.isArray(a.member)) a.member.forEach(add); return; }
    if (a.objectType === undefined || a.objectType === 'Agent') out.push(a);
  };
  add(s.actor);
  if (isObject(s.object) && (s.object.objectType === 'Agent' || s.object.objectType === 'Group')) add(s.object);
  if (isObject(s.context)) {
    add(s.context.instructor);
    if (Array.isArray(s.context.contextAgents)) for (const ca of s.context.contextAgents) if (isObject(ca)) add(ca.agent);
  }
  return out;
}

/**
 * The Agents resource (xAPI 1.0.3 Communication §2.6): a Person object combining what the LRS
 * knows of an agent: every name statements gave it, and its identifiers. Other identities of the
 * same person join in once the competency side links them (learners with several identities).
 */
export function agentsService(deps: { repo: AgentsRepository; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const seen = new Set<string>();
  return {
    async record(store: string, statements: Statement[]): Promise<void> {
      const batch = new Map<string, { key: string; ifiJson: string; name?: string }>();
      for (const s of statements) {
        for (const a of agentsIn(s)) {
          const key = agentIfiKey(a);
          const ifi = ifiPropertyOf(a);
          if (key === undefined || ifi === undefined) continue;
          const name = typeof a.name === 'string' ? a.name : undefined;
          const memo = `${store}\u0000${key}\u0000${name ?? ''}`;
          if (seen.has(memo)) continue;
          batch.set(memo, { key, ifiJson: JSON.stringify(ifi), name });
        }
      }
      if (batch.size === 0) return;
      await deps.repo.record(store, [...batch.values()], now());
      if (seen.size + batch.size > SEEN_MAX) seen.clear();
      for (const memo of batch.keys()) seen.add(memo);
    },

    /** xAPI 1.0.3 Communication §2.6: a Person, even when the LRS knows nothing more than the IFI asked. */
    async person(store: string, agent: JsonObject): Promise<JsonObject> {
      const key = agentIfiKey(agent) as string;
      const docs = await deps.repo.findByKeys(store, [key]);
      const person: Record<string, unknown[]> = {};
      const names = new Set<string>(typeof agent.name === 'string' ? [agent.name] : []);
      const ifis = docs.length > 0 ? docs.map((d) => JSON.parse(d.ifiJson) as JsonObject) : [ifiPropertyOf(agent) ?? {}];
      for (const d of docs) for (const n of d.names) names.add(n);
      if (names.size > 0) person.name = [...names];
      for (const ifi of ifis) for (const [k, v] of Object.entries(ifi)) (person[k] ??= []).push(v);
      return { objectType: 'Person', ...person };
    },
  };
}
export type AgentsService = ReturnType<typeof agentsService>;
