import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { signatureProblem } from './signature';
import { SIGNATURE_USAGE } from './statement-attachments';

const FIXTURES = path.join(__dirname, '../../test/fixtures/x5c');
const signerKey = readFileSync(path.join(FIXTURES, 'signer.key'), 'utf8');
const der = (file: string) => new X509Certificate(readFileSync(path.join(FIXTURES, file))).raw.toString('base64');

const statement = {
  id: 'b1f1d5a0-3a43-4c5e-9a5a-0f4b8c1f6e21',
  actor: { mbox: 'mailto:ada@example.com', name: 'Ada' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
  object: { id: 'http://example.com/course' },
  timestamp: '2026-11-20T10:00:00.000Z',
};
const signatureAttachment = { usageType: SIGNATURE_USAGE, display: { en: 'sig' }, contentType: 'application/octet-stream', length: 1, sha2: 'a'.repeat(64) };
const sent = { ...statement, attachments: [signatureAttachment] };

function sign(payload: object, opts: { alg?: jwt.Algorithm; key?: string; header?: Record<string, unknown> } = {}): string {
  return jwt.sign(payload, opts.key ?? signerKey, { algorithm: opts.alg ?? 'RS256', noTimestamp: true, header: { alg: opts.alg ?? 'RS256', ...opts.header } as jwt.JwtHeader });
}

describe('signatureProblem (Data §2.6)', () => {
  it.each(['RS256', 'RS384', 'RS512'] as const)('accepts a JWS %s over the statement without x5c (structure and payload only)', (alg) => {
    expect(signatureProblem(sent, sign(statement, { alg }))).toBeUndefined();
  });

  it('compares payload and statement by the comparison rules, not byte for byte', () => {
    const reordered = { object: statement.object, verb: { id: statement.verb.id }, actor: { name: 'Ada', mbox: 'mailto:ada@EXAMPLE.com' }, timestamp: '2026-11-20T12:00:00+02:00' };
    expect(signatureProblem(sent, sign(reordered))).toBeUndefined();
  });

  it('keeps the non-signature attachments in the comparison', () => {
    const other = { usageType: 'http://example.com/cert', display: { en: 'c' }, contentType: 'text/plain', length: 1, sha2: 'b'.repeat(64) };
    const withOther = { ...statement, attachments: [other, signatureAttachment] };
    expect(signatureProblem(withOther, sign({ ...statement, attachments: [other] }))).toBeUndefined();
    expect(signatureProblem(withOther, sign(statement))).toMatch(/differs/);
  });

  it('rejects a payload that differs from the statement', () => {
    expect(signatureProblem(sent, sign({ ...statement, verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } }))).toMatch(/differs/);
  });

  it('rejects a payload naming another statement id', () => {
    expect(signatureProblem(sent, sign({ ...statement, id: 'c1f1d5a0-3a43-4c5e-9a5a-0f4b8c1f6e21' }))).toMatch(/signs statement id/);
  });

  it('rejects HS256 and other algorithms outside RS256/RS384/RS512', () => {
    expect(signatureProblem(sent, jwt.sign(statement, 'a-shared-secret-that-is-long-enough', { algorithm: 'HS256', noTimestamp: true }))).toMatch(/RS256, RS384 or RS512/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(signatureProblem(sent, jwt.sign(statement, privateKey, { algorithm: 'PS256', noTimestamp: true }))).toMatch(/"PS256"/);
  });

  it('rejects a payload that is not JSON, and text that is not a compact JWS', () => {
    const header = Buffer.from('{"alg":"RS256"}').toString('base64url');
    const broken = `${header}.${Buffer.from("{'actor\":1}").toString('base64url')}.c2ln`;
    expect(signatureProblem(sent, broken)).toMatch(/not a JSON statement/);
    expect(signatureProblem(sent, '{"payload":"..."}')).toMatch(/compact serialization/);
  });

  it('verifies the signature with the first x5c certificate, and checks that the chain links up', () => {
    const chain = [der('signer.crt'), der('root.crt')];
    expect(signatureProblem(sent, sign(statement, { header: { x5c: chain } }))).toBeUndefined();
    expect(signatureProblem(sent, sign(statement, { header: { x5c: [der('signer.crt')] } }))).toBeUndefined();
    expect(signatureProblem(sent, sign(statement, { header: { x5c: [der('signer.crt'), der('other-root.crt')] } }))).toMatch(/certificate 0 is not signed by certificate 1/);
  });

  it('rejects a signature made with a key other than the x5c certificate’s', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(signatureProblem(sent, sign(statement, { key: pem, header: { x5c: [der('signer.crt')] } }))).toMatch(/does not verify/);
  });

  it('rejects an x5c that is not a list of certificates', () => {
    expect(signatureProblem(sent, sign(statement, { header: { x5c: 'abc' } }))).toMatch(/x5c header/);
    expect(signatureProblem(sent, sign(statement, { header: { x5c: ['bm90IGEgY2VydA=='] } }))).toMatch(/cannot be read/);
  });
});
