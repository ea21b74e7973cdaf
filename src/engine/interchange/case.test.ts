import fc from 'fast-check';
import { makeFramework } from '../testing/fixtures';
import { frameworkArbitrary } from '../testing/framework-arbitrary';
import type { Framework } from '../types';
import { validateFramework } from '../validate-definitions';
import { frameworkToCase } from './case-export';
import { frameworkFromCase } from './case-import';
import type { CaseAssociation, CasePackage } from './case-types';
import { isUuid, nameUuid } from './case-types';

const NOW = Date.UTC(2024, 4, 1);
const STAMP = '2023-09-01T12:00:00+00:00';
const DOC = { identifier: 'c2f1a7d0-0000-4000-8000-000000000001', uri: 'https://case.example.org/uri/c2f1a7d0-0000-4000-8000-000000000001', title: 'Service Framework' };
const id = (n: number) => `c2f1a7d0-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;
const link = (n: number, title = `Full statement of item ${n}`) => ({ title, identifier: id(n), uri: `https://case.example.org/uri/${id(n)}` });
const assoc = (n: number, type: string, origin: object, destination: object, extra: object = {}): CaseAssociation => ({
  identifier: id(50 + n),
  uri: `https://case.example.org/uri/${id(50 + n)}`,
  associationType: type,
  originNodeURI: origin as CaseAssociation['originNodeURI'],
  destinationNodeURI: destination as CaseAssociation['destinationNodeURI'],
  lastChangeDateTime: STAMP,
  ...extra,
});

/** A package as another CASE tool might publish it: no engine extension, a points rubric. */
function foreignPackage(): CasePackage {
  return {
    CFDocument: { ...DOC, creator: 'State Board', lastChangeDateTime: STAMP, adoptionStatus: 'Adopted', version: '2023' },
    CFItems: [1, 2, 3].map((n) => ({
      ...link(n),
      fullStatement: `Full statement of item ${n}`,
      humanCodingScheme: `SVC.${n}`,
      CFItemType: 'Competency',
      CFDocumentURI: { title: DOC.title, identifier: DOC.identifier, uri: DOC.uri },
      lastChangeDateTime: STAMP,
      extensions: { 'https://vendor.example/ext': { colour: n } },
    })),
    CFAssociations: [
      assoc(1, 'isChildOf', link(1), { ...DOC }, { sequenceNumber: 1 }),
      assoc(2, 'isChildOf', link(2), link(1), { sequenceNumber: 1 }),
      assoc(3, 'isChildOf', link(3), link(1), { sequenceNumber: 2 }),
      assoc(4, 'precedes', link(2), link(3)),
      assoc(5, 'isPeerOf', link(2), link(3)),
      assoc(6, 'ext:hasProgressionLevel', link(3), { title: 'elsewhere', identifier: 'x-1', uri: 'https://other.example/x-1' }),
      assoc(7, 'exactMatchOf', link(1), { title: 'ESCO', identifier: 'esco-1', uri: 'http://data.europa.eu/esco/skill/1' }),
    ],
    CFDefinitions: { CFItemTypes: [{ identifier: id(90), uri: 'https://case.example.org/t', title: 'Competency', lastChangeDateTime: STAMP }] },
    CFRubrics: [
      {
        identifier: id(80),
        uri: 'https://case.example.org/rubric',
        title: 'Performance levels',
        lastChangeDateTime: STAMP,
        CFRubricCriteria: [
          {
            identifier: id(81),
            uri: 'https://case.example.org/crit',
            category: 'Full statement of item 2',
            CFItemURI: link(2),
            lastChangeDateTime: STAMP,
            CFRubricCriterionLevels: [4, 1, 3, 2].map((score) => ({
              identifier: id(60 + score),
              uri: `https://case.example.org/level/${score}`,
              quality: ['Beginning', 'Developing', 'Proficient', 'Advanced'][score - 1],
              score,
              position: score,
              feedback: `feedback ${score}`,
              lastChangeDateTime: STAMP,
            })),
          },
        ],
      },
    ],
  };
}

const imported = (pkg: unknown): Framework => {
  const r = frameworkFromCase(pkg);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
};
const withoutCaseExtras = (f: Framework): Framework =>
  JSON.parse(JSON.stringify(f, (k, v: unknown) => (k === 'extras' ? undefined : v))) as Framework;

