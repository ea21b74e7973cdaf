import fc from 'fast-check';
import { competencyIri } from '../iris';
import { makeFramework } from '../testing/fixtures';
import { frameworkArbitrary } from '../testing/framework-arbitrary';
import type { Framework } from '../types';
import { validateFramework } from '../validate-definitions';
import { frameworkToScd } from './scd-export';
import { frameworkFromScd } from './scd-import';
import { ENGINE_CONTEXT_ENTRY, EXPORT_CONTEXT, SCD_CONTEXT, type ScdNode } from './scd-types';

const BASE = 'https://example.org/scd/fractions/';
const iri = (s: string) => `${BASE}${s}`;
const LONG = `Explain ${'why equivalent fractions name the same amount, '.repeat(30)}using area models.`;

/**
 * A document shaped like the working group's published example (framework node listing its
 * members, definitions with reference codes, statements, a CTDL-ASN profile property and
 * `scd:isSupportedBy`), plus what other tools may add: unknown properties and relations, a rubric
 * node, text in several forms, bare terms, a tree, a supporting competency outside the document.
 */
function foreignDocument(): { '@context': unknown; '@graph': ScdNode[] } {
  return {
    '@context': SCD_CONTEXT,
    '@graph': [
      {
        '@type': 'scd:CompetencyFramework',
        '@id': iri('framework'),
        'scd:name': 'Fractions',
        'scd:competencyStatement': 'Fractions',
        'scd:typeLabel': 'Framework',
        creator: 'District maths team',
        'scd:referenceCode': '',
        'scd:hasMember': [iri('f1'), iri('f2'), iri('f3'), iri('f4')],
        'scd:hasTargetMember': [iri('f4')],
      },
      {
        '@type': 'CompetencyDefinition',
        '@id': iri('f1'),
        'scd:referenceCode': '3.NF.1',
        'scd:competencyStatement': { fr: 'Comprendre une fraction unitaire', 'en-US': 'Understand a unit fraction' },
        'ceasn:educationLevel': ['03'],
      },
      {
        '@type': ['CompetencyDefinition', 'ex:Skill'],
        '@id': iri('f2'),
        'scd:referenceCode': '3.NF.2',
        'scd:name': [{ '@value': 'Fractions on a number line', '@language': 'en' }, { '@value': 'Fractions sur une droite', '@language': 'fr' }],
        competencyStatement: 'Place fractions on a number line diagram.',
        'ceasn:isChildOf': iri('f1'),
        'ex:difficulty': { '@value': 3, '@type': 'xsd:integer' },
        'skos:related': [iri('f3')],
      },
      { '@type': 'ex:Rubric', '@id': iri('rubric'), 'ex:levels': ['emerging', 'secure'] },
      {
        '@type': 'CompetencyDefinition',
        '@id': iri('f3'),
        'scd:referenceCode': '3.NF.3',
        'scd:competencyStatement': LONG,
        'ceasn:educationLevel': ['03', '04'],
        'scd:isSupportedBy': [iri('f1'), 'https://other.example/k2/counting'],
      },
      {
        '@type': 'CompetencyDefinition',
        '@id': iri('f4'),
        'scd:referenceCode': '3.NF.4',
        'scd:competencyStatement': 'Compare two fractions with the same numerator or denominator.',
        isSupportedBy: [{ '@id': iri('f3') }, iri('f2')],
        'ceasn:hasChild': [iri('f3')],
      },
    ],
  };
}

