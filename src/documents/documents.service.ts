import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors/app-error';
import type { XapiLine } from '../xapi/xapi-version';
import type { DocumentKey, DocumentScope } from './document-params';
import type { DocumentBody, DocumentsRepository } from './documents.repository';
import { etagHeader, etagOf, isUnconditional, preconditionsHold, unconditionalPut, type Preconditions } from './concurrency';
import { isJsonObject, isJsonType, mergeTopLevel, parseJsonContent } from './json-document';

/** A write to one document, as the router hands it over. */
export interface DocumentWrite {
  store: string;
  key: DocumentKey;
  line: XapiLine;
  content: Buffer;
  contentType: string;
  preconditions: Preconditions;
}

/** The version a write left behind, for the response's `ETag` / `Last-Modified`. */
export interface WrittenVersion {
  etag: string;
  updated: Date;
}

/** Options for {@link documentsService}. */
export interface DocumentsServiceOptions {
  repo: DocumentsRepository;
  /** @defaultValue `() => new Date()` */
  now?: () => Date;
  /**
   * How many times a compare-and-swap that lost a race is re-read and retried before the
   * request is answered 409. @defaultValue 100
   */
  maxAttempts?: number;
}

/**
 * The use cases of the three Document resources (xAPI 1.0.3 Communication §2.2–§2.7, §3.1).
 *
 * There are no multi-document transactions on every server we run on, and we need none: each
 * write is one atomic single-document operation, conditional on what the request saw
 * (compare-and-swap on the ETag, or insert under the unique key). A write that loses a race is
 * re-evaluated against the new version; a POST merge is recomputed from it, so concurrent merges
 * of different keys all land and no update is lost silently.
 */
