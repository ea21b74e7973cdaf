import type { Collection, Db } from 'mongodb';
import type { Framework, MappingRule } from '../engine';

/**
 * Frameworks and their mapping rules, versioned: every save is a new version, and evidence records
 * the version it was produced under, so changing a framework never rewrites recorded evidence.
 * Definitions are kept as JSON text (CASE imports carry arbitrary keys in `extras`).
 */
export interface FrameworkVersionDoc {
  store: string;
  frameworkId: string;
  /** 1, 2, 3… in save order. */
  version: number;
  /** The framework's own `version` label, as written by its author. */
  label: string;
  json: string;
  createdAt: Date;
  /** Latest version: the one live scoring uses. */
  current: boolean;
}

export interface RulesetDoc {
  store: string;
  frameworkId: string;
  version: number;
  json: string;
  createdAt: Date;
  current: boolean;
}

export function definitionsRepository(db: Db) {
  const frameworks: Collection<FrameworkVersionDoc> = db.collection('frameworks');
  const rulesets: Collection<RulesetDoc> = db.collection('mapping_rules');

  async function saveVersioned<T extends { store: string; frameworkId: string; version: number; current: boolean }>(col: Collection<T>, doc: Omit<T, 'version' | 'current'>): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const latest = await col.find({ store: doc.store, frameworkId: doc.frameworkId } as never).sort({ version: -1 }).limit(1).project<{ version: number }>({ version: 1 }).toArray();
      const version = (latest[0]?.version ?? 0) + 1;
      try {
        // The unique (store, frameworkId, version) index makes two concurrent saves pick different versions.
        await col.insertOne({ ...doc, version, current: true } as never);
      } catch (err) {
        if ((err as { code?: number }).code === 11000) continue;
        throw err;
      }
      await col.updateMany({ store: doc.store, frameworkId: doc.frameworkId, version: { $lt: version }, current: true } as never, { $set: { current: false } } as never);
      return version;
    }
    throw new Error('could not allocate a version after 5 attempts');
  }

  return {
    async ensureIndexes(): Promise<void> {
      await frameworks.createIndex({ store: 1, frameworkId: 1, version: 1 }, { unique: true, name: 'store_framework_version' });
      await frameworks.createIndex({ store: 1, current: 1, frameworkId: 1 }, { name: 'store_current' });
      await rulesets.createIndex({ store: 1, frameworkId: 1, version: 1 }, { unique: true, name: 'store_framework_version' });
      await rulesets.createIndex({ store: 1, current: 1, frameworkId: 1 }, { name: 'store_current' });
    },
    /** Saves a new version of a framework; returns its version number. */
    saveFramework(store: string, framework: Framework, now: Date): Promise<number> {
      return saveVersioned(frameworks, { store, frameworkId: framework.id, label: framework.version, json: JSON.stringify(framework), createdAt: now });
    },
    saveRules(store: string, frameworkId: string, rules: MappingRule[], now: Date): Promise<number> {
      return saveVersioned(rulesets, { store, frameworkId, json: JSON.stringify(rules), createdAt: now });
    },
    async currentFramework(store: string, frameworkId: string): Promise<{ framework: Framework; version: number } | null> {
      const d = await frameworks.findOne({ store, frameworkId, current: true });
      return d ? { framework: JSON.parse(d.json) as Framework, version: d.version } : null;
    },
    async frameworkVersion(store: string, frameworkId: string, version: number): Promise<{ framework: Framework; version: number } | null> {
      const d = await frameworks.findOne({ store, frameworkId, version });
      return d ? { framework: JSON.parse(d.json) as Framework, version: d.version } : null;
    },
    async listFrameworks(store: string): Promise<Array<{ frameworkId: string; version: number; label: string; title: string; createdAt: Date }>> {
      const docs = await frameworks.find({ store, current: true }).sort({ frameworkId: 1 }).toArray();
      return docs.map((d) => ({ frameworkId: d.frameworkId, version: d.version, label: d.label, title: (JSON.parse(d.json) as Framework).title, createdAt: d.createdAt }));
    },
    async frameworkHistory(store: string, frameworkId: string): Promise<Array<{ version: number; label: string; createdAt: Date }>> {
      return frameworks.find({ store, frameworkId }, { projection: { _id: 0, version: 1, label: 1, createdAt: 1 } }).sort({ version: 1 }).toArray() as never;
    },
    async currentRules(store: string, frameworkId: string): Promise<{ rules: MappingRule[]; version: number } | null> {
      const d = await rulesets.findOne({ store, frameworkId, current: true });
      return d ? { rules: JSON.parse(d.json) as MappingRule[], version: d.version } : null;
    },
    /**
     * `frameworkId@version/rulesVersion` of every current framework, sorted: a cheap fingerprint that
     * changes whenever `scoringSet` would (scoring caches the set and re-checks this).
     */
    async currentVersions(store: string): Promise<string> {
      const [fws, rss] = await Promise.all([
        frameworks.find({ store, current: true }, { projection: { _id: 0, frameworkId: 1, version: 1 } }).toArray(),
        rulesets.find({ store, current: true }, { projection: { _id: 0, frameworkId: 1, version: 1 } }).toArray(),
      ]);
      return versionsKey(fws.map((f) => ({ frameworkId: f.frameworkId, frameworkVersion: f.version, rulesVersion: rss.find((r) => r.frameworkId === f.frameworkId)?.version ?? 0 })));
    },
    /** Every framework of a store with its current rules: what live scoring evaluates. */
    async scoringSet(store: string): Promise<Array<{ framework: Framework; frameworkVersion: number; rules: MappingRule[]; rulesVersion: number }>> {
      const [fws, rss] = await Promise.all([frameworks.find({ store, current: true }).toArray(), rulesets.find({ store, current: true }).toArray()]);
      const rulesBy = new Map(rss.map((r) => [r.frameworkId, r]));
      return fws.map((f) => {
        const r = rulesBy.get(f.frameworkId);
        return { framework: JSON.parse(f.json) as Framework, frameworkVersion: f.version, rules: r ? (JSON.parse(r.json) as MappingRule[]) : [], rulesVersion: r?.version ?? 0 };
      });
    },
  };
}
export type DefinitionsRepository = ReturnType<typeof definitionsRepository>;

/** The fingerprint `currentVersions` returns, from a scoring set's version numbers. */
export function versionsKey(set: Array<{ frameworkId: string; frameworkVersion: number; rulesVersion: number }>): string {
  return set.map((f) => `${f.frameworkId}@${f.frameworkVersion}/${f.rulesVersion}`).sort().join(' ');
}
