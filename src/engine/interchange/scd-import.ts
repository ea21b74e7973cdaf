/**
 * IEEE 1484.20.3 (SCD) JSON-LD → framework. The one `CompetencyFramework` node becomes the
 * framework, its `scd:hasMember` definitions (or, without that, every `CompetencyDefinition` node)
 * the competencies, `isChildOf`/`hasChild` the tree and `scd:isSupportedBy` the prerequisites.
 * Everything else (unknown properties and relations, other nodes, the context, the form of text
 * values) is kept in `extras.scd` so that {@link frameworkToScd} gives it back. Our `lrs:engine`
 * property, when present, restores what SCD has no term for. The binding is best effort: see
 * `scd-types.ts`.
 */
import type { ValidationProblem } from '../../xapi/validation-problem';
import type { PathSegment } from '../problem-path';
import type { Competency, Framework, ProficiencyLevel } from '../types';
import { validateFramework, type Parsed } from '../validate-definitions';
import {
  applyEngineSettings,
  DEFAULT_LEVELS,
  titleFromStatement,
  without,
  type EngineDocumentExtension,
  type EngineItemExtension,
} from './engine-extension';
import {
  asList,
  hasType,
  isObject,
  isRefValue,
  isTextValue,
  pickText,
  refOf,
  relationsOf,
  scdPath,
  termOn,
  termsOn,
  TERMS,
  type ScdFrameworkExtras,
  type ScdNodeExtras,
} from './scd-types';

export interface ScdImportOptions {
  /**
   * Scale for definitions without our `lrs:engine` property.
   * @defaultValue one level, `competent` at 0.7
   */
  defaultLevels?: ProficiencyLevel[];
}

/** A node and where it stands in the document. */
interface Located {
  node: Record<string, unknown>;
  path: PathSegment[];
}

interface Reader {
  problems: ValidationProblem[];
  problem(path: readonly PathSegment[], message: string): void;
}

const TEXT_MESSAGE = 'must be a string, value object, language map or array of those';
const FRAMEWORK = 'CompetencyFramework';
const DEFINITION = 'CompetencyDefinition';

function reader(): Reader {
  const problems: ValidationProblem[] = [];
  return { problems, problem: (path, message) => problems.push({ path: scdPath(path), message }) };
}

/** An SCD document as a framework, or every problem found (paths into the document, or `framework.…`). */
export function frameworkFromScd(input: unknown, options: ScdImportOptions = {}): Parsed<Framework> {
  const r = reader();
  const doc = documentOf(input, r);
  const fw = doc === undefined ? undefined : frameworkNode(doc, r);
  if (doc === undefined || fw === undefined) return { ok: false, problems: r.problems };
  const members = membersOf(doc, fw, r);
  nodeIds([fw, ...members], r);
  const framework = frameworkOf(fw, r);
  const competencies = members.map((m) => competencyOf(m, r, options.defaultLevels ?? DEFAULT_LEVELS));
  const idOfIri = new Map(members.map((m, i) => [m.node['@id'] as string, competencies[i]?.id ?? ''] as const));
  const { parents, prerequisites } = relationsOf(
    members.map((m, i) => ({ id: competencies[i]?.id ?? '', props: m.node })),
    idOfIri,
  );
  for (const c of competencies) {
    const parent = parents.get(c.id);
    if (parent !== undefined) c.parentId = parent;
    const before = prerequisites.get(c.id);
    if (before !== undefined) c.prerequisites = before;
  }

  framework.competencies = competencies;
  const memberSet = new Set(members.map((m) => m.node));
  const fx = framework.extras?.scd as ScdFrameworkExtras;
  Object.assign(fx, doc.kept, {
    at: doc.nodes.findIndex((n) => n.node === fw.node),
    others: doc.nodes.flatMap((n, at) => (n.node === fw.node || memberSet.has(n.node) ? [] : [{ at, node: n.node }])),
  });
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  const semantic = validateFramework(framework).map((p) => ({ path: `framework.${p.path}`, message: p.message }));
  return semantic.length > 0 ? { ok: false, problems: semantic } : { ok: true, value: framework };
}