export function documentsService(opts: DocumentsServiceOptions) {
  const { repo } = opts;
  const now = opts.now ?? (() => new Date());
  const maxAttempts = opts.maxAttempts ?? 100;

  const version = (content: Buffer, contentType: string): DocumentBody => ({ content, contentType, etag: etagOf(content), updated: now() });
  const preconditionFailed = (what: string) => new AppError('PRECONDITION_FAILED', what);
  const conflict = (etag: string | undefined) => new AppError('DOCUMENT_CONFLICT',
    'A document is already stored here and the request had neither If-Match nor If-None-Match. '
    + 'GET the document to check its current state, then send the PUT again with If-Match set to its ETag'
    + `${etag ? ` (currently ${etagHeader(etag)})` : ''}, or with If-None-Match: * to create only.`);
  const contended = () => new AppError('DOCUMENT_CONFLICT', `The document changed under ${maxAttempts} attempts to update it; nothing was written, retry.`);

  /** Jittered pause after a lost race, so contending writers spread out. */
  const backoff = (attempt: number) => sleep(Math.random() * Math.min(20, 1 + attempt));

  function checkJsonBody(w: DocumentWrite, mustBeObject: boolean): unknown {
    if (!isJsonType(w.contentType)) return undefined;
    const parsed = parseJsonContent(w.content);
    if (!parsed) throw new AppError('BAD_REQUEST', 'The document has Content-Type application/json but is not valid JSON');
    if (mustBeObject && !isJsonObject(parsed.value)) {
      throw new AppError('BAD_REQUEST', 'POST merges JSON objects: an application/json document sent with POST must be a JSON object (use PUT to store other JSON)');
    }
    return parsed.value;
  }

  /** Re-reads the current tag, checks the preconditions, and swaps: the general path. */
  async function compareAndSwap(w: DocumentWrite, body: DocumentBody): Promise<WrittenVersion> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await repo.findEtag(w.store, w.key);
      if (!preconditionsHold(current, w.preconditions)) throw preconditionFailed(describeFailure(current, w.preconditions));
      const ok = current === undefined
        ? await repo.insert(w.store, w.key, body)
        : (await repo.replace(w.store, w.key, body, { ifEtagIn: [current] })) === 'written';
      if (ok) return body;
      await backoff(attempt);
    }
    throw contended();
  }

  return {
    async get(store: string, key: DocumentKey): Promise<DocumentBody | undefined> {
      return repo.find(store, key);
    },

    /** Communication §2.3.s4, §2.6.s4, §2.7.s4: the ids of a scope, `since` exclusive. */
    async list(store: string, scope: DocumentScope, since?: Date): Promise<{ ids: string[]; lastModified?: Date }> {
      return repo.listIds(store, scope, since);
    },

    /** PUT: store or replace the document (§2.3.s3), under the concurrency rules of §3.1. */
    async put(w: DocumentWrite): Promise<WrittenVersion> {
      checkJsonBody(w, false);
      const body = version(w.content, w.contentType);
      const p = w.preconditions;
      if (isUnconditional(p)) {
        const rule = unconditionalPut(w.key.kind, w.line);
        if (rule === 'create-only') {
          if (await repo.insert(w.store, w.key, body)) return body;
          throw conflict(await repo.findEtag(w.store, w.key));
        }
        if (rule === 'refuse') {
          const current = await repo.findEtag(w.store, w.key);
          if (current !== undefined) throw conflict(current);
          throw new AppError('BAD_REQUEST', 'A PUT to a profile document must carry If-Match (the ETag being replaced) or If-None-Match: * (create only) (xAPI 1.0.3 Communication §3.1)');
        }
        // 1.0.3 State: last writer wins, in one upsert; a concurrent create makes it retry.
        for (let attempt = 0; attempt < maxAttempts; attempt++) {
          if ((await repo.replace(w.store, w.key, body, { upsert: true })) === 'written') return body;
        }
        throw contended();
      }
      // The common conditional forms are each one atomic operation.
      if (p.ifNoneMatch === undefined && p.ifMatch !== undefined) {
        const outcome = await repo.replace(w.store, w.key, body, p.ifMatch === '*' ? {} : { ifEtagIn: p.ifMatch });
        if (outcome === 'written') return body;
        throw preconditionFailed(describeFailure(await repo.findEtag(w.store, w.key), p));
      }
      if (p.ifMatch === undefined && p.ifNoneMatch === '*') {
        if (await repo.insert(w.store, w.key, body)) return body;
        throw preconditionFailed('If-None-Match: * failed: a document is already stored here');
      }
      return compareAndSwap(w, body);
    },

    /**
     * POST: store when absent; otherwise merge JSON objects (§2.2.s7). Both documents must be
     * application/json objects, else 400 and nothing changes (§2.2.s8.b1). The merge is computed
     * from the version read and written only if that version is still current; otherwise it is
     * recomputed from the newer one.
     */
    async post(w: DocumentWrite): Promise<WrittenVersion> {
      const posted = checkJsonBody(w, true);
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const current = await repo.find(w.store, w.key);
        if (!preconditionsHold(current?.etag, w.preconditions)) throw preconditionFailed(describeFailure(current?.etag, w.preconditions));
        if (!current) {
          const body = version(w.content, w.contentType);
          if (await repo.insert(w.store, w.key, body)) return body;
          continue;
        }
        if (!isJsonType(current.contentType) || !isJsonType(w.contentType)) {
          throw new AppError('BAD_REQUEST', `POST merges JSON documents only: the stored document is ${current.contentType} and the posted one ${w.contentType} (both must be application/json objects; use PUT to replace)`);
        }
        const existing = parseJsonContent(current.content)?.value;
        if (!isJsonObject(existing)) throw new AppError('BAD_REQUEST', 'POST merges JSON objects, and the stored document is not a JSON object (use PUT to replace it)');
        const merged = Buffer.from(JSON.stringify(mergeTopLevel(existing, posted as Record<string, unknown>)), 'utf8');
        const body = version(merged, w.contentType);
        if ((await repo.replace(w.store, w.key, body, { ifEtagIn: [current.etag] })) === 'written') return body;
        await backoff(attempt);
      }
      throw contended();
    },

    /** DELETE of one document; deleting a document that is not there succeeds (204). */
    async delete(store: string, key: DocumentKey, p: Preconditions): Promise<void> {
      if (isUnconditional(p)) {
        await repo.remove(store, key);
        return;
      }
      if (p.ifNoneMatch === undefined && p.ifMatch !== undefined) {
        if ((await repo.remove(store, key, p.ifMatch === '*' ? {} : { ifEtagIn: p.ifMatch })) > 0) return;
        throw preconditionFailed(describeFailure(await repo.findEtag(store, key), p));
      }
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const current = await repo.findEtag(store, key);
        if (!preconditionsHold(current, p)) throw preconditionFailed(describeFailure(current, p));
        if (current === undefined || (await repo.remove(store, key, { ifEtagIn: [current] })) > 0) return;
        await backoff(attempt);
      }
      throw contended();
    },

    /** Communication §2.3.s5: DELETE without stateId removes every state document of the scope. */
    async deleteAll(store: string, scope: DocumentScope): Promise<void> {
      await repo.removeAll(store, scope);
    },
  };
}

export type DocumentsService = ReturnType<typeof documentsService>;

function describeFailure(current: string | undefined, p: Preconditions): string {
  if (p.ifMatch !== undefined && current === undefined) return 'If-Match failed: no document is stored here';
  if (p.ifMatch !== undefined && p.ifMatch !== '*' && (current === undefined || !p.ifMatch.includes(current))) {
    return `If-Match failed: the document has changed (its ETag is now ${current ? etagHeader(current) : 'none'})`;
  }
  if (p.ifNoneMatch === '*') return 'If-None-Match: * failed: a document is already stored here';
  return `If-None-Match failed: the document's ETag ${current ? etagHeader(current) : ''} is one of those listed`;
}
