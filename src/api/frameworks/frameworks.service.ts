import { AppError } from '../../errors/app-error';
import { frameworkFromCase, frameworkFromScd, frameworkToCase, frameworkToScd, validateFramework, validateMappingRules, type Framework, type MappingRule, type Parsed } from '../../engine';
import type { DefinitionsRepository } from '../../competency/definitions.repository';
import type { ValidationProblem } from '../../xapi/validation-problem';

/**
 * Interchange formats: 1EdTech CASE 1.1 CFPackage JSON; IEEE 1484.20.3 Sharable Competency
 * Definitions JSON-LD (a best-effort binding, see docs/api.md).
 */
export const INTERCHANGE_FORMATS = ['case', 'ieee'] as const;
export type InterchangeFormat = (typeof INTERCHANGE_FORMATS)[number];

interface Interchange {
  read(document: unknown): Parsed<Framework>;
  write(framework: Framework, now: Date): unknown;
}

// The engine's converters by format (`src/engine/interchange/`).
const INTERCHANGE: Record<InterchangeFormat, Interchange> = {
  case: { read: (d) => frameworkFromCase(d), write: (f, now) => frameworkToCase(f, { now }) },
  ieee: { read: (d) => frameworkFromScd(d), write: (f) => frameworkToScd(f) },
};

export interface FrameworksServiceDeps {
  definitions: DefinitionsRepository;
  now?: () => Date;
}

/** What saving a definition answers. */
export interface SavedVersion {
  id: string;
  version: number;
  /** True when this was the first version. */
  created: boolean;
  /**
   * Problems the current mapping rules would have under this framework version (a rule naming a
   * competency the new version dropped). The framework is saved anyway: rules are fixed next.
   */
  warnings?: ValidationProblem[];
}

/**
 * Frameworks and their mapping rules: validated by the engine (every problem named with its
 * path, nothing saved on any), stored as a new version each time. Saving a version never touches
 * evidence already recorded: evidence names the version it was produced under, and the live
 * state moves to new definitions only through a rebuild.
 */
export function frameworksService(deps: FrameworksServiceDeps) {
  const now = deps.now ?? (() => new Date());

  async function requireCurrent(store: string, id: string): Promise<{ framework: Framework; version: number }> {
    const current = await deps.definitions.currentFramework(store, id);
    if (!current) throw new AppError('NOT_FOUND', `No framework "${id}" in this store`);
    return current;
  }

  async function versionOf(store: string, id: string, version: number): Promise<{ framework: Framework; version: number }> {
    const found = await deps.definitions.frameworkVersion(store, id, version);
    if (found) return found;
    await requireCurrent(store, id);
    throw new AppError('NOT_FOUND', `Framework "${id}" has no version ${version}`);
  }

  async function save(store: string, framework: Framework): Promise<SavedVersion> {
    const version = await deps.definitions.saveFramework(store, framework, now());
    const rules = await deps.definitions.currentRules(store, framework.id);
    const warnings = rules ? validateMappingRules(rules.rules, framework).map((p) => ({ path: `rules${p.path.startsWith('[') ? '' : '.'}${p.path}`, message: p.message })) : [];
    return { id: framework.id, version, created: version === 1, ...(warnings.length > 0 ? { warnings } : {}) };
  }

  return {
    /** Validates and saves a framework document as the next version of `id`. */
    async put(store: string, id: string, body: unknown): Promise<SavedVersion> {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw AppError.fromProblems('INVALID_DEFINITION', [{ path: '', message: 'a framework must be a JSON object' }]);
      }
      const given = (body as { id?: unknown }).id;
      if (given !== undefined && given !== id) {
        throw AppError.fromProblems('INVALID_DEFINITION', [{ path: 'id', message: `must equal the id in the URL (${JSON.stringify(id)}), got ${JSON.stringify(given)}` }]);
      }
      const document = { ...body, id };
      const problems = validateFramework(document);
      if (problems.length > 0) throw AppError.fromProblems('INVALID_DEFINITION', problems);
      return save(store, document as Framework);
    },

    /**
     * Imports an interchange document as the next version of the framework it describes (its id
     * comes from the document). Every problem is named with its path in the document; nothing is
     * saved on any.
     */
    async import(store: string, format: InterchangeFormat, body: unknown): Promise<SavedVersion> {
      const parsed = INTERCHANGE[format].read(body);
      if (!parsed.ok) throw AppError.fromProblems('INVALID_DEFINITION', parsed.problems);
      return save(store, parsed.value);
    },

    /** A framework version (the current one unless given) in an interchange format. */
    async export(store: string, id: string, format: InterchangeFormat, version?: number): Promise<unknown> {
      const converter = INTERCHANGE[format];
      const found = version === undefined ? await requireCurrent(store, id) : await versionOf(store, id, version);
      return converter.write(found.framework, now());
    },

    list(store: string) {
      return deps.definitions.listFrameworks(store);
    },

    current: requireCurrent,

    async history(store: string, id: string) {
      const versions = await deps.definitions.frameworkHistory(store, id);
      if (versions.length === 0) throw new AppError('NOT_FOUND', `No framework "${id}" in this store`);
      return versions;
    },

    version: versionOf,

    /** Validates rules against the framework's current version and saves them as its next rule set. */
    async putRules(store: string, id: string, body: unknown): Promise<SavedVersion> {
      const { framework } = await requireCurrent(store, id);
      const problems = validateMappingRules(body, framework);
      if (problems.length > 0) throw AppError.fromProblems('INVALID_DEFINITION', problems);
      const before = await deps.definitions.currentRules(store, id);
      const version = await deps.definitions.saveRules(store, id, body as MappingRule[], now());
      return { id, version, created: before === null };
    },

    async rules(store: string, id: string): Promise<{ rules: MappingRule[]; version: number }> {
      await requireCurrent(store, id);
      return (await deps.definitions.currentRules(store, id)) ?? { rules: [], version: 0 };
    },
  };
}
export type FrameworksService = ReturnType<typeof frameworksService>;
