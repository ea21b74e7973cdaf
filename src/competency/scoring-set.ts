import type { Competency, Framework, MappingRule } from '../engine';
import { versionsKey, type DefinitionsRepository } from './definitions.repository';

/** One framework as scoring uses it: definition, rules and indexes built once per version. */
export interface ScoringFramework {
  framework: Framework;
  /** Stored version number (not the author's label). */
  frameworkVersion: number;
  rules: MappingRule[];
  rulesVersion: number;
  byId: ReadonlyMap<string, Competency>;
  /** For each competency, its ancestors that roll up from their children, nearest first. */
  rollupAncestors: ReadonlyMap<string, readonly string[]>;
}

/** A store's frameworks and rules at one moment. */
export interface ScoringSet {
  frameworks: readonly ScoringFramework[];
  byId: ReadonlyMap<string, ScoringFramework>;
  /** Fingerprint of the version numbers (see `currentVersions`). */
  key: string;
}

export function buildScoringSet(raw: Array<{ framework: Framework; frameworkVersion: number; rules: MappingRule[]; rulesVersion: number }>): ScoringSet {
  const frameworks = raw.map((r): ScoringFramework => {
    const byId = new Map(r.framework.competencies.map((c) => [c.id, c] as const));
    const rollupAncestors = new Map<string, string[]>();
    for (const c of r.framework.competencies) {
      const chain: string[] = [];
      const seen = new Set<string>([c.id]);
      // Frameworks are validated acyclic when saved; `seen` keeps a bad one from looping.
      for (let p = c.parentId === undefined ? undefined : byId.get(c.parentId); p !== undefined && !seen.has(p.id); p = p.parentId === undefined ? undefined : byId.get(p.parentId)) {
        seen.add(p.id);
        if (p.rollup !== undefined) chain.push(p.id);
      }
      rollupAncestors.set(c.id, chain);
    }
    return { ...r, byId, rollupAncestors };
  });
  return {
    frameworks,
    byId: new Map(frameworks.map((f) => [f.framework.id, f] as const)),
    key: versionsKey(raw.map((r) => ({ frameworkId: r.framework.id, frameworkVersion: r.frameworkVersion, rulesVersion: r.rulesVersion }))),
  };
}

/** Options of {@link scoringSetCache}. */
export interface ScoringSetCacheOptions {
  definitions: DefinitionsRepository;
  /**
   * How long a loaded set is used without asking MongoDB whether versions changed. After it, one
   * small query compares version numbers and the set is reloaded only if they differ.
   * @defaultValue 2000
   */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Per-store cache of the scoring set. Every job needs the store's frameworks and rules; loading and
 * parsing them per statement would dominate the cost of scoring. Parsed objects are reused across
 * jobs, which also lets the engine's per-object caches (competency index, resolved settings) hit.
 * A definition saved through the API is picked up within `ttlMs`.
 */
export function scoringSetCache(opts: ScoringSetCacheOptions) {
  const ttl = opts.ttlMs ?? 2000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { set: ScoringSet; checkedAt: number }>();
  const loading = new Map<string, Promise<ScoringSet>>();

  async function load(store: string): Promise<ScoringSet> {
    const set = buildScoringSet(await opts.definitions.scoringSet(store));
    entries.set(store, { set, checkedAt: now() });
    return set;
  }

  async function refresh(store: string): Promise<ScoringSet> {
    const cached = entries.get(store);
    if (cached !== undefined) {
      const key = await opts.definitions.currentVersions(store);
      if (key === cached.set.key) {
        cached.checkedAt = now();
        return cached.set;
      }
    }
    return load(store);
  }

  return {
    /**
     * The store's current set. `fresh` reloads it (a rebuild must use what is saved now); `check`
     * skips the TTL but reuses the set when its version numbers are unchanged (while a rebuild
     * runs, live jobs must not write the new generation with rules older than the rebuild's).
     */
    async get(store: string, options: { fresh?: boolean; check?: boolean } = {}): Promise<ScoringSet> {
      if (options.fresh) return load(store);
      const cached = entries.get(store);
      if (cached !== undefined && !options.check && now() - cached.checkedAt < ttl) return cached.set;
      // Concurrent jobs of one store share one refresh.
      let pending = loading.get(store);
      if (pending === undefined) {
        pending = refresh(store).finally(() => loading.delete(store));
        loading.set(store, pending);
      }
      return pending;
    },
    invalidate(store?: string): void {
      if (store === undefined) entries.clear();
      else entries.delete(store);
    },
  };
}
export type ScoringSetCache = ReturnType<typeof scoringSetCache>;
