import { createHash, generateKeyPairSync, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

/**
 * Signed statements (xAPI 1.0.3 Data §2.6; the same in 2.0): a JWS over the statement, sent as an
 * attachment part with usageType .../attachments/signature and contentType application/octet-stream.
 * The signer's key and X.509 chain are the committed fixtures in test/fixtures/x5c (Node cannot
 * issue certificates; see the README there).
 */

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const FIXTURES = path.join(__dirname, 'fixtures/x5c');
const signerKey = readFileSync(path.join(FIXTURES, 'signer.key'), 'utf8');
const der = (file: string) => new X509Certificate(readFileSync(path.join(FIXTURES, file))).raw.toString('base64');
const CHAIN = [der('signer.crt'), der('root.crt')];
const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface SignOptions {
  alg?: jwt.Algorithm;
  key?: string | Buffer;
  x5c?: string[] | null;
  /** What the JWS signs, when it is not the statement itself. */
  payload?: object | string;
  attachmentContentType?: string;
  partContentType?: string;
}

/** A statement, its signature attachment and the multipart body carrying both (as the ADL suite builds it). */
function signedRequest(s: Record<string, unknown>, opts: SignOptions = {}) {
  const alg = opts.alg ?? 'RS256';
  const header: Record<string, unknown> = { alg };
  if (opts.x5c !== null) header.x5c = opts.x5c ?? CHAIN;
  const payload = opts.payload ?? s;
  const token = typeof payload === 'string'
    ? `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}.${randomBytes(256).toString('base64url')}`
    : jwt.sign(payload, opts.key ?? signerKey, { algorithm: alg, noTimestamp: true, header: header as unknown as jwt.JwtHeader });
  const jws = Buffer.from(token);
  const sent: Record<string, unknown> & { attachments: unknown[] } = {
    ...s,
    attachments: [...((s.attachments as unknown[]) ?? []), {
      usageType: SIGNATURE,
      display: { 'en-US': 'Signature' },
      contentType: opts.attachmentContentType ?? 'application/octet-stream',
      length: jws.length,
      sha2: sha256(jws),
    }],
  };
  const boundary = `sig-${randomBytes(6).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`\r\n--${boundary}\r\nContent-Type:application/json\r\n\r\n${JSON.stringify(sent)}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type:${opts.partContentType ?? 'application/octet-stream'}\r\nContent-Transfer-Encoding:binary\r\nX-Experience-API-Hash:${sha256(jws)}\r\n\r\n`),
    jws,
    Buffer.from(`\r\n--${boundary}--`),
  ]);
  return { sent, jws: token, contentType: `multipart/mixed; boundary=${boundary}`, body };
}

describe.each(['1.0.3', '2.0.0'])('signed statements, X-Experience-API-Version %s', (version) => {
  const post = (r: { contentType: string; body: Buffer }) => xapi(lrs.app, version).post('/xapi/statements').set('Content-Type', r.contentType).send(r.body);
  /** Expects a 400 with `message`, and the statement (signed requests here carry an id) not stored. */
  const rejected = async (r: { contentType: string; body: Buffer; sent: Record<string, unknown> }, message: RegExp) => {
    const res = await post(r).expect(400);
    expect(res.body.error.message).toMatch(message);
    await xapi(lrs.app, version).get(`/xapi/statements?statementId=${r.sent.id as string}`).expect(404);
  };

  it.each(['RS256', 'RS384', 'RS512'] as const)('stores a statement signed with %s and an x5c chain, and returns the JWS with attachments=true', async (alg) => {
    const s = statement({ id: randomUUID() });
    const r = signedRequest(s, { alg });
    const [id] = (await post(r).expect(200)).body as string[];
    expect(id).toBe(s.id);
    const got = await xapi(lrs.app, version).get(`/xapi/statements?statementId=${id}&attachments=true`).buffer(true)
      .parse((res, cb) => { const c: Buffer[] = []; res.on('data', (d: Buffer) => c.push(d)); res.on('end', () => cb(null, Buffer.concat(c))); }).expect(200);
    expect((got.body as Buffer).toString()).toContain(r.jws);
  });

  it('stores a signed statement without x5c (no key to check against: structure and payload only, Data §2.6.s5.b3)', async () => {
    await post(signedRequest(statement({ id: randomUUID() }), { x5c: null })).expect(200);
  });

  it('stores a signed statement without an id, whose payload has none either', async () => {
    await post(signedRequest(statement())).expect(200);
  });

  it('stores a signed statement whose payload differs only as the comparison rules allow', async () => {
    const s = statement({ id: randomUUID() });
    const payload = { ...s, verb: { id: (s.verb as { id: string }).id }, context: { ...(s.context as object), contextActivities: { grouping: { id: 'http://example.com/courses/safety' } } } };
    await post(signedRequest(s, { payload })).expect(200);
  });

  it('rejects a signature with an algorithm other than RS256/RS384/RS512', async () => {
    await rejected(signedRequest(statement({ id: randomUUID() }), { alg: 'HS256', key: 'a-shared-secret-of-at-least-32-characters', x5c: null }), /attachments\[0\]: signature uses JWS algorithm "HS256"/);
  });

  it('rejects a signature attachment whose contentType is not application/octet-stream', async () => {
    await rejected(signedRequest(statement({ id: randomUUID() }), { attachmentContentType: 'text/plain; charset=ascii', partContentType: 'text/plain; charset=ascii' }), /application\/octet-stream/);
  });

  it('rejects a signature part whose Content-Type is not application/octet-stream', async () => {
    await rejected(signedRequest(statement({ id: randomUUID() }), { partContentType: 'text/plain' }), /part 1 holds a signature .* application\/octet-stream/);
  });

  it('rejects a JWS whose payload is not a JSON statement (the ADL suite’s broken serialization)', async () => {
    const s = statement({ id: randomUUID() });
    await rejected(signedRequest(s, { payload: JSON.stringify(s).replace('"', "'"), x5c: null }), /payload that is not a JSON statement/);
  });

  it('rejects a JWS over a different statement', async () => {
    const s = statement({ id: randomUUID() });
    await rejected(signedRequest(s, { payload: { ...s, result: { success: false } } }), /differs from the one sent/);
  });

  it('rejects a signature that does not verify with the x5c certificate', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const r = signedRequest(statement({ id: randomUUID() }), { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
    await rejected(r, /does not verify with the public key of its x5c certificate/);
  });

  it('rejects an x5c chain whose certificates do not link up', async () => {
    await rejected(signedRequest(statement({ id: randomUUID() }), { x5c: [der('signer.crt'), der('other-root.crt')] }), /certificate 0 is not signed by certificate 1/);
  });

  it('rejects a signature attachment sent without its JWS part, and one in an application/json request', async () => {
    const s = statement({ id: randomUUID() });
    const r = signedRequest(s);
    const boundary = /boundary=(.*)$/.exec(r.contentType)![1]!;
    const statementOnly = Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(r.sent)}\r\n--${boundary}--\r\n`);
    await rejected({ ...r, body: statementOnly }, /is a signature, but no part/);
    const withUrl = { ...r.sent, attachments: [{ ...(r.sent.attachments[0] as object), fileUrl: 'https://example.com/sig.jws' }] };
    const res = await xapi(lrs.app, version).post('/xapi/statements').send(withUrl).expect(400);
    expect(res.body.error.message).toMatch(/signature, so its JWS must be sent as a part/);
  });

  it('signs a batch statement by statement, naming the statement whose signature fails', async () => {
    const good = signedRequest(statement({ id: randomUUID() }));
    const bad = signedRequest(statement({ id: randomUUID() }), { payload: { ...statement(), verb: { id: 'http://example.com/other' } } });
    const boundary = 'batch-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify([good.sent, bad.sent])}\r\n`),
      ...[good, bad].flatMap((r) => [
        Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${sha256(r.jws)}\r\n\r\n${r.jws}\r\n`),
      ]),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const res = await post({ contentType: `multipart/mixed; boundary=${boundary}`, body }).expect(400);
    expect(res.body.error.message).toMatch(/^statements\[1\]\.attachments\[0\]: signature signs a statement that differs/);
    await xapi(lrs.app, version).get(`/xapi/statements?statementId=${good.sent.id as string}`).expect(404);
  });
});