const imported = (doc: unknown): Framework => {
  const r = frameworkFromScd(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
};
const problemsOf = (doc: unknown) => {
  const r = frameworkFromScd(doc);
  return r.ok ? [] : r.problems;
};
const withoutExtras = (f: Framework): Framework =>
  JSON.parse(JSON.stringify(f, (k, v: unknown) => (k === 'extras' ? undefined : v))) as Framework;
const withoutEngine = (node: unknown): unknown => {
  const { 'lrs:engine': _engine, ...rest } = node as ScdNode;
  return rest;
};

describe('SCD import', () => {
  it('maps the framework node, its members, the tree and isSupportedBy', () => {
    const f = imported(foreignDocument());
    expect(validateFramework(f)).toEqual([]);
    expect([f.id, f.version, f.title, f.description, f.roles]).toEqual([iri('framework'), '1', 'Fractions', undefined, []]);
    expect(f.competencies.map((c) => [c.id, c.title, c.parentId, c.prerequisites])).toEqual([
      [iri('f1'), 'Understand a unit fraction', undefined, undefined],
      [iri('f2'), 'Fractions on a number line', iri('f1'), undefined],
      // a long statement is cut for the title (as CASE import does) and kept whole as description
      [iri('f3'), `${LONG.slice(0, 999)}…`, iri('f4'), [iri('f1')]],
      [iri('f4'), 'Compare two fractions with the same numerator or denominator.', undefined, [iri('f3'), iri('f2')]],
    ]);
    const [f1, f2, f3, f4] = f.competencies;
    expect(f1?.description).toBeUndefined();
    expect(f2?.description).toBe('Place fractions on a number line diagram.');
    expect(f3?.description).toBe(LONG);
    expect(f4?.scale.levels).toEqual([{ id: 'competent', title: 'Competent', threshold: 0.7 }]);
  });

  it('gives back everything it did not map, unchanged, and from then on export is a fixed point', () => {
    const doc = foreignDocument();
    const out = frameworkToScd(imported(doc));
    expect(out['@context']).toEqual([SCD_CONTEXT, ENGINE_CONTEXT_ENTRY]);
    // every node as it was (order, @type, unknown properties and relations, text forms, bare terms,
    // the rubric node, the external supporting competency), plus our engine property
    expect(out['@graph'].map(withoutEngine)).toEqual(doc['@graph']);
    expect(out['@graph'][3]).toEqual(doc['@graph'][3]);
    expect(out['@graph'][0]?.['lrs:engine']).toEqual({ version: '1', roles: [] });
    expect(out['@graph'][1]?.['lrs:engine']).toMatchObject({ scale: { levels: [{ id: 'competent', threshold: 0.7 }] } });
    expect(out['@graph'][1]?.['lrs:engine']).not.toHaveProperty('id');

    const again = imported(out);
    expect(withoutExtras(again)).toEqual(withoutExtras(imported(doc)));
    expect(frameworkToScd(again)).toEqual(out);
  });

  it('takes a bare array of nodes, and a framework node embedding its definitions', () => {
    const [fw, ...rest] = foreignDocument()['@graph'];
    const definitions = rest.filter((n) => n['@type'] !== 'ex:Rubric');
    const fromArray = imported([fw, ...rest]);
    expect(withoutExtras(fromArray)).toEqual(withoutExtras(imported(foreignDocument())));
    const embedded = imported({ '@context': SCD_CONTEXT, ...fw, 'scd:hasMember': definitions });
    expect(withoutExtras(embedded)).toEqual(withoutExtras(imported(foreignDocument())));
    // exported as a graph: members by IRI, each definition a node of its own
    const out = frameworkToScd(embedded);
    expect(out['@graph'][0]?.['scd:hasMember']).toEqual([iri('f1'), iri('f2'), iri('f3'), iri('f4')]);
    expect(out['@graph'].slice(1).map(withoutEngine)).toEqual(definitions);
  });

  it('reads bare and IRI types and terms, hasChild, skos:broader and prerequisiteAlignment; without hasMember every definition', () => {
    const f = imported({
      '@graph': [
        { '@type': ['https://standards.ieee.org/1484.20.3/CompetencyFramework'], '@id': 'urn:fw:1', name: 'Bare', description: 'Bare terms', version: '2.1' },
        { '@type': 'scd:CompetencyDefinition', '@id': 'urn:c:1', competencyStatement: 'One', hasChild: ['urn:c:2'] },
        { '@type': 'http://example.org/vocab#CompetencyDefinition', '@id': 'urn:c:2', competencyStatement: { '@value': 'Two' } },
        { '@type': 'CompetencyDefinition', '@id': 'urn:c:3', 'scd:competencyStatement': 'Three', 'skos:broader': ['urn:elsewhere', 'urn:c:2'] },
        { '@type': 'CompetencyDefinition', '@id': 'urn:c:4', 'scd:competencyStatement': 'Four', 'ceasn:prerequisiteAlignment': 'urn:c:3' },
        { '@type': 'ex:Other', '@id': 'urn:x', 'scd:competencyStatement': 'Not a definition' },
      ],
    });
    expect([f.id, f.title, f.description, f.version]).toEqual(['urn:fw:1', 'Bare', 'Bare terms', '2.1']);
    expect(f.competencies.map((c) => [c.id, c.title, c.parentId, c.prerequisites])).toEqual([
      ['urn:c:1', 'One', undefined, undefined],
      ['urn:c:2', 'Two', 'urn:c:1', undefined],
      ['urn:c:3', 'Three', 'urn:c:2', undefined],
      ['urn:c:4', 'Four', undefined, ['urn:c:3']],
    ]);
    // without hasMember in the source, export lists the members; everything else comes back
    const out = frameworkToScd(f);
    expect(out['@context']).toEqual(EXPORT_CONTEXT);
    expect(out['@graph'][0]).toMatchObject({ name: 'Bare', description: 'Bare terms', version: '2.1', 'scd:hasMember': ['urn:c:1', 'urn:c:2', 'urn:c:3', 'urn:c:4'] });
    expect(out['@graph'][5]).toEqual({ '@type': 'ex:Other', '@id': 'urn:x', 'scd:competencyStatement': 'Not a definition' });
    expect(out['@graph'][3]).toMatchObject({ 'skos:broader': ['urn:elsewhere', 'urn:c:2'] });
    expect(out['@graph'][3]).not.toHaveProperty('ceasn:isChildOf');
  });

  it('picks English text, else the first', () => {
    const text = (value: unknown) =>
      imported({ '@graph': [{ '@type': 'CompetencyFramework', '@id': 'urn:f', 'scd:name': value }, { '@type': 'CompetencyDefinition', '@id': 'urn:c', 'scd:competencyStatement': 'C' }] }).title;
    expect(text({ de: 'Brüche', 'en-GB': 'Fractions', en: 'Fractions (en)' })).toBe('Fractions');
    expect(text([{ '@value': 'Brüche', '@language': 'de' }, { '@value': 'Fractions', '@language': 'EN' }])).toBe('Fractions');
    expect(text({ de: ['Brüche', 'Bruchrechnen'], fr: 'Fractions' })).toBe('Brüche');
    expect(text(['Plain', { '@value': 'Anglais', '@language': 'fr' }])).toBe('Plain');
    expect(text({ '@none': 'Untagged' })).toBe('Untagged');
  });

  it('restores engine settings, ids and roles from lrs:engine (also in expanded @json form)', () => {
    const f = imported({
      '@graph': [
        { '@type': 'scd:CompetencyFramework', '@id': 'urn:f', 'scd:name': 'F', 'lrs:engine': { id: 'fw-1', version: '7', roles: [{ id: 'r', title: 'R', requirements: [{ competencyId: 'c1', targetLevel: 'high' }] }] } },
        {
          '@type': 'scd:CompetencyDefinition',
          '@id': 'urn:c1',
          'scd:competencyStatement': 'C1',
          'lrs:engine': { '@type': '@json', '@value': { id: 'c1', scale: { levels: [{ id: 'high', threshold: 0.8 }] }, halfLifeDays: 30 } },
        },
      ],
    });
    expect(f).toMatchObject({ id: 'fw-1', version: '7', roles: [{ id: 'r' }] });
    expect(f.competencies[0]).toMatchObject({ id: 'c1', scale: { levels: [{ id: 'high', threshold: 0.8 }] }, halfLifeDays: 30 });
    expect(frameworkToScd(f)['@graph'].map((n) => n['@id'])).toEqual(['urn:f', 'urn:c1']);
  });
});

describe('SCD import problems', () => {
  it('names each problem with its path in the document', () => {
    const doc = foreignDocument();
    const graph = doc['@graph'];
    (graph[0] as ScdNode)['scd:hasMember'] = [iri('f1'), iri('f2'), iri('missing'), iri('f4'), iri('f1'), 42];
    graph[5] = { ...graph[5], isSupportedBy: [{ name: 'no id' }], 'lrs:engine': 'fast' };
    graph[2] = { ...graph[2], '@type': ['CompetencyDefinition', 3] };
    expect(problemsOf(doc)).toEqual([
      { path: '@graph[2].@type', message: 'must be a string or an array of strings' },
      { path: '@graph[0].scd:hasMember[2]', message: `names "${iri('missing')}", which no node in the document describes` },
      { path: '@graph[0].scd:hasMember[4]', message: `repeats the member "${iri('f1')}"` },
      { path: '@graph[0].scd:hasMember[5]', message: 'must be an IRI, a node reference {"@id"} or a node object' },
      { path: '@graph[5].lrs:engine', message: "must be an object (this LRS's engine settings)" },
      { path: '@graph[5].isSupportedBy', message: 'must be an IRI, a node reference {"@id"} or an array of those' },
    ]);
    const bad = foreignDocument();
    bad['@graph'][4] = { ...bad['@graph'][4], 'scd:competencyStatement': 12 };
    expect(problemsOf(bad)).toEqual([{ path: '@graph[4].scd:competencyStatement', message: 'must be a string, value object, language map or array of those' }]);
  });

  it('needs a document with exactly one framework, ids, and a statement or name', () => {
    expect(problemsOf('x')).toEqual([{ path: '', message: expect.stringMatching(/^must be a JSON-LD document/) }]);
    expect(problemsOf({ '@graph': {} })).toEqual([{ path: '@graph', message: 'must be an array of node objects' }]);
    expect(problemsOf({ '@graph': [{ '@type': 'CompetencyDefinition', '@id': 'urn:c' }, 7] })).toEqual([
      { path: '@graph[1]', message: 'must be a node object' },
      { path: '@graph', message: 'has no CompetencyFramework node (@type scd:CompetencyFramework)' },
    ]);
    const two = foreignDocument();
    two['@graph'].push({ '@type': 'scd:CompetencyFramework', '@id': 'urn:second' });
    expect(problemsOf(two)).toEqual([{ path: '@graph[6].@type', message: 'is a second CompetencyFramework (the first is at @graph[0]); a document holds one framework' }]);
    expect(problemsOf([
      { '@type': 'CompetencyFramework', 'scd:name': 'F' },
      { '@type': 'CompetencyDefinition', '@id': 'urn:c', 'ceasn:educationLevel': '03' },
      { '@type': 'CompetencyDefinition', '@id': 'urn:c', 'scd:competencyStatement': 'Again' },
    ])).toEqual([
      { path: '[0].@id', message: 'is required (a non-empty string)' },
      { path: '[2].@id', message: 'repeats the @id of the node at [1]' },
      { path: '[1].scd:competencyStatement', message: 'is required (or scd:name)' },
    ]);
    expect(problemsOf({ '@type': 'CompetencyFramework', '@id': 'urn:f', 'scd:name': 'F', 'scd:hasMember': [{ 'scd:competencyStatement': 'no id' }] })).toEqual([
      { path: 'scd:hasMember[0].@id', message: 'is required (a string)' },
    ]);
  });

  it('checks the framework it makes like any other (paths framework.…)', () => {
    const cyclic = foreignDocument();
    cyclic['@graph'][1] = { ...cyclic['@graph'][1], 'scd:isSupportedBy': [iri('f4')] };
    const r = frameworkFromScd(cyclic);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([expect.objectContaining({ path: expect.stringMatching(/^framework\.competencies\[\d\]\.prerequisites/), message: expect.stringMatching(/cycle/) })]);
    const badScale = foreignDocument();
    badScale['@graph'][1] = { ...badScale['@graph'][1], 'lrs:engine': { scale: { levels: [] } } };
    const s = frameworkFromScd(badScale);
    expect(!s.ok && s.problems.map((p) => p.path)).toEqual(['framework.competencies[0].scale.levels']);
  });
});

describe('SCD export', () => {
  it('writes a framework node, definition nodes with write-back IRIs, the tree both ways and isSupportedBy', () => {
    const f = makeFramework({ description: 'How we serve customers' });
    const doc = frameworkToScd(f);
    expect(doc['@context']).toEqual(EXPORT_CONTEXT);
    const [fw, p1, c1, c2] = doc['@graph'];
    expect(fw).toEqual({
      '@id': f.id,
      '@type': 'scd:CompetencyFramework',
      'scd:name': 'Customer service',
      'scd:competencyStatement': 'How we serve customers',
      'scd:hasMember': ['p1', 'c1', 'c2'].map((id) => competencyIri(f.id, id)),
      'lrs:engine': { version: '1', roles: f.roles },
    });
    expect(p1).toMatchObject({
      '@id': 'https://example.com/frameworks/service/competencies/p1',
      '@type': 'scd:CompetencyDefinition',
      'scd:competencyStatement': 'Service',
      'ceasn:hasChild': [competencyIri(f.id, 'c1'), competencyIri(f.id, 'c2')],
      'lrs:engine': { id: 'p1', rollup: { mode: 'all-children' } },
    });
    expect(p1).not.toHaveProperty('scd:name');
    expect(c2).toMatchObject({ 'ceasn:isChildOf': competencyIri(f.id, 'p1'), 'scd:isSupportedBy': [competencyIri(f.id, 'c1')] });
    expect(c1?.['lrs:engine']).toMatchObject({ id: 'c1', halfLifeDays: 180, validationRule: { minEvidence: 3 }, indicators: f.competencies[1]?.indicators });
    // a framework id that is not an IRI: URNs, and the ids ride in lrs:engine
    const plain = frameworkToScd(makeFramework({ id: 'service fw' }));
    expect(plain['@graph'][0]).toMatchObject({ '@id': 'urn:competency-lrs:framework:service%20fw', 'lrs:engine': { id: 'service fw' } });
    expect(plain['@graph'][1]?.['@id']).toBe('urn:competency-lrs:competency:service%20fw:p1');
  });

  it('rewrites what the framework no longer says, keeping the spelling used and values naming other documents', () => {
    const f = imported(foreignDocument());
    const [f1, f2, f3, f4] = f.competencies;
    if (!f1 || !f2 || !f3 || !f4) throw new Error('four competencies expected');
    f1.title = 'Understands unit fractions';
    f4.prerequisites = [f2.id];
    f3.parentId = f2.id;
    delete f3.prerequisites;
    const out = frameworkToScd(f)['@graph'];
    // a new title is a plain string
    expect(out[1]?.['scd:competencyStatement']).toBe('Understands unit fractions');
    // bare isSupportedBy stays bare; the other document's competency stays
    expect(out[5]).toMatchObject({ isSupportedBy: [iri('f2')] });
    expect(out[4]?.['scd:isSupportedBy']).toEqual(['https://other.example/k2/counting']);
    // the tree is rewritten from the framework: both directions, CTDL-ASN terms
    expect(out[4]?.['ceasn:isChildOf']).toBe(iri('f2'));
    expect(out[2]?.['ceasn:isChildOf']).toBe(iri('f1'));
    expect(out[2]?.['ceasn:hasChild']).toEqual([iri('f3')]);
    expect(out[5]).not.toHaveProperty('ceasn:hasChild');
    expect(out[2]?.['skos:related']).toEqual([iri('f3')]);
    const back = imported({ '@context': SCD_CONTEXT, '@graph': out });
    expect(withoutExtras(back)).toEqual(withoutExtras(f));
  });

  it('round-trips any valid framework through SCD (engine settings ride in lrs:engine)', () => {
    const arb = fc.tuple(frameworkArbitrary(), fc.constantFrom(undefined, 'plain-framework', 'urn:example:fw')).map(([f, id]) => (id === undefined ? f : { ...f, id }));
    fc.assert(
      fc.property(arb, (f) => {
        expect(validateFramework(f)).toEqual([]);
        const doc = JSON.parse(JSON.stringify(frameworkToScd(f))) as unknown;
        expect(withoutExtras(imported(doc))).toEqual(withoutExtras(f));
      }),
      { numRuns: 60 },
    );
  });
});