interface Doc {
  nodes: Located[];
  /** Where the node list is, for problems about it. */
  graphPath: PathSegment[];
  kept: Pick<ScdFrameworkExtras, 'context' | 'document'>;
}

// `{ "@context", "@graph": [...] }`, a bare array of nodes, or one framework node whose
// `scd:hasMember` embeds its definitions.
function documentOf(input: unknown, r: Reader): Doc | undefined {
  const located = (list: unknown[], base: PathSegment[]): Located[] =>
    list.flatMap((node, i) => {
      if (isObject(node)) return [{ node, path: [...base, i] }];
      r.problem([...base, i], 'must be a node object');
      return [];
    });
  if (Array.isArray(input)) return { nodes: located(input, []), graphPath: [], kept: {} };
  if (!isObject(input)) {
    r.problem([], 'must be a JSON-LD document: an object with @graph, an array of nodes, or a CompetencyFramework node');
    return undefined;
  }
  const kept: Doc['kept'] = input['@context'] === undefined ? {} : { context: input['@context'] };
  if (input['@graph'] === undefined) return { nodes: [{ node: without(input, ['@context']), path: [] }], graphPath: [], kept };
  if (!Array.isArray(input['@graph'])) {
    r.problem(['@graph'], 'must be an array of node objects');
    return undefined;
  }
  const document = without(input, ['@context', '@graph']);
  if (Object.keys(document).length > 0) kept.document = document;
  return { nodes: located(input['@graph'], ['@graph']), graphPath: ['@graph'], kept };
}

function frameworkNode(doc: Doc, r: Reader): Located | undefined {
  for (const n of doc.nodes) {
    const type = n.node['@type'];
    if (type !== undefined && !asList(type).every((t) => typeof t === 'string')) r.problem([...n.path, '@type'], 'must be a string or an array of strings');
  }
  const frameworks = doc.nodes.filter((n) => hasType(n.node, FRAMEWORK));
  const [first, ...more] = frameworks;
  if (first === undefined) r.problem(doc.graphPath, 'has no CompetencyFramework node (@type scd:CompetencyFramework)');
  for (const extra of more) {
    r.problem([...extra.path, '@type'], `is a second CompetencyFramework (the first is at ${scdPath(first?.path ?? []) || 'the top'}); a document holds one framework`);
  }
  return more.length === 0 ? first : undefined;
}

// The framework's `hasMember` targets, in order (IRIs of nodes in the graph, or embedded nodes);
// without `hasMember`, every definition node of the graph.
function membersOf(doc: Doc, fw: Located, r: Reader): Located[] {
  const term = termOn(fw.node, TERMS.members);
  if (term === undefined) return doc.nodes.filter((n) => n !== fw && hasType(n.node, DEFINITION));
  const byIri = new Map<string, Located>();
  for (const n of doc.nodes) {
    const id = n.node['@id'];
    if (typeof id === 'string' && !byIri.has(id)) byIri.set(id, n);
  }
  const value = fw.node[term];
  const seen = new Set<string>();
  const members: Located[] = [];
  asList(value).forEach((v, k) => {
    const path = Array.isArray(value) ? [...fw.path, term, k] : [...fw.path, term];
    const iri = refOf(v);
    const embedded = isObject(v) && Object.keys(v).some((key) => key !== '@id');
    if (iri === undefined) {
      r.problem(embedded ? [...path, '@id'] : path, embedded ? 'is required (a string)' : 'must be an IRI, a node reference {"@id"} or a node object');
      return;
    }
    if (seen.has(iri)) return r.problem(path, `repeats the member ${JSON.stringify(iri)}`);
    seen.add(iri);
    const target = embedded ? { node: v, path } : byIri.get(iri);
    if (target === undefined) return r.problem(path, `names ${JSON.stringify(iri)}, which no node in the document describes`);
    if (target.node === fw.node || iri === fw.node['@id']) return r.problem(path, 'names the framework itself');
    const described = byIri.get(iri);
    if (embedded && described !== undefined) return r.problem(path, `describes ${JSON.stringify(iri)} again (also at ${scdPath(described.path)})`);
    members.push(target);
  });
  return members;
}