describe('CASE import', () => {
  it('maps items, the isChildOf tree, precedes and rubric levels', () => {
    const f = imported(foreignPackage());
    expect(validateFramework(f)).toEqual([]);
    expect([f.id, f.version, f.title]).toEqual([DOC.uri, '2023', 'Service Framework']);
    const [c1, c2, c3] = f.competencies;
    expect(c1).toMatchObject({ id: id(1), title: 'Full statement of item 1' });
    expect(c1?.parentId).toBeUndefined();
    expect(c2?.parentId).toBe(id(1));
    expect(c3).toMatchObject({ parentId: id(1), prerequisites: [id(2)] });
    // points 1–4 are not 0..1 thresholds: evenly spaced by position instead
    expect(c2?.scale.levels).toEqual([
      { id: id(61), title: 'Beginning', threshold: 0.2 },
      { id: id(62), title: 'Developing', threshold: 0.4 },
      { id: id(63), title: 'Proficient', threshold: expect.closeTo(0.6, 12) },
      { id: id(64), title: 'Advanced', threshold: 0.8 },
    ]);
    expect(c1?.scale.levels).toEqual([{ id: 'competent', title: 'Competent', threshold: 0.7 }]);
  });

  it('keeps associations it cannot map, and gives everything back on export', () => {
    const pkg = foreignPackage();
    const out = frameworkToCase(imported(pkg), { now: NOW });
    const byId = new Map(out.CFAssociations.map((a) => [a.identifier, a]));
    for (const original of pkg.CFAssociations) {
      expect(byId.get(original.identifier)).toEqual(expect.objectContaining(original));
    }
    expect(out.CFAssociations).toHaveLength(pkg.CFAssociations.length);
    for (const original of pkg.CFItems) {
      const item = out.CFItems.find((i) => i.identifier === original.identifier);
      expect(item).toMatchObject({ humanCodingScheme: original.humanCodingScheme, CFItemType: 'Competency', uri: original.uri });
      expect(item?.extensions?.['https://vendor.example/ext']).toEqual(original.extensions?.['https://vendor.example/ext']);
    }
    expect(out.CFDocument).toMatchObject({ identifier: DOC.identifier, uri: DOC.uri, adoptionStatus: 'Adopted', creator: 'State Board', lastChangeDateTime: STAMP });
    expect(out.CFDefinitions).toEqual(pkg.CFDefinitions);
    const criterion = out.CFRubrics?.[0]?.CFRubricCriteria?.find((c) => c.identifier === id(81));
    expect(criterion?.CFRubricCriterionLevels?.map((l) => [l.identifier, l.quality, l.feedback])).toEqual([
      [id(61), 'Beginning', 'feedback 1'],
      [id(62), 'Developing', 'feedback 2'],
      [id(63), 'Proficient', 'feedback 3'],
      [id(64), 'Advanced', 'feedback 4'],
    ]);
    // a second import gives the same framework, and from then on export is a fixed point
    expect(withoutCaseExtras(imported(out))).toEqual(withoutCaseExtras(imported(pkg)));
    expect(frameworkToCase(imported(out), { now: NOW + 1 })).toEqual(out);
  });

  it('names what is wrong with a package that is not one', () => {
    const r = frameworkFromCase({ CFDocument: { identifier: 'd', uri: 'u' }, CFItems: [{ identifier: 'i', uri: 'u' }] });
    expect(r).toEqual({
      ok: false,
      problems: [
        { path: 'CFDocument.title', message: 'is required' },
        { path: 'CFItems[0].fullStatement', message: 'is required' },
      ],
    });
    const cyclic = foreignPackage();
    cyclic.CFAssociations.push(assoc(8, 'precedes', link(3), link(2)));
    const bad = frameworkFromCase(cyclic);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]?.message).toMatch(/prerequisites form a cycle/);
  });
});

describe('CASE export', () => {
  it('writes valid-looking CASE: UUID identifiers, the tree anchored at the document, thresholds as scores', () => {
    const f = makeFramework();
    const pkg = frameworkToCase(f, { now: NOW });
    expect(pkg.CFItems.every((i) => isUuid(i.identifier))).toBe(true);
    expect(pkg.CFItems[0]).toMatchObject({ fullStatement: 'Service', lastChangeDateTime: '2024-05-01T00:00:00.000Z' });
    const types = pkg.CFAssociations.map((a) => [a.associationType, a.originNodeURI.title, a.destinationNodeURI.title]);
    expect(types).toEqual([
      ['isChildOf', 'Service', f.title],
      ['isChildOf', 'Handles customer complaints', 'Service'],
      ['isChildOf', 'Explains policies', 'Service'],
      ['precedes', 'Handles customer complaints', 'Explains policies'],
    ]);
    expect(pkg.CFRubrics?.[0]?.CFRubricCriteria?.[1]?.CFRubricCriterionLevels?.map((l) => [l.quality, l.score])).toEqual([
      ['basic', 0.4],
      ['proficient', 0.7],
      ['expert', 0.9],
    ]);
    // deterministic: the same framework exports the same identifiers
    expect(frameworkToCase(f, { now: NOW + 1 }).CFItems.map((i) => i.identifier)).toEqual(pkg.CFItems.map((i) => i.identifier));
    expect(nameUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('round-trips any valid framework through CASE (engine settings ride in the extension)', () => {
    fc.assert(
      fc.property(frameworkArbitrary(), (f) => {
        expect(validateFramework(f)).toEqual([]);
        const back = imported(frameworkToCase(f, { now: NOW }));
        expect(withoutCaseExtras(back)).toEqual(withoutCaseExtras(f));
      }),
      { numRuns: 50 },
    );
  });
});
