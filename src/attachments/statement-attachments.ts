import { createHash, type Hash } from 'node:crypto';
import { isObject, objectsIn, type Statement } from '../statements/model/statement-types';
import type { ValidationProblem } from '../xapi/validation-problem';
import { mediaTypeOf } from './multipart-reader';

/** xAPI 1.0.3 Data §2.6: the usageType that marks a JWS signature attachment. */
export const SIGNATURE_USAGE = 'http://adlnet.gov/expapi/attachments/signature';

/** One Attachment Object of a request, located by its path. */
export interface AttachmentRef {
  /** e.g. `statements[1].attachments[0]`, or `attachments[0]` for a single statement. */
  path: string;
  /** Index of its statement in the request. */
  statement: number;
  /** Lower-case hex (SHA-2 values compare case-insensitively). */
  sha2: string;
  contentType: string;
  fileUrl?: string;
  /** A signature of its statement (statement level only; Data §2.6). */
  signature: boolean;
}

/**
 * Every Attachment Object of the statements of one request, in order: each statement's own, then
 * those of a SubStatement object (Data §2.4.11 recommends putting them on the statement, but a
 * SubStatement may carry some, and their content travels in the same request).
 */
export function attachmentsOf(statements: readonly unknown[], single: boolean): AttachmentRef[] {
  const out: AttachmentRef[] = [];
  statements.forEach((s, i) => {
    if (!isObject(s)) return;
    const base = single ? '' : `statements[${i}].`;
    const collect = (list: unknown, prefix: string, topLevel: boolean) => {
      objectsIn(list).forEach((a, j) => {
        if (typeof a.sha2 !== 'string') return;
        out.push({
          path: `${prefix}attachments[${j}]`,
          statement: i,
          sha2: a.sha2.toLowerCase(),
          contentType: typeof a.contentType === 'string' ? a.contentType : '',
          ...(typeof a.fileUrl === 'string' ? { fileUrl: a.fileUrl } : {}),
          signature: topLevel && a.usageType === SIGNATURE_USAGE,
        });
      });
    };
    collect(s.attachments, base, true);
    if (isObject(s.object) && s.object.objectType === 'SubStatement') collect(s.object.attachments, `${base}object.`, false);
  });
  return out;
}

/**
 * What is wrong with the attachments of a request once its parts are known (`received`: the sha2
 * of every part that arrived, empty for an application/json request):
 * - an attachment without fileUrl needs a part with its hash (Communication §1.5.2.s3.b5; for
 *   application/json, §1.5.1 and §1.5.2.s2.b1: every attachment needs a fileUrl);
 * - a signature must be application/octet-stream (Data §2.6.s4.b1) and its JWS must arrive as a
 *   part, since the LRS cannot check a signature it does not have (Data §2.6.s5.b3).
 */
export function attachmentProblems(refs: readonly AttachmentRef[], received: ReadonlySet<string>, multipart: boolean): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const a of refs) {
    if (a.signature) {
      if (mediaTypeOf(a.contentType) !== 'application/octet-stream') {
        problems.push({ path: `${a.path}.contentType`, message: `a signature attachment must be application/octet-stream (Data §2.6), not ${a.contentType}` });
      }
      if (!received.has(a.sha2)) {
        problems.push({ path: a.path, message: multipart
          ? `is a signature, but no part with X-Experience-API-Hash ${a.sha2} was sent; the LRS must check the JWS (Data §2.6)`
          : 'is a signature, so its JWS must be sent as a part of a multipart/mixed request (Data §2.6)' });
      }
      continue;
    }
    if (a.fileUrl === undefined && !received.has(a.sha2)) {
      problems.push({ path: a.path, message: multipart
        ? `has no fileUrl and no part with X-Experience-API-Hash ${a.sha2} was sent (Communication §1.5.2)`
        : 'has no fileUrl, so its content must be sent in a multipart/mixed request' });
    }
  }
  return problems;
}

const ALGORITHM_BY_HEX_LENGTH: Record<number, string> = { 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

/**
 * A hash for checking content against a sha2 value. SHA-2 comes in four sizes (Data §2.4.11:
 * "The SHA-2 hash"; Communication §1.5.2.s4.b4 names SHA-256, SHA-384 and SHA-512), told apart by
 * the length of the hex string. Undefined for any other length.
 */
export function hashFor(sha2: string): Hash | undefined {
  const algorithm = ALGORITHM_BY_HEX_LENGTH[sha2.length];
  return algorithm && /^[0-9a-f]+$/i.test(sha2) ? createHash(algorithm) : undefined;
}

/** A statement without its signature attachments: what a JWS payload signs (Data §2.6.s4.b3). */
export function withoutSignatures(statement: Statement): Statement {
  if (!Array.isArray(statement.attachments)) return statement;
  const rest = statement.attachments.filter((a) => !(isObject(a) && a.usageType === SIGNATURE_USAGE));
  const copy: Statement = { ...statement };
  if (rest.length > 0) copy.attachments = rest;
  else delete copy.attachments;
  return copy;
}