function nodeIds(nodes: readonly Located[], r: Reader): void {
  const first = new Map<string, Located>();
  for (const n of nodes) {
    const id = n.node['@id'];
    if (typeof id !== 'string' || id === '') {
      r.problem([...n.path, '@id'], 'is required (a non-empty string)');
      continue;
    }
    const earlier = first.get(id);
    if (earlier !== undefined && earlier.node !== n.node) r.problem([...n.path, '@id'], `repeats the @id of the node at ${scdPath(earlier.path)}`);
    else first.set(id, n);
  }
}

/** A text term's value (checked), the spelling it was found under. */
function textOf(n: Located, spellings: readonly string[], r: Reader): { term?: string; text?: string } {
  const term = termOn(n.node, spellings);
  if (term === undefined) return {};
  const value = n.node[term];
  if (!isTextValue(value)) {
    r.problem([...n.path, term], TEXT_MESSAGE);
    return { term };
  }
  return { term, text: pickText(value) };
}

/** Title and description from name and statement: the name, else the statement (cut if long). */
function titled(n: Located, statementTerms: readonly string[], r: Reader): { title: string; description?: string; terms: string[] } {
  const before = r.problems.length;
  const name = textOf(n, TERMS.name, r);
  const statement = textOf(n, statementTerms, r);
  const title = name.text ?? (statement.text === undefined ? undefined : titleFromStatement(statement.text));
  if (title === undefined && r.problems.length === before) {
    r.problem([...n.path, statementTerms[0] ?? ''], 'is required (or scd:name)');
  }
  const terms = [name.term, statement.term].filter((t): t is string => t !== undefined);
  return { title: title ?? '', ...(statement.text !== undefined && statement.text !== title ? { description: statement.text } : {}), terms };
}

/** Our `lrs:engine` JSON literal (plain, or as an expanded `{"@value", "@type": "@json"}`). */
function engineOf<T>(n: Located, r: Reader): T {
  const term = termOn(n.node, TERMS.engine);
  if (term === undefined) return {} as T;
  let value = n.node[term];
  if (isObject(value) && value['@type'] === '@json') value = value['@value'];
  if (isObject(value)) return value as T;
  r.problem([...n.path, term], 'must be an object (this LRS\'s engine settings)');
  return {} as T;
}

/** Keeps mapped properties as they were and the rest apart; our engine property is rebuilt on export. */
function split(node: Record<string, unknown>, mappedTerms: readonly string[]): Required<ScdNodeExtras> {
  const mapped = Object.fromEntries(mappedTerms.map((t) => [t, node[t]]));
  return { mapped, node: without(node, [...mappedTerms, ...TERMS.engine]) };
}

function competencyOf(m: Located, r: Reader, defaultLevels: ProficiencyLevel[]): Competency {
  const ext = engineOf<EngineItemExtension>(m, r);
  const { title, description, terms } = titled(m, TERMS.statement, r);
  const relations = termsOn(m.node, TERMS.parent, TERMS.children, TERMS.prerequisites);
  for (const term of relations) {
    if (!isRefValue(m.node[term])) r.problem([...m.path, term], 'must be an IRI, a node reference {"@id"} or an array of those');
  }
  const c: Competency = { id: ext.id ?? String(m.node['@id']), title, scale: { levels: defaultLevels.map((l) => ({ ...l })) } };
  if (description !== undefined) c.description = description;
  applyEngineSettings(c, ext);
  c.extras = { scd: split(m.node, ['@id', ...terms, ...relations]) };
  return c;
}

function frameworkOf(fw: Located, r: Reader): Framework {
  const ext = engineOf<EngineDocumentExtension>(fw, r);
  const { title, description, terms } = titled(fw, TERMS.frameworkStatement, r);
  const version = textOf(fw, TERMS.version, r);
  const members = termOn(fw.node, TERMS.members);
  const mappedTerms = ['@id', ...terms, ...[version.term, members].filter((t): t is string => t !== undefined)];
  const framework: Framework = {
    id: ext.id ?? String(fw.node['@id']),
    version: ext.version ?? version.text ?? '1',
    title,
    roles: Array.isArray(ext.roles) ? (ext.roles as Framework['roles']) : [],
    competencies: [],
    extras: { scd: split(fw.node, mappedTerms) },
  };
  if (description !== undefined) framework.description = description;
  return framework;
}
