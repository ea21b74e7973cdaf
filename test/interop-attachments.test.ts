import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import XAPI, { type Statement } from '@xapi/xapi';
import { KEY, SECRET, startTestLrs, type TestLrs } from './helpers/test-lrs';
import { listen, type Listening } from './helpers/listen';

/**
 * Interop: the published @xapi/xapi client (v3) sends statements with attachment content and
 * signed statements over TCP, and reads them back with attachments=true.
 *
 * What the library does, read from its source (3.0.3):
 * - `sendStatement({ statement, attachments: [content] })` builds multipart/mixed itself, pairing
 *   the i-th content with the i-th Attachment Object of the statement.
 * - In Node its default axios adapter sends that body as application/octet-stream (axios takes the
 *   Content-Type from the untyped Blob), so only the fetch adapter sends a usable request.
 * - It writes no CRLF between one attachment's content and the next delimiter, so a statement
 *   with two content parts reaches any RFC 2046 parser with the first part running into the second
 *   (its hash then fails): one content part per request works.
 * - It has no signing helper (only the AttachmentUsages.SIGNATURE constant): the JWS is made here
 *   with jsonwebtoken and sent as an ordinary attachment, as a course would.
 * - Reading `attachments: true`, it returns `[statementOrResult, ...attachmentTexts]`.
 */

type XAPIConfig = ConstructorParameters<typeof XAPI>[0];

let lrs: TestLrs;
let http: Listening;
beforeAll(async () => {
  lrs = await startTestLrs();
  http = await listen(lrs.app);
});
afterAll(async () => {
  await http?.close();
  await lrs?.close();
});

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const FIXTURES = path.join(__dirname, 'fixtures/x5c');

function client(version: string, adapter: NonNullable<XAPIConfig['adapter']> = 'fetch'): XAPI {
  return new XAPI({ endpoint: `${http.origin}/xapi/`, auth: XAPI.toBasicAuth(KEY, SECRET), version: version as NonNullable<XAPIConfig['version']>, adapter });
}

function completed(over: Partial<Statement> = {}): Statement {
  return {
    actor: { objectType: 'Agent', name: 'Ada Learner', mbox: `mailto:${randomUUID()}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: { objectType: 'Activity', id: `http://example.com/courses/safety/${randomUUID()}` },
    timestamp: '2026-11-20T10:00:00.000Z',
    ...over,
  };
}

/** The content as the library takes it (its type says ArrayBuffer; a Blob part accepts the bytes). */
const bytes = (text: string) => Buffer.from(text) as unknown as ArrayBuffer;

describe.each(['1.0.3', '2.0.0'])('@xapi/xapi (fetch adapter) speaking %s', (version) => {
  it('sendStatement with an attachment stores its content; getStatement with attachments returns it', async () => {
    const x = client(version);
    const certificate = `Certificate of completion ${randomUUID()}`;
    const sent = completed({
      attachments: [{
        usageType: XAPI.AttachmentUsages.CERTIFICATE_OF_COMPLETION,
        display: { 'en-US': 'Certificate' },
        contentType: 'text/plain',
        length: Buffer.byteLength(certificate),
        sha2: sha256(certificate),
      }],
    });
    const res = await x.sendStatement({ statement: sent, attachments: [bytes(certificate)] });
    expect(res.status).toBe(200);
    const [id] = res.data as [string];

    const got = (await x.getStatement({ statementId: id, attachments: true })).data as unknown as [Statement, string];
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ id, attachments: sent.attachments });
    expect(got[1]).toBe(certificate);
    // Without attachments=true the library gets plain JSON.
    expect((await x.getStatement({ statementId: id })).data.attachments).toEqual(sent.attachments);
  });

  it('getStatements with attachments returns the result and the content once', async () => {
    const x = client(version);
    const verb = { id: `http://example.com/verbs/${randomUUID()}` };
    const content = `shared ${randomUUID()}`;
    const attachment = { usageType: XAPI.AttachmentUsages.SUPPORTING_MEDIA, display: { 'en-US': 'Notes' }, contentType: 'text/plain', length: content.length, sha2: sha256(content) };
    await x.sendStatement({ statement: completed({ verb, attachments: [attachment] }), attachments: [bytes(content)] });
    await x.sendStatement({ statement: completed({ verb, attachments: [attachment] }), attachments: [bytes(content)] });
    const got = (await x.getStatements({ verb: verb.id, attachments: true })).data as unknown as [{ statements: Statement[] }, ...string[]];
    expect(got[0].statements).toHaveLength(2);
    expect(got.slice(1)).toEqual([content]);
  });

  it('sends a statement signed with RS256 and an x5c chain; the LRS checks it and returns the JWS', async () => {
    const x = client(version);
    const statement = completed({ id: randomUUID() });
    const x5c = ['signer.crt', 'root.crt'].map((f) => new X509Certificate(readFileSync(path.join(FIXTURES, f))).raw.toString('base64'));
    const jws = jwt.sign(statement, readFileSync(path.join(FIXTURES, 'signer.key')), { algorithm: 'RS256', noTimestamp: true, header: { alg: 'RS256', x5c } });
    const signed = {
      ...statement,
      attachments: [{ usageType: XAPI.AttachmentUsages.SIGNATURE, display: { 'en-US': 'Signature' }, contentType: 'application/octet-stream', length: jws.length, sha2: sha256(jws) }],
    };
    expect((await x.sendStatement({ statement: signed, attachments: [bytes(jws)] })).data).toEqual([statement.id]);
    const got = (await x.getStatement({ statementId: statement.id!, attachments: true })).data as unknown as [Statement, string];
    expect(got[1]).toBe(jws);

    // A signature over other content is refused; the fetch adapter reports the LRS's error text.
    const tampered = { ...signed, id: randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } };
    await expect(x.sendStatement({ statement: tampered, attachments: [bytes(jws)] })).rejects.toThrow(/signature/);
  });
});

describe('@xapi/xapi with its default axios adapter', () => {
  it('sends the multipart body as application/octet-stream in Node, which the LRS refuses with 400 naming the type', async () => {
    const x = client('2.0.0', 'axios');
    const content = 'x';
    const sent = completed({ attachments: [{ usageType: XAPI.AttachmentUsages.SUPPORTING_MEDIA, display: { en: 'x' }, contentType: 'text/plain', length: 1, sha2: sha256(content) }] });
    const err = await x.sendStatement({ statement: sent, attachments: [bytes(content)] }).then(() => undefined, (e: { response?: { status: number; data: { error: { message: string } } } }) => e);
    expect(err?.response?.status).toBe(400);
    expect(err?.response?.data.error.message).toMatch(/application\/octet-stream/);
  });
});
