import { randomUUID, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ObjectId, GridFSBucketWriteStream } from 'mongodb';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error';
import type { Principal } from '../auth/auth.service';
import type { XapiLine } from '../xapi/xapi-version';
import type { ValidationProblem } from '../xapi/validation-problem';
import type { Statement } from '../statements/model/statement-types';
import type { StoreStatementsService } from '../statements/statements.service';
import type { AttachmentContentsRepository } from './attachment-contents.repository';
import { mediaTypeOf, readMultipart, type PartHeaders, type PartSink } from './multipart-reader';
import { attachmentsOf, hashFor, type AttachmentRef } from './statement-attachments';
import { signatureProblem } from './signature';
import { noteBytesMoved } from './buffer-memory';

/** Limits of a multipart/mixed statement request. */
export interface AttachmentLimits {
  /** Largest multipart request body (`LRS_ATTACHMENT_MAX_BYTES`). */
  maxBytes: number;
  /** Largest statements part (`LRS_BODY_LIMIT_BYTES`, the limit of a JSON body). */
  jsonBytes: number;
}

export interface AttachmentsDeps {
  statements: StoreStatementsService;
  contents: AttachmentContentsRepository;
  /** Whether a stored statement of the store carries this content (for the clean-up). */
  isReferenced(store: string, sha2: string): Promise<boolean>;
  limits: AttachmentLimits;
  logger?: Logger;
}

/** Input of {@link AttachmentsService.storeMultipart}. */
export interface MultipartStoreInput {
  body: Readable;
  /** The request's Content-Type, with its boundary. */
  contentType: string;
  principal: Principal;
  line: XapiLine;
  /** Turns the parsed first part into the statements to store (PUT and POST read it differently). */
  statementsOf(json: unknown): { statements: unknown[]; single: boolean };
}

/** One attachment's stored content, ready to be streamed into a response. */
export interface ContentPart {
  sha2: string;
  contentType: string;
  length: number;
  /** Its bytes, read from MongoDB as they are consumed; stopping early releases the cursor. */
  open(): AsyncIterable<Buffer>;
}

async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    noteBytesMoved(chunk.length);
    yield chunk;
  }
}

// A JWS with an x5c chain is a few KiB; anything near this is not a signature.
const MAX_SIGNATURE_BYTES = 1024 * 1024;

/**
 * Statements with attachments (xAPI 1.0.3 Communication §1.5.2, Data §2.4.11 and §2.6): the write
 * use case for `multipart/mixed` requests, the content for `GET ?attachments=true`, and the
 * clean-up of content left behind by crashed requests.
 *
 * A request is handled as it streams in. The first part (the statements) is validated before any
 * attachment byte is read (§1.5.2.s1.b3: the LRS decides on the first part). Each further part is
 * matched to its attachments by `X-Experience-API-Hash` (§1.5.2.s1.b4: by hash, and no other
 * way), hashed while it streams into GridFS, and refused when the bytes do not hash to the
 * declared value. Content already stored in the store is hashed but not stored again. Statements
 * are stored last; if anything fails, what the request stored is removed again.
 */
