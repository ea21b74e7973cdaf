/**
 * IEEE 1484.20.3 (Sharable Competency Definitions, SCD) in JSON-LD: the terms import and export
 * read and write, and what both need to read them.
 *
 * The standard's text is not public, so this binding follows the one example the IEEE
 * competency working group's chair published (jgoodell2/inferrable-skills-graph,
 * `competencyData.json`): a `@graph` with one `scd:CompetencyFramework` node listing its
 * definitions in `scd:hasMember`, and `CompetencyDefinition` nodes with `scd:competencyStatement`,
 * `scd:referenceCode`, profile properties from other vocabularies (`ceasn:…`) and
 * `scd:isSupportedBy` (the supporting competencies: a learning-pathway prerequisite graph). Terms
 * are read with the `scd:` prefix or bare, as the context defines both. docs/api.md lists which
 * terms are taken from that example and which are guesses.
 */
import { formatPath, type PathSegment } from '../problem-path';

/** The SCD JSON-LD context the example names. */
export const SCD_CONTEXT = 'https://standards.ieee.org/1484.20.3/context.jsonld';

/** This LRS's namespace for what SCD has no term for. */
export const LRS_NAMESPACE = 'https://competency-lrs.dev/ns/';

/**
 * Property carrying the engine settings SCD has no place for (scale, validation rule, decay,
 * roll-up, indicators, roles, original ids and version), as a JSON literal.
 */
export const ENGINE_TERM = 'lrs:engine';

/** Inline context entry declaring {@link ENGINE_TERM}, so documents stay valid JSON-LD 1.1. */
export const ENGINE_CONTEXT_ENTRY = { lrs: LRS_NAMESPACE, [ENGINE_TERM]: { '@type': '@json' } } as const;

/** `@context` of an exported document that brought none of its own. */
export const EXPORT_CONTEXT = [SCD_CONTEXT, ENGINE_CONTEXT_ENTRY] as const;

/**
 * Accepted spellings of each term, in order of preference: the first one present on a node is
 * the one read, and export writes a value back under the spelling it came with.
 */
export const TERMS = {
  name: ['scd:name', 'name'],
  statement: ['scd:competencyStatement', 'competencyStatement'],
  /** On the framework node, a description is read where there is no competency statement. */
  frameworkStatement: ['scd:competencyStatement', 'competencyStatement', 'scd:description', 'description'],
  version: ['scd:version', 'version'],
  members: ['scd:hasMember', 'hasMember'],
  /** Child → parent (CTDL-ASN, SCD, SKOS). */
  parent: ['ceasn:isChildOf', 'scd:isChildOf', 'isChildOf', 'skos:broader'],
  /** Parent → children, the inverse. */
  children: ['ceasn:hasChild', 'scd:hasChild', 'hasChild', 'skos:narrower'],
  /** Dependent → the competencies that support it (its prerequisites). */
  prerequisites: ['scd:isSupportedBy', 'isSupportedBy', 'ceasn:prerequisiteAlignment'],
  engine: [ENGINE_TERM, `${LRS_NAMESPACE}engine`],
} as const satisfies Record<string, readonly string[]>;

/** A JSON-LD node object. */
export type ScdNode = Record<string, unknown>;

/** What export writes: a JSON-LD document with one framework node and its definitions. */
export interface ScdDocument {
  '@context': unknown;
  '@graph': ScdNode[];
  [more: string]: unknown;
}

/** Round-trip data of one node, kept in `extras.scd` of a competency (and of the framework). */
export interface ScdNodeExtras {
  /** Properties import did not map (`@type`, `scd:referenceCode`, other relations…), as they were. */
  node?: Record<string, unknown>;
  /**
   * Properties import did map (`@id`, name, statement, version, members, hierarchy and
   * prerequisite relations), as they were and under the spelling used; export gives one back
   * unchanged while the framework still says the same.
   */
  mapped?: Record<string, unknown>;
}

/** Round-trip data of a document, kept in `Framework.extras.scd`. */
export interface ScdFrameworkExtras extends ScdNodeExtras {
  /** The document's `@context`, when it had one. */
  context?: unknown;
  /** Top-level members of the document besides `@context` and `@graph`. */
  document?: Record<string, unknown>;
  /** Place of the framework node in `@graph`. */
  at?: number;
  /** Nodes that are neither the framework nor one of its definitions (rubrics…), with their place. */
  others?: Array<{ at: number; node: unknown }>;
}

