/**
 * The subset of 1EdTech CASE 1.1 (Competencies and Academic Standards Exchange) CFPackage JSON
 * that import and export read and write. Field names follow the CASE 1.1 data model (§7.1);
 * every object may carry more fields, which import keeps and export gives back.
 */
import { createHash } from 'node:crypto';

/** CASE LinkURI / LinkGenURI: a reference to another CASE object. */
export interface CaseLink {
  title: string;
  identifier: string;
  uri: string;
  /** LinkGenURI only (CASE 1.1). */
  targetType?: string;
}

export type CaseExtensions = Record<string, unknown>;

export interface CaseDocument {
  identifier: string;
  uri: string;
  title: string;
  creator?: string;
  description?: string;
  version?: string;
  lastChangeDateTime: string;
  extensions?: CaseExtensions;
  [more: string]: unknown;
}

export interface CaseItem {
  identifier: string;
  uri: string;
  fullStatement: string;
  abbreviatedStatement?: string;
  CFDocumentURI?: CaseLink;
  lastChangeDateTime: string;
  extensions?: CaseExtensions;
  [more: string]: unknown;
}

/**
 * CASE 1.1 association types, plus `ext:…` custom ones. `isChildOf`: origin is a child of
 * destination; `precedes`: origin comes before destination (a prerequisite of it).
 */
export interface CaseAssociation {
  identifier: string;
  uri: string;
  associationType: string;
  originNodeURI: CaseLink;
  destinationNodeURI: CaseLink;
  sequenceNumber?: number;
  lastChangeDateTime: string;
  CFDocumentURI?: CaseLink;
  extensions?: CaseExtensions;
  [more: string]: unknown;
}

export interface CaseRubricLevel {
  identifier: string;
  uri: string;
  quality?: string;
  description?: string;
  score?: number;
  position?: number;
  lastChangeDateTime: string;
  [more: string]: unknown;
}

export interface CaseRubricCriterion {
  identifier: string;
  uri: string;
  category?: string;
  CFItemURI?: CaseLink;
  position?: number;
  lastChangeDateTime: string;
  CFRubricCriterionLevels?: CaseRubricLevel[];
  [more: string]: unknown;
}

export interface CaseRubric {
  identifier: string;
  uri: string;
  title?: string;
  lastChangeDateTime: string;
  CFRubricCriteria?: CaseRubricCriterion[];
  [more: string]: unknown;
}

export interface CasePackage {
  CFDocument: CaseDocument;
  CFItems: CaseItem[];
  CFAssociations: CaseAssociation[];
  CFDefinitions?: Record<string, unknown>;
  CFRubrics?: CaseRubric[];
  [more: string]: unknown;
}

/**
 * Key of our extension in CASE `extensions` objects (CASE 1.1 leaves their form to the binding;
 * in JSON, an object keyed by IRI as xAPI does). It carries what CASE has no field for: the
 * engine's ids, scales, validation rules, decay, roll-up, indicators and roles.
 */
export const ENGINE_EXTENSION = 'https://competency-lrs.dev/case/engine';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

// RFC 9562 §5.5 (UUIDv5, SHA-1 name-based) under a namespace of our own, so the same framework
// always exports the same identifiers.
const NAMESPACE = Buffer.from('6c0c2a7e5d1b4c41a3a0b3f6f0e2d9a1', 'hex');

export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Round-trip data kept in `Framework.extras.case`. */
export interface CaseFrameworkExtras {
  /** CFDocument fields not mapped onto the framework. */
  document?: Record<string, unknown>;
  /** Associations the framework model has no place for (other types, second parents, external nodes). */
  associations?: CaseAssociation[];
  /** Identity of mapped associations by `type|origin|destination`, so export reuses it. */
  associationIds?: Record<string, Partial<CaseAssociation>>;
  definitions?: Record<string, unknown>;
  /**
   * Each rubric's own fields; criteria that became a competency's scale are rebuilt from the
   * scale on export, the others are kept here (`CFRubricCriteria`) as they were.
   */
  rubrics?: CaseRubric[];
}

/** Round-trip data kept in `Competency.extras.case`. */
export interface CaseCompetencyExtras {
  /** CFItem fields not mapped onto the competency. */
  item?: Record<string, unknown>;
  /** The rubric the scale came from, and its criterion's own fields. */
  rubricId?: string;
  criterion?: Record<string, unknown>;
  /** Per level id, the CFRubricCriterionLevel fields not mapped onto the level. */
  levels?: Record<string, Record<string, unknown>>;
}

export type { EngineDocumentExtension, EngineItemExtension } from './engine-extension';
