/**
 * Framework → 1EdTech CASE 1.1 CFPackage JSON. The tree becomes `isChildOf` associations (top
 * competencies are children of the CFDocument, as CASE frameworks usually are), prerequisites
 * become `precedes`, each competency's scale becomes a rubric criterion whose levels score the
 * level thresholds. What CASE has no field for travels in our `extensions` entry. Anything an
 * import kept (other association types, unmapped fields, identifiers) is given back unchanged.
 */
import { toEpochMs, type Instant } from '../clock';
import { isAbsoluteIri } from '../iris';
import type { Competency, Framework } from '../types';
import {
  ENGINE_EXTENSION,
  isUuid,
  nameUuid,
  type CaseAssociation,
  type CaseCompetencyExtras,
  type CaseFrameworkExtras,
  type CaseLink,
  type CasePackage,
  type CaseRubric,
  type CaseRubricCriterion,
  type EngineDocumentExtension,
  type EngineItemExtension,
} from './case-types';
import { clean, engineSettings } from './engine-extension';

export interface CaseExportOptions {
  /** Stamps `lastChangeDateTime` of objects that have none yet. */
  now: Instant;
}

const urn = (identifier: string) => `urn:uuid:${identifier}`;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function extensionsOf(remainder: Record<string, unknown> | undefined): Record<string, unknown> {
  const ext = remainder?.extensions;
  return ext !== null && typeof ext === 'object' ? { ...(ext as Record<string, unknown>) } : {};
}

export function caseExtrasOf(framework: Framework): CaseFrameworkExtras {
  return (framework.extras?.case ?? {}) as CaseFrameworkExtras;
}

export function competencyCaseExtras(c: Competency): CaseCompetencyExtras {
  return (c.extras?.case ?? {}) as CaseCompetencyExtras;
}

export function frameworkToCase(framework: Framework, options: CaseExportOptions): CasePackage {
  const stamp = new Date(toEpochMs(options.now)).toISOString();
  const fx = caseExtrasOf(framework);
  const doc = fx.document ?? {};
  const docIdentifier = str(doc.identifier) ?? (isUuid(framework.id) ? framework.id : nameUuid(`document ${framework.id}`));
  const docUri = str(doc.uri) ?? (isAbsoluteIri(framework.id) ? framework.id : urn(docIdentifier));
  const docLink: CaseLink = { title: framework.title, identifier: docIdentifier, uri: docUri };
  const engineDoc: EngineDocumentExtension = { id: framework.id, version: framework.version, roles: framework.roles };

  const links = new Map<string, CaseLink>();
  const items = framework.competencies.map((c) => {
    const remainder = competencyCaseExtras(c).item ?? {};
    const identifier = str(remainder.identifier) ?? (isUuid(c.id) ? c.id : nameUuid(`item ${framework.id} ${c.id}`));
    const uri = str(remainder.uri) ?? (isAbsoluteIri(c.id) ? c.id : urn(identifier));
    links.set(c.id, { title: c.title, identifier, uri });
    const ext: EngineItemExtension = { ...(c.id === identifier ? {} : { id: c.id }), ...engineSettings(c) };
    return clean({
      ...remainder,
      identifier,
      uri,
      fullStatement: c.description ?? c.title,
      abbreviatedStatement: c.description === undefined ? undefined : c.title,
      CFDocumentURI: docLink,
      lastChangeDateTime: str(remainder.lastChangeDateTime) ?? stamp,
      extensions: { ...extensionsOf(remainder), [ENGINE_EXTENSION]: ext },
    });
  });

  const associations: CaseAssociation[] = [];
  const associate = (type: string, origin: CaseLink, destination: CaseLink): void => {
    const key = `${type}|${origin.identifier}|${destination.identifier}`;
    const saved = fx.associationIds?.[key];
    const identifier = saved?.identifier ?? nameUuid(`association ${framework.id} ${key}`);
    associations.push(
      clean({
        ...saved,
        identifier,
        uri: saved?.uri ?? urn(identifier),
        associationType: type,
        originNodeURI: origin,
        destinationNodeURI: destination,
        CFDocumentURI: docLink,
        lastChangeDateTime: saved?.lastChangeDateTime ?? stamp,
      }),
    );
  };
  for (const c of framework.competencies) {
    const self = links.get(c.id);
    if (self === undefined) continue;
    const parent = c.parentId === undefined ? undefined : links.get(c.parentId);
    associate('isChildOf', self, parent ?? docLink);
    for (const p of c.prerequisites ?? []) {
      const before = links.get(p);
      if (before !== undefined) associate('precedes', before, self);
    }
  }
  associations.push(...(fx.associations ?? []));

  return clean({
    CFDocument: clean({
      ...doc,
      identifier: docIdentifier,
      uri: docUri,
      creator: str(doc.creator) ?? 'competency-lrs',
      title: framework.title,
      description: framework.description,
      version: framework.version,
      lastChangeDateTime: str(doc.lastChangeDateTime) ?? stamp,
      extensions: { ...extensionsOf(doc), [ENGINE_EXTENSION]: engineDoc },
    }),
    CFItems: items,
    CFAssociations: associations,
    CFDefinitions: fx.definitions,
    CFRubrics: rubrics({ framework, fx, links, stamp }),
  });
}

function rubrics(args: { framework: Framework; fx: CaseFrameworkExtras; links: ReadonlyMap<string, CaseLink>; stamp: string }): CaseRubric[] {
  const { framework, fx, links, stamp } = args;
  const shells: CaseRubric[] = (fx.rubrics ?? []).map((r) => ({ ...r, CFRubricCriteria: [...(r.CFRubricCriteria ?? [])] }));
  if (shells.length === 0) {
    const identifier = nameUuid(`rubric ${framework.id}`);
    shells.push({ identifier, uri: urn(identifier), title: `${framework.title}: proficiency scales`, lastChangeDateTime: stamp, CFRubricCriteria: [] });
  }
  const byId = new Map(shells.map((s) => [s.identifier, s] as const));
  framework.competencies.forEach((c, index) => {
    const cx = competencyCaseExtras(c);
    const rubric = (cx.rubricId === undefined ? undefined : byId.get(cx.rubricId)) ?? (shells[0] as CaseRubric);
    const remainder = cx.criterion ?? {};
    const identifier = str(remainder.identifier) ?? nameUuid(`criterion ${framework.id} ${c.id}`);
    const criterion: CaseRubricCriterion = clean({
      ...remainder,
      identifier,
      uri: str(remainder.uri) ?? urn(identifier),
      category: str(remainder.category) ?? c.title,
      CFItemURI: links.get(c.id),
      position: typeof remainder.position === 'number' ? remainder.position : index + 1,
      rubricId: rubric.identifier,
      lastChangeDateTime: str(remainder.lastChangeDateTime) ?? stamp,
      CFRubricCriterionLevels: c.scale.levels.map((level, k) => {
        const saved = cx.levels?.[level.id] ?? {};
        const id = str(saved.identifier) ?? (isUuid(level.id) ? level.id : nameUuid(`level ${framework.id} ${c.id} ${level.id}`));
        return clean({
          ...saved,
          identifier: id,
          uri: str(saved.uri) ?? urn(id),
          quality: level.title ?? level.id,
          score: level.threshold,
          position: k + 1,
          rubricCriterionId: identifier,
          lastChangeDateTime: str(saved.lastChangeDateTime) ?? stamp,
        });
      }),
    });
    rubric.CFRubricCriteria?.push(criterion);
  });
  return shells;
}
