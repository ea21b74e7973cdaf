/**
 * xAPI 1.0.3 Communication §4.2 (OAuth 1.0 scope) / xAPI 2.0 §4.1.2: the scopes a credential can
 * hold. `all/read` reads everything, `all` does everything.
 */
export const SCOPES = [
  'statements/write', 'statements/read/mine', 'statements/read', 'state', 'define', 'profile', 'all/read', 'all',
  // The competency API's own scopes (/api): read scores and analytics, record observations and
  // learners, administer frameworks, rules and rebuilds. `all` and `all/read` cover them too.
  'competency/read', 'competency/write', 'competency/admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * What a request needs; `read` requests are also satisfied by `all/read`. `metadata` (the
 * Activities and Agents resources) is open to any valid credential of the store.
 */
export type Need = 'statements/write' | 'statements/read' | 'state' | 'profile' | 'define' | 'metadata' | 'competency/read' | 'competency/write' | 'competency/admin';

/** Whether the scopes grant a need, and whether statement reads are limited to the caller's own. */
export function grants(scopes: readonly Scope[], need: Need, mode: 'read' | 'write'): { ok: boolean; mineOnly: boolean } {
  if (scopes.includes('all') || need === 'metadata') return { ok: true, mineOnly: false };
  if (mode === 'read' && scopes.includes('all/read')) return { ok: true, mineOnly: false };
  if (need === 'statements/read') {
    if (scopes.includes('statements/read')) return { ok: true, mineOnly: false };
    if (scopes.includes('statements/read/mine')) return { ok: true, mineOnly: true };
    return { ok: false, mineOnly: false };
  }
  // competency/admin implies write, and write implies read.
  if (need === 'competency/read') return { ok: scopes.some((s) => s === 'competency/read' || s === 'competency/write' || s === 'competency/admin'), mineOnly: false };
  if (need === 'competency/write') return { ok: scopes.some((s) => s === 'competency/write' || s === 'competency/admin'), mineOnly: false };
  return { ok: scopes.includes(need), mineOnly: false };
}
