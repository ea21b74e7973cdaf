import { createHash } from 'node:crypto';
import type { XapiLine } from '../xapi/xapi-version';
import type { DocumentKind } from './document-params';

/**
 * The entity tag of a document: lower-case hex SHA-1 of its bytes. xAPI 1.0.3 Communication
 * §3.1.s4.b2 requires exactly this; 2.0 only asks for a quoted ETag, so one value serves both.
 */
export function etagOf(content: Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}

/** The `ETag` header value: the tag in double quotes (§3.1.s4.b4, RFC 7232 §2.3). */
export function etagHeader(etag: string): string {
  return `"${etag}"`;
}

/** `*`, or the opaque tags of an `If-Match` / `If-None-Match` header, unquoted and lower-cased. */
export type EntityTags = '*' | string[];

/**
 * Parses `If-Match` / `If-None-Match` (RFC 7232 §3.1, §3.2): `*` or a comma-separated list of
 * entity tags. Leniencies, because clients of 1.0.x computed tags themselves: a tag may come
 * without quotes, `W/` is ignored (a proxy that weakens our tags must not lock clients out; our
 * tags are content hashes, so equal tags mean byte-identical documents), and hex is compared
 * case-insensitively. An empty header counts as absent.
 */
export function parseEntityTags(header: string | undefined): EntityTags | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '*') return '*';
  const tags: string[] = [];
  for (const m of trimmed.matchAll(/(?:W\/)?"([^"]*)"|([^\s,"]+)/g)) {
    const tag = (m[1] ?? m[2] ?? '').toLowerCase();
    if (tag !== '') tags.push(tag);
  }
  return tags;
}

/** The conditional headers of a write, parsed. */
export interface Preconditions {
  ifMatch?: EntityTags;
  ifNoneMatch?: EntityTags;
}

/** True when the request carries neither `If-Match` nor `If-None-Match`. */
export function isUnconditional(p: Preconditions): boolean {
  return p.ifMatch === undefined && p.ifNoneMatch === undefined;
}

/**
 * RFC 7232 §3.1/§3.2 for a state-changing method, against the document's current tag (undefined
 * when there is no document): `If-Match` holds when the document exists and (`*` or) its tag is
 * listed; `If-None-Match` holds when it does not exist or (not `*` and) its tag is not listed.
 * When false the LRS answers 412 and changes nothing (Communication §3.1.s4.b9–b12).
 */
export function preconditionsHold(current: string | undefined, p: Preconditions): boolean {
  if (p.ifMatch !== undefined) {
    if (current === undefined) return false;
    if (p.ifMatch !== '*' && !p.ifMatch.includes(current)) return false;
  }
  if (p.ifNoneMatch !== undefined && current !== undefined) {
    if (p.ifNoneMatch === '*' || p.ifNoneMatch.includes(current)) return false;
  }
  return true;
}

/**
 * What a PUT with neither `If-Match` nor `If-None-Match` may do:
 * - `overwrite`: 1.0.3 State (Communication §3.1.s3: the State resource permits PUT without
 *   concurrency headers, "since state conflicts are unlikely");
 * - `create-only`: xAPI 2.0, every document resource: create when absent, 409 when the document
 *   exists (the concurrency rules of 2.0 cover State too);
 * - `refuse`: 1.0.3 Activity and Agent Profile: the client MUST send one of the headers
 *   (§3.1.s3.b1), so 409 when the document exists (§3.1.s4.b13) and 400 when it does not
 *   (ADL conformance XAPI-00273 / XAPI-00287: "fails without ETag header").
 */
export function unconditionalPut(kind: DocumentKind, line: XapiLine): 'overwrite' | 'create-only' | 'refuse' {
  if (line === '2.0') return 'create-only';
  return kind === 'state' ? 'overwrite' : 'refuse';
}