/** Keys of problem paths are bare unless they would read wrongly (`@graph[3].scd:name`). */
const PLAIN_KEY = /^[^\s.[\]"]+$/;

export function scdPath(segments: readonly PathSegment[]): string {
  return formatPath(segments, PLAIN_KEY);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first spelling of a term present on `node`. */
export function termOn(node: Record<string, unknown>, spellings: readonly string[]): string | undefined {
  return spellings.find((k) => node[k] !== undefined);
}

/** Every spelling of the terms present on `node`. */
export function termsOn(node: Record<string, unknown>, ...families: ReadonlyArray<readonly string[]>): string[] {
  return families.flat().filter((k) => node[k] !== undefined);
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Whether a node has the SCD type `name` (`scd:name`, bare, or an IRI ending in it). */
export function hasType(node: Record<string, unknown>, name: string): boolean {
  const pattern = new RegExp(`(^|[:/#])${name}$`);
  return asList(node['@type']).some((t) => typeof t === 'string' && pattern.test(t));
}

/** The IRI a relation value names: an IRI string or a node object's `@id`. */
export function refOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value['@id'] === 'string' ? value['@id'] : undefined;
}

/** Whether `value` is an IRI, a node reference or node with an `@id`, or an array of those. */
export function isRefValue(value: unknown): boolean {
  return asList(value).every((v) => refOf(v) !== undefined);
}

interface TextEntry {
  language?: string;
  text: string;
}

function textEntries(value: unknown): TextEntry[] | undefined {
  if (typeof value === 'string') return [{ text: value }];
  if (Array.isArray(value)) {
    const all = value.map((v) => (Array.isArray(v) ? undefined : textEntries(v)));
    return all.every((e) => e !== undefined) ? (all as TextEntry[][]).flat() : undefined;
  }
  if (!isObject(value)) return undefined;
  if ('@value' in value) {
    const language = value['@language'];
    if (typeof value['@value'] !== 'string' || (language !== undefined && typeof language !== 'string')) return undefined;
    return [{ text: value['@value'], ...(language === undefined ? {} : { language }) }];
  }
  // A language map: language → string or strings (`@none`: no language).
  const entries: TextEntry[] = [];
  for (const [language, texts] of Object.entries(value)) {
    const list = asList(texts);
    if ((language.startsWith('@') && language !== '@none') || !list.every((t) => typeof t === 'string')) return undefined;
    for (const text of list as string[]) entries.push(language === '@none' ? { text } : { language, text });
  }
  return entries;
}

/** Whether `value` is a string, a value object, a language map or an array of those. */
export function isTextValue(value: unknown): boolean {
  return textEntries(value) !== undefined;
}

/** The text of a text value: the English one (`en`, `en-*`) if there is one, else the first. */
export function pickText(value: unknown): string | undefined {
  const entries = textEntries(value) ?? [];
  return (entries.find((e) => e.language !== undefined && /^en(-|$)/i.test(e.language)) ?? entries[0])?.text;
}

/**
 * Parents and prerequisites that relation properties give, for competencies identified by the
 * IRIs in `idOfIri`: a child's parent is the first member its `isChildOf`-like properties name,
 * else the first member whose `hasChild`-like properties name it; a competency's prerequisites
 * are the members its `isSupportedBy`-like properties name. Values naming anything else (another
 * framework's competencies) give nothing.
 */
export function relationsOf(
  nodes: ReadonlyArray<{ id: string; props: Record<string, unknown> }>,
  idOfIri: ReadonlyMap<string, string>,
): { parents: Map<string, string>; prerequisites: Map<string, string[]> } {
  const named = (props: Record<string, unknown>, family: readonly string[], self: string): string[] =>
    termsOn(props, family)
      .flatMap((term) => asList(props[term]))
      .map((v) => idOfIri.get(refOf(v) ?? ''))
      .filter((id): id is string => id !== undefined && id !== self);
  const parents = new Map<string, string>();
  const prerequisites = new Map<string, string[]>();
  for (const { id, props } of nodes) {
    const parent = named(props, TERMS.parent, id)[0];
    if (parent !== undefined) parents.set(id, parent);
    const supports = [...new Set(named(props, TERMS.prerequisites, id))];
    if (supports.length > 0) prerequisites.set(id, supports);
  }
  for (const { id, props } of nodes) {
    for (const child of named(props, TERMS.children, id)) if (!parents.has(child)) parents.set(child, id);
  }
  return { parents, prerequisites };
}
