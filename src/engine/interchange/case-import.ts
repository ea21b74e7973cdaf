/**
 * 1EdTech CASE 1.1 CFPackage JSON → framework. CFItems become competencies, `isChildOf` the
 * tree (children of the CFDocument are roots), `precedes` prerequisites (origin before
 * destination), a rubric criterion pointing at an item its scale. Everything without a place in
 * the framework (other association types, a second parent, unmapped fields) is kept in `extras`
 * so that {@link frameworkToCase} gives it back. Our own `extensions` entry, when present,
 * restores what CASE cannot express (validation rules, decay, roll-up, roles).
 */
import type { ValidationProblem } from '../../xapi/validation-problem';
import type { Competency, Framework, ProficiencyLevel } from '../types';
import { validateCasePackageShape, validateFramework, type Parsed } from '../validate-definitions';
import {
  ENGINE_EXTENSION,
  type CaseAssociation,
  type CaseCompetencyExtras,
  type CaseFrameworkExtras,
  type CaseItem,
  type CasePackage,
  type CaseRubricCriterion,
  type CaseRubricLevel,
  type EngineDocumentExtension,
  type EngineItemExtension,
} from './case-types';
import { applyEngineSettings, DEFAULT_LEVELS, titleFromStatement, without } from './engine-extension';

export interface CaseImportOptions {
  /**
   * Scale for items with neither a rubric criterion nor our extension.
   * @defaultValue one level, `competent` at 0.7
   */
  defaultLevels?: ProficiencyLevel[];
}

// Our extension entry is rebuilt on export; every other extension stays.
function remainderOf(o: Record<string, unknown>, mapped: readonly string[]): Record<string, unknown> {
  const rest = without(o, mapped);
  const ext = o.extensions;
  if (ext !== null && typeof ext === 'object') {
    const others = without(ext as Record<string, unknown>, [ENGINE_EXTENSION]);
    if (Object.keys(others).length > 0) rest.extensions = others;
    else delete rest.extensions;
  }
  return rest;
}

function engineExtension<T>(o: { extensions?: Record<string, unknown> }): T {
  const ext = o.extensions?.[ENGINE_EXTENSION];
  return (ext !== null && typeof ext === 'object' ? ext : {}) as T;
}

/**
 * Thresholds from a CASE rubric criterion: the levels' scores when they already are ascending
 * values within 0..1 (as our export writes them); otherwise evenly spaced by position,
 * (k + 1) / (n + 1), since points in a rubric are not probabilities.
 */
