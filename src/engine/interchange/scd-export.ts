/**
 * Framework → IEEE 1484.20.3 (SCD) JSON-LD: one `scd:CompetencyFramework` node listing its
 * `scd:CompetencyDefinition` nodes in `scd:hasMember`, the tree as `ceasn:isChildOf` (child) and
 * `ceasn:hasChild` (parent), prerequisites as `scd:isSupportedBy`. What SCD has no term for
 * travels in our `lrs:engine` property on each node. Node ids are the IRIs the write-back
 * statements use. What an import kept (unknown properties and relations, other nodes, the
 * context, the spelling of terms, the form of text values, ids) is given back unchanged while
 * the framework still says the same. The binding is best effort: see `scd-types.ts`.
 */
import { competencyIri, frameworkIri } from '../iris';
import type { Competency, Framework } from '../types';
import { clean, engineSettings, titleFromStatement, type EngineDocumentExtension, type EngineItemExtension } from './engine-extension';
import {
  asList,
  ENGINE_CONTEXT_ENTRY,
  ENGINE_TERM,
  EXPORT_CONTEXT,
  isObject,
  LRS_NAMESPACE,
  pickText,
  refOf,
  relationsOf,
  termOn,
  TERMS,
  type ScdDocument,
  type ScdFrameworkExtras,
  type ScdNode,
  type ScdNodeExtras,
} from './scd-types';

export function scdExtrasOf(framework: Framework): ScdFrameworkExtras {
  return (framework.extras?.scd ?? {}) as ScdFrameworkExtras;
}

export function competencyScdExtras(c: Competency): ScdNodeExtras {
  return (c.extras?.scd ?? {}) as ScdNodeExtras;
}

export function frameworkToScd(framework: Framework): ScdDocument {
  const fx = scdExtrasOf(framework);
  const fwIri = keptId(fx) ?? frameworkIri(framework.id);
  const iris = new Map<string, string>();
  const used = new Set([fwIri]);
  for (const c of framework.competencies) {
    const kept = keptId(competencyScdExtras(c));
    const iri = kept !== undefined && !used.has(kept) ? kept : competencyIri(framework.id, c.id);
    used.add(iri);
    iris.set(c.id, iri);
  }
  const relations = new Relations(framework, iris);
  const definitions = framework.competencies.map((c) => {
    const sx = competencyScdExtras(c);
    const iri = iris.get(c.id) as string;
    const engine: EngineItemExtension = { ...(iri === c.id ? {} : { id: c.id }), ...engineSettings(c) };
    return clean({
      '@id': iri,
      '@type': 'scd:CompetencyDefinition',
      ...sx.node,
      ...texts({ title: c.title, description: c.description, kept: sx.mapped, statementTerms: TERMS.statement }),
      ...relations.of(c),
      [ENGINE_TERM]: engine,
    });
  });

  const mapped = fx.mapped ?? {};
  const versionTerm = termOn(mapped, TERMS.version);
  const membersTerm = termOn(mapped, TERMS.members) ?? 'scd:hasMember';
  const memberIris = framework.competencies.map((c) => iris.get(c.id) as string);
  const keptMembers = mapped[membersTerm];
  const sameMembers =
    keptMembers !== undefined &&
    asList(keptMembers).every((v) => typeof v === 'string' || (isObject(v) && Object.keys(v).length === 1)) &&
    JSON.stringify(asList(keptMembers).map(refOf)) === JSON.stringify(memberIris);
  const engine: EngineDocumentExtension = { ...(fwIri === framework.id ? {} : { id: framework.id }), version: framework.version, roles: framework.roles };
  const frameworkNode: ScdNode = clean({
    '@id': fwIri,
    '@type': 'scd:CompetencyFramework',
    ...fx.node,
    ...texts({ title: framework.title, description: framework.description, kept: fx.mapped, statementTerms: TERMS.frameworkStatement, alwaysName: true }),
    ...(versionTerm === undefined ? {} : { [versionTerm]: sameText(mapped[versionTerm], framework.version) }),
    [membersTerm]: sameMembers ? keptMembers : memberIris,
    [ENGINE_TERM]: engine,
  });

  // Kept nodes (and the framework node) go back to their places in @graph.
  const graph: unknown[] = [...definitions];
  const placed = [{ at: fx.at ?? 0, node: frameworkNode as unknown }, ...(fx.others ?? [])].sort((a, b) => a.at - b.at);
  for (const { at, node } of placed) graph.splice(Math.min(at, graph.length), 0, node);
  return { ...fx.document, '@context': contextOf(fx), '@graph': graph as ScdNode[] };
}

function keptId(x: ScdNodeExtras): string | undefined {
  const id = x.mapped?.['@id'];
  return typeof id === 'string' ? id : undefined;
}