export function attachmentsService(deps: AttachmentsDeps) {
  async function storeMultipart(input: MultipartStoreInput): Promise<string[]> {
    const { principal, line } = input;
    const store = principal.store;
    const requestId = randomUUID();
    let batch: { statements: unknown[]; single: boolean; refs: AttachmentRef[]; byHash: Map<string, AttachmentRef[]> } | undefined;
    const held = new Set<string>();
    const received = new Set<string>();
    const signatures = new Map<string, string>();
    let pending: { fileId: ObjectId; stream: GridFSBucketWriteStream } | undefined;

    const firstPart = (headers: PartHeaders): PartSink => {
      const type = mediaTypeOf(headers['content-type']);
      if (type !== 'application/json') {
        throw new AppError('BAD_REQUEST', `The first part must hold the statements as application/json (Communication §1.5.2.s2.b2.b1)${type ? `, not ${type}` : '; it has no Content-Type'}`);
      }
      const pieces: Buffer[] = [];
      let size = 0;
      return {
        write(chunk) {
          size += chunk.length;
          if (size > deps.limits.jsonBytes) throw new AppError('PAYLOAD_TOO_LARGE', `The statements part exceeds the limit of ${deps.limits.jsonBytes} bytes (LRS_BODY_LIMIT_BYTES)`);
          pieces.push(chunk);
        },
        end() {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(pieces).toString('utf8'));
          } catch (e) {
            throw new AppError('BAD_REQUEST', `The statements part is not valid JSON: ${(e as Error).message}`);
          }
          const { statements, single } = input.statementsOf(json);
          const problems = deps.statements.check({ statements, line, single });
          if (problems.length > 0) throw AppError.fromProblems('INVALID_STATEMENT', problems);
          const refs = attachmentsOf(statements, single);
          const byHash = new Map<string, AttachmentRef[]>();
          for (const r of refs) byHash.set(r.sha2, [...(byHash.get(r.sha2) ?? []), r]);
          batch = { statements, single, refs, byHash };
        },
      };
    };

    const attachmentPart = async (index: number, headers: PartHeaders): Promise<PartSink> => {
      const where = `part ${index}`;
      const declared = headers['x-experience-api-hash'];
      if (!declared) throw new AppError('BAD_REQUEST', `${where} has no X-Experience-API-Hash header (Communication §1.5.2.s2.b2.b3)`);
      const encoding = headers['content-transfer-encoding'];
      if (encoding?.toLowerCase() !== 'binary') {
        throw new AppError('BAD_REQUEST', `${where} needs Content-Transfer-Encoding: binary (Communication §1.5.2.s2.b2.b4)${encoding ? `, not ${encoding}` : ''}`);
      }
      const sha2 = declared.toLowerCase();
      const refs = batch!.byHash.get(sha2);
      if (!refs) throw new AppError('BAD_REQUEST', `${where} has X-Experience-API-Hash ${sha2}, the sha2 of no attachment in the statements`);
      const hash = hashFor(sha2);
      if (!hash) throw new AppError('BAD_REQUEST', `${where}: ${sha2} is not a SHA-224, SHA-256, SHA-384 or SHA-512 hex digest`);
      const signature = refs.some((r) => r.signature);
      const partType = mediaTypeOf(headers['content-type']);
      if (signature && partType && partType !== 'application/octet-stream') {
        throw new AppError('INVALID_STATEMENT', `${where} holds a signature (${refs.map((r) => r.path).join(', ')}), so its Content-Type must be application/octet-stream (Data §2.6), not ${partType}`);
      }

      let upload: { fileId: ObjectId; stream: GridFSBucketWriteStream } | undefined;
      if (!held.has(sha2) && !(await deps.contents.hold(store, sha2, requestId))) {
        upload = await deps.contents.openUpload(store, sha2);
        pending = upload;
      } else {
        held.add(sha2);
      }
      return contentSink({ where, sha2, refs, hash, upload, keep: signature });
    };

    const contentSink = (part: { where: string; sha2: string; refs: AttachmentRef[]; hash: Hash; upload?: { fileId: ObjectId; stream: GridFSBucketWriteStream }; keep: boolean }): PartSink => {
      const kept: Buffer[] = [];
      let length = 0;
      const stream = part.upload?.stream;
      return {
        async write(chunk) {
          part.hash.update(chunk);
          length += chunk.length;
          noteBytesMoved(chunk.length);
          if (part.keep) {
            if (length > MAX_SIGNATURE_BYTES) throw new AppError('INVALID_STATEMENT', `${part.where} holds a signature larger than ${MAX_SIGNATURE_BYTES} bytes`);
            kept.push(chunk);
          }
          // GridFS writes a chunk document per 255 KiB; wait for it before taking more bytes.
          if (stream && !stream.write(chunk)) await once(stream, 'drain');
        },
        async end() {
          if (stream) {
            stream.end();
            await finished(stream);
          }
          const digest = part.hash.digest('hex');
          if (digest !== part.sha2) {
            throw new AppError('BAD_REQUEST', `${part.where}: its content hashes to ${digest}, not to its X-Experience-API-Hash ${part.sha2} (${part.refs.map((r) => r.path).join(', ')})`);
          }
          if (part.upload) {
            await deps.contents.commit({ store, sha2: part.sha2, fileId: part.upload.fileId, length, contentType: part.refs[0]!.contentType, requestId });
            pending = undefined;
            held.add(part.sha2);
          }
          received.add(part.sha2);
          if (part.keep) signatures.set(part.sha2, Buffer.concat(kept).toString('utf8'));
        },
      };
    };

    try {
      await readMultipart({
        body: input.body,
        contentType: input.contentType,
        maxBytes: deps.limits.maxBytes,
        onPart: (index, headers) => (index === 0 ? firstPart(headers) : attachmentPart(index, headers)),
      });
      const { statements, single, refs } = batch!;
      const problems: ValidationProblem[] = [];
      for (const ref of refs) {
        const jws = ref.signature ? signatures.get(ref.sha2) : undefined;
        if (jws === undefined) continue;
        const why = signatureProblem(statements[ref.statement] as Statement, jws);
        if (why) problems.push({ path: ref.path, message: `signature ${why}` });
      }
      if (problems.length > 0) throw AppError.fromProblems('INVALID_STATEMENT', problems);

      const { ids, inserted } = await deps.statements.storeBatch({ statements, principal, line, single, contentShas: received });
      const used = new Set(attachmentsOf(inserted, false).map((a) => a.sha2).filter((s) => held.has(s)));
      await deps.contents.markReferenced(store, [...used], requestId);
      await deps.contents.release(store, [...held].filter((s) => !used.has(s)), requestId);
      return ids;
    } catch (err) {
      await cleanUp(store, requestId, [...held], pending);
      throw err;
    }
  }

  async function cleanUp(store: string, requestId: string, held: string[], pending: { fileId: ObjectId; stream: GridFSBucketWriteStream } | undefined): Promise<void> {
    try {
      if (pending) {
        // Let the stream settle first, so no chunk lands after the upload was deleted.
        if (!pending.stream.writableEnded) pending.stream.end();
        await finished(pending.stream).catch(() => undefined);
        await deps.contents.discardUpload(pending.fileId);
      }
      await deps.contents.release(store, held, requestId);
    } catch (err) {
      // What remains is content-addressed and unreferenced: the sweep removes it later.
      deps.logger?.warn({ err, store }, 'could not remove the attachment content of a rejected request');
    }
  }

  return {
    storeMultipart,

    /** Stored content for these hashes (those that exist), each once, in order. */
    async contents(store: string, shas: readonly string[]): Promise<ContentPart[]> {
      const docs = await deps.contents.find(store, [...new Set(shas)]);
      return docs.map((d) => ({
        sha2: d.sha2,
        contentType: d.contentType,
        length: d.length,
        open: () => counted(deps.contents.openDownload(d.fileId, d.length)),
      }));
    },

    /** Removes content and uploads left by crashed requests, older than `before`. */
    sweep(before: Date): Promise<{ uploads: number; contents: number }> {
      return deps.contents.sweep(before, deps.isReferenced);
    },
  };
}
export type AttachmentsService = ReturnType<typeof attachmentsService>;