function levelsFromCriterion(criterion: CaseRubricCriterion): { levels: ProficiencyLevel[]; sources: CaseRubricLevel[] } {
  const sources = [...(criterion.CFRubricCriterionLevels ?? [])].sort(
    (a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || (a.score ?? 0) - (b.score ?? 0),
  );
  const scores = sources.map((l) => l.score);
  const usable = scores.every((s, k) => typeof s === 'number' && s >= 0 && s <= 1 && (k === 0 || s > (scores[k - 1] ?? 1)));
  const levels = sources.map((l, k) => {
    const level: ProficiencyLevel = { id: l.identifier, threshold: usable ? (l.score as number) : (k + 1) / (sources.length + 1) };
    if (l.quality !== undefined) level.title = l.quality;
    return level;
  });
  return { levels, sources };
}

/** A CFPackage as a framework, or every problem found (paths into the package, or `framework.…`). */
export function frameworkFromCase(input: unknown, options: CaseImportOptions = {}): Parsed<Framework> {
  const shape = validateCasePackageShape(input);
  if (shape.length > 0) return { ok: false, problems: shape };
  const pkg = input as CasePackage;
  const doc = pkg.CFDocument;
  const docExt = engineExtension<EngineDocumentExtension>(doc);
  const itemsById = new Map<string, { item: CaseItem; competency: Competency }>();
  const problems: ValidationProblem[] = [];

  pkg.CFItems.forEach((item, i) => {
    if (itemsById.has(item.identifier)) {
      problems.push({ path: `CFItems[${i}].identifier`, message: `repeats the identifier of an earlier CFItem` });
      return;
    }
    itemsById.set(item.identifier, { item, competency: competencyFromItem(item) });
  });

  const fx: CaseFrameworkExtras = {
    document: remainderOf(doc, ['title', 'description', 'version']),
    associations: [],
    associationIds: {},
  };
  const ordered = (pkg.CFAssociations ?? [])
    .map((a, index) => ({ a, index }))
    .sort((x, y) => (x.a.sequenceNumber ?? Infinity) - (y.a.sequenceNumber ?? Infinity) || x.index - y.index)
    .map((x) => x.a);
  const roots = new Set<string>();
  for (const a of ordered) mapAssociation({ a, docId: doc.identifier, itemsById, fx, roots });
  restoreOrder(fx, pkg.CFAssociations ?? []);

  fx.rubrics = [];
  for (const rubric of pkg.CFRubrics ?? []) {
    const unmapped: CaseRubricCriterion[] = [];
    for (const criterion of rubric.CFRubricCriteria ?? []) {
      const target = criterion.CFItemURI === undefined ? undefined : itemsById.get(criterion.CFItemURI.identifier);
      if (target === undefined || caseOf(target.competency).rubricId !== undefined) {
        unmapped.push(criterion);
        continue;
      }
      adoptCriterion(target, rubric.identifier, criterion);
    }
    fx.rubrics.push({ ...without(rubric, ['CFRubricCriteria']), CFRubricCriteria: unmapped } as typeof rubric);
  }
  if (pkg.CFDefinitions !== undefined) fx.definitions = pkg.CFDefinitions;

  const competencies = [...itemsById.values()].map(({ competency }) => {
    if (competency.scale.levels.length === 0) competency.scale = { levels: options.defaultLevels ?? DEFAULT_LEVELS };
    return competency;
  });
  const framework: Framework = {
    id: docExt.id ?? doc.uri,
    version: docExt.version ?? doc.version ?? '1',
    title: doc.title,
    roles: Array.isArray(docExt.roles) ? (docExt.roles as Framework['roles']) : [],
    competencies,
    extras: { case: fx },
  };
  if (doc.description !== undefined) framework.description = doc.description;
  if (problems.length > 0) return { ok: false, problems };
  const semantic = validateFramework(framework).map((p) => ({ path: `framework.${p.path}`, message: p.message }));
  return semantic.length > 0 ? { ok: false, problems: semantic } : { ok: true, value: framework };
}

function caseOf(c: Competency): CaseCompetencyExtras {
  return c.extras?.case as CaseCompetencyExtras;
}

function competencyFromItem(item: CaseItem): Competency {
  const ext = engineExtension<EngineItemExtension>(item);
  const abbreviated = item.abbreviatedStatement;
  const full = item.fullStatement;
  const title = abbreviated ?? titleFromStatement(full);
  const c: Competency = { id: ext.id ?? item.identifier, title, scale: { levels: [] } };
  if (full !== title) c.description = full;
  applyEngineSettings(c, ext);
  const extras: CaseCompetencyExtras = { item: remainderOf(item, ['fullStatement', 'abbreviatedStatement', 'CFDocumentURI']) };
  c.extras = { case: extras };
  return c;
}

function adoptCriterion(
  target: { competency: Competency },
  rubricId: string,
  criterion: CaseRubricCriterion,
): void {
  const cx = caseOf(target.competency);
  cx.rubricId = rubricId;
  cx.criterion = without(criterion, ['CFRubricCriterionLevels', 'CFItemURI', 'rubricId']);
  const { levels, sources } = levelsFromCriterion(criterion);
  // A scale from our extension wins (it has the engine's level ids); match CASE levels by position.
  if (target.competency.scale.levels.length === 0) target.competency.scale = { levels };
  cx.levels = {};
  target.competency.scale.levels.forEach((level, k) => {
    const source = sources[k];
    if (source !== undefined && cx.levels !== undefined) {
      cx.levels[level.id] = without(source, ['quality', 'score', 'position', 'rubricCriterionId']);
    }
  });
}

function mapAssociation(args: {
  a: CaseAssociation;
  docId: string;
  itemsById: ReadonlyMap<string, { competency: Competency }>;
  fx: CaseFrameworkExtras;
  /** Competencies already anchored to the CFDocument (their one parent link). */
  roots: Set<string>;
}): void {
  const { a, docId, itemsById, fx, roots } = args;
  const origin = itemsById.get(a.originNodeURI.identifier)?.competency;
  const destinationId = a.destinationNodeURI.identifier;
  const destination = itemsById.get(destinationId)?.competency;
  const identity = () => {
    const key = `${a.associationType}|${a.originNodeURI.identifier}|${destinationId}`;
    const ids = (fx.associationIds ??= {});
    ids[key] = without(a, ['associationType', 'originNodeURI', 'destinationNodeURI', 'CFDocumentURI']);
  };
  if (a.associationType === 'isChildOf' && origin !== undefined && origin.parentId === undefined && !roots.has(origin.id)) {
    if (destination !== undefined) {
      origin.parentId = destination.id;
      return identity();
    }
    if (destinationId === docId) {
      roots.add(origin.id);
      return identity();
    }
  }
  if (a.associationType === 'precedes' && origin !== undefined && destination !== undefined) {
    const list = destination.prerequisites ?? [];
    if (!list.includes(origin.id)) {
      destination.prerequisites = [...list, origin.id];
      return identity();
    }
  }
  fx.associations?.push(a);
}

// Associations kept verbatim go back in their original order.
function restoreOrder(fx: CaseFrameworkExtras, original: readonly CaseAssociation[]): void {
  const position = new Map(original.map((a, i) => [a, i] as const));
  fx.associations?.sort((x, y) => (position.get(x) ?? 0) - (position.get(y) ?? 0));
}
