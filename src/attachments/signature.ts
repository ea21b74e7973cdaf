import { X509Certificate } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { statementsEquivalent } from '../statements/model/statement-equivalence';
import { isObject, type Statement } from '../statements/model/statement-types';
import { withoutSignatures } from './statement-attachments';

/** xAPI 1.0.3 Data §2.6.s4.b4: the only algorithms a statement signature may use. */
export const SIGNATURE_ALGORITHMS = ['RS256', 'RS384', 'RS512'] as const;
type SignatureAlgorithm = typeof SIGNATURE_ALGORITHMS[number];

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/**
 * Why the JWS in a signature attachment does not sign `statement`, or undefined when it does.
 * The checks of Data §2.6.s5.b3 ("In order to verify signatures are well formed, the LRS MUST"):
 * 1. decode the JWS (compact serialization, §2.6.s4.b2: SHOULD*, which this LRS treats as MUST)
 *    and load the statement from its payload;
 * 2. the payload is logically equivalent to the received statement without its signature
 *    attachment(s) (§2.6.s4.b3 "the complete Statement before the signature was added"; compared by
 *    the Statement Comparison Requirements, Data §2.3.1), and names the same id when it has one;
 * 3. when the header carries an X.509 chain (`x5c`, §2.6.s4.b6), the signature verifies with the
 *    first certificate's public key (jsonwebtoken) and each certificate is signed by the next;
 * 4. the algorithm is RS256, RS384 or RS512 (§2.6.s4.b4).
 * Without `x5c` there is no key to check the signature with: the specification asks only for the
 * structural checks then (its note: the X.509 check "is intended as a way to catch mistakes in the
 * signature, not as a security measure"). Certificate dates and trust anchors are not checked.
 */
export function signatureProblem(statement: Statement, jws: string): string | undefined {
  const token = jws.trim();
  if (!COMPACT_JWS.test(token)) return 'is not a JWS in compact serialization (header.payload.signature, Data §2.6.s4.b2)';
  const decoded = jwt.decode(token, { complete: true, json: false });
  const header = decoded?.header as Record<string, unknown> | undefined;
  if (!decoded || !isObject(header)) return 'has a JWS header that is not a JSON object';
  if (!SIGNATURE_ALGORITHMS.includes(header.alg as SignatureAlgorithm)) {
    return `uses JWS algorithm ${JSON.stringify(header.alg)}; a statement signature must use RS256, RS384 or RS512 (Data §2.6.s4.b4)`;
  }
  const payload = parsePayload(token);
  if (!isObject(payload)) return 'has a JWS payload that is not a JSON statement (Data §2.6.s4.b3)';
  if (typeof payload.id === 'string' && typeof statement.id === 'string' && payload.id.toLowerCase() !== statement.id.toLowerCase()) {
    return `signs statement id ${payload.id}, not ${statement.id}`;
  }
  if (!statementsEquivalent(payload, withoutSignatures(statement))) {
    return 'signs a statement that differs from the one sent (Data §2.6.s5.b3: the payload must be equivalent to the statement without its signature)';
  }
  if (header.x5c !== undefined) return x5cProblem(token, header.alg as SignatureAlgorithm, header.x5c);
  return undefined;
}

function parsePayload(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function x5cProblem(token: string, alg: SignatureAlgorithm, x5c: unknown): string | undefined {
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string')) {
    return 'has an x5c header that is not a non-empty array of base64 certificates (RFC 7515 §4.1.6)';
  }
  let chain: X509Certificate[];
  try {
    // RFC 7515 §4.1.6: base64 (not base64url) DER.
    chain = x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64')));
  } catch (err) {
    return `has an x5c certificate that cannot be read (${(err as Error).message})`;
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) {
      return `has an x5c chain whose certificate ${i} is not signed by certificate ${i + 1}`;
    }
  }
  try {
    // The payload is a statement, not a JWT claims set: no time claims are checked.
    jwt.verify(token, chain[0]!.publicKey, { algorithms: [alg], ignoreExpiration: true, ignoreNotBefore: true });
  } catch (err) {
    return `does not verify with the public key of its x5c certificate (${(err as Error).message})`;
  }
  return undefined;
}