/** The imported context with our inline entry added when it lacks one; ours when none was kept. */
function contextOf(fx: ScdFrameworkExtras): unknown {
  if (fx.context === undefined) return EXPORT_CONTEXT.map((e) => (typeof e === 'string' ? e : { ...e }));
  const entries = asList(fx.context);
  const declares = entries.some((e) => isObject(e) && e.lrs === LRS_NAMESPACE && e[ENGINE_TERM] !== undefined);
  return declares ? fx.context : [...entries, { ...ENGINE_CONTEXT_ENTRY }];
}

/** A kept text value when it still reads `text`, else `text`. */
function sameText(kept: unknown, text: string): unknown {
  return kept !== undefined && pickText(kept) === text ? kept : text;
}

/**
 * Name and statement. The statement is the description, else the title; a name is written when
 * the title is not what import would make of the statement, when the node had one, and always
 * on a framework node of our own. A node imported without a statement gets none.
 */
function texts(args: { title: string; description: string | undefined; kept: Record<string, unknown> | undefined; statementTerms: readonly string[]; alwaysName?: boolean }): ScdNode {
  const { title, description, kept, statementTerms } = args;
  const mapped = kept ?? {};
  const statement = description ?? title;
  const nameTerm = termOn(mapped, TERMS.name);
  const statementTerm = termOn(mapped, statementTerms);
  const out: ScdNode = {};
  if (nameTerm !== undefined || title !== titleFromStatement(statement) || (args.alwaysName === true && kept === undefined)) {
    out[nameTerm ?? 'scd:name'] = sameText(nameTerm === undefined ? undefined : mapped[nameTerm], title);
  }
  if (kept === undefined || statementTerm !== undefined || description !== undefined) {
    const term = statementTerm ?? 'scd:competencyStatement';
    out[term] = sameText(mapped[term], statement);
  }
  return out;
}

/**
 * Relation properties of each definition node. Kept ones go back as they were while they still
 * give the framework's tree (as a whole) and a competency's prerequisites; otherwise values
 * naming competencies of the framework are rewritten from it (under the spelling the node used,
 * else `ceasn:isChildOf` / `ceasn:hasChild` / `scd:isSupportedBy`), values naming anything else kept.
 */
class Relations {
  private readonly keepTree: boolean;
  private readonly keptPrerequisites: Map<string, string[]>;
  private readonly idOfIri: Map<string, string>;

  constructor(
    private readonly framework: Framework,
    private readonly iris: ReadonlyMap<string, string>,
  ) {
    this.idOfIri = new Map([...iris].map(([id, iri]) => [iri, id] as const));
    const kept = relationsOf(
      framework.competencies.map((c) => ({ id: c.id, props: competencyScdExtras(c).mapped ?? {} })),
      this.idOfIri,
    );
    this.keepTree = framework.competencies.every((c) => kept.parents.get(c.id) === c.parentId);
    this.keptPrerequisites = kept.prerequisites;
  }

  of(c: Competency): ScdNode {
    const mapped = competencyScdExtras(c).mapped ?? {};
    const keepPrerequisites = JSON.stringify(this.keptPrerequisites.get(c.id) ?? []) === JSON.stringify(c.prerequisites ?? []);
    const out: ScdNode = {};
    const family = (terms: readonly string[], keep: boolean, fallback: string, targets: string[], single = false): void => {
      let first: string | undefined;
      for (const term of terms) {
        if (mapped[term] === undefined) continue;
        first ??= term;
        out[term] = keep ? mapped[term] : this.foreign(mapped[term]);
      }
      if (keep || targets.length === 0) return;
      const term = first ?? fallback;
      const iris = targets.map((id) => this.iris.get(id) as string);
      const rest = out[term];
      out[term] = rest === undefined ? (single ? iris[0] : iris) : [...iris, ...asList(rest)];
    };
    const parent = c.parentId === undefined ? [] : [c.parentId];
    const children = this.framework.competencies.filter((x) => x.parentId === c.id).map((x) => x.id);
    family(TERMS.parent, this.keepTree, 'ceasn:isChildOf', parent, true);
    family(TERMS.children, this.keepTree, 'ceasn:hasChild', children);
    family(TERMS.prerequisites, keepPrerequisites, 'scd:isSupportedBy', c.prerequisites ?? []);
    return clean(out);
  }

  /** The values of a relation that name nothing in the framework (undefined when none). */
  private foreign(value: unknown): unknown {
    const rest = asList(value).filter((v) => !this.idOfIri.has(refOf(v) ?? ''));
    if (rest.length === 0) return undefined;
    return Array.isArray(value) ? rest : rest[0];
  }
}
