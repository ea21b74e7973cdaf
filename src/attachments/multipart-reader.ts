import type { Readable } from 'node:stream';
import { make as makeMultipartParser, type MultipartError } from 'multipasta';
import { AppError } from '../errors/app-error';

/** Headers of one part, names lower-cased; a repeated header keeps its first value. */
export type PartHeaders = Readonly<Record<string, string>>;

/** Where the body of one part goes. Calls are serialised: the next one starts after the last settled. */
export interface PartSink {
  /** One piece of the part's body, in order. The buffer is the sink's to keep. */
  write(chunk: Buffer): void | Promise<void>;
  /** The part ended (its closing delimiter was read). */
  end(): void | Promise<void>;
}

/** Options of {@link readMultipart}. */
export interface ReadMultipartOptions {
  /** The request body. */
  body: Readable;
  /** The request's `Content-Type` (`multipart/mixed; boundary=...`). */
  contentType: string;
  /** Largest body accepted, counted while reading; more is a 413 (`PAYLOAD_TOO_LARGE`). */
  maxBytes: number;
  /** Called for each part, in order (index 0 is the first part), with its headers. */
  onPart(index: number, headers: PartHeaders): PartSink | Promise<PartSink>;
  /**
   * Bytes handed to sinks but not yet settled before the body is paused.
   * @defaultValue 1 MiB
   */
  highWaterMark?: number;
}

/**
 * Reads a `multipart/mixed` body (RFC 2046 §5.1) part by part without holding a whole part in
 * memory: every chunk goes to the part's sink as it arrives, and the request is paused while the
 * sinks lag behind by more than `highWaterMark`, so a slow sink slows the client instead of
 * filling memory. Resolves when the closing delimiter was read and every sink settled; rejects
 * with the first error (a sink's, a malformed body, or the size limit) once the sink step then
 * running has settled. On rejection, the rest of the body is read and discarded so the client can
 * still read the error response.
 *
 * Parsing is done by `multipasta` (a streaming parser for any multipart type); this module adds
 * the ordering, back-pressure and limits.
 */
export function readMultipart(opts: ReadMultipartOptions): Promise<void> {
  const highWaterMark = opts.highWaterMark ?? 1024 * 1024;
  const { body } = opts;
  if (body.readableEnded) return Promise.reject(new AppError('BAD_REQUEST', 'The request body was already read'));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let done = false;
    let received = 0;
    let queued = 0;
    let partIndex = -1;
    let chain: Promise<void> = Promise.resolve();

    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      body.removeListener('data', onData);
      // Drain what is left so the client finishes sending and reads our answer.
      body.resume();
      // A sink step still running finishes first (no later one starts), so the caller cleans up
      // after everything the sinks did.
      chain.then(() => reject(err), () => reject(err));
    };
    const enqueue = (bytes: number, step: () => void | Promise<void>): void => {
      queued += bytes;
      chain = chain.then(async () => {
        if (settled) return;
        await step();
        queued -= bytes;
      });
      chain.catch(fail);
    };

    const parser = makeMultipartParser({
      headers: { 'content-type': opts.contentType },
      isFile: () => true,
      onFile: (info) => {
        if (settled || done) return () => undefined;
        const index = ++partIndex;
        const headers: Record<string, string> = {};
        // Trimmed: multipasta keeps the space after the colon when a chunk ends right after it.
        for (const [k, v] of Object.entries(info.headers)) headers[k] = (Array.isArray(v) ? (v[0] ?? '') : v).trim();
        let sink: PartSink | undefined;
        enqueue(0, async () => { sink = await opts.onPart(index, headers); });
        return (chunk) => {
          if (chunk === null) return enqueue(0, () => sink!.end());
          // A view, not a copy: multipasta hands out slices of the request's chunks (or of buffers it
          // allocated to join two chunks) and never writes to them again.
          const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          enqueue(view.length, () => sink!.write(view));
        };
      },
      onField: () => undefined,
      onError: (error) => { if (!done) fail(multipartError(error)); },
      onDone: () => { done = true; },
    });

    // multipasta recognises the close delimiter only when the "--" after the boundary arrives in
    // the same write as the boundary, so a body must never be cut just inside the close delimiter:
    // a tail that could be the start of it is held back and written with what follows.
    const close = closeDelimiter(opts.contentType);
    let held: Buffer = Buffer.alloc(0);
    const feed = (chunk: Buffer): void => {
      const data = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      const keep = close ? partialSuffix(data, close) : 0;
      held = keep > 0 ? Buffer.from(data.subarray(data.length - keep)) : Buffer.alloc(0);
      if (data.length > keep) parser.write(data.subarray(0, data.length - keep));
    };

    function onData(chunk: Buffer): void {
      if (settled) return;
      received += chunk.length;
      if (received > opts.maxBytes) {
        fail(new AppError('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${opts.maxBytes} bytes (LRS_ATTACHMENT_MAX_BYTES)`));
        return;
      }
      if (!done) feed(chunk);
      if (queued > highWaterMark) {
        body.pause();
        void chain.then(() => { if (!settled) body.resume(); });
      }
    }

    let ended = false;
    body.on('data', onData);
    body.once('end', () => {
      ended = true;
      if (settled) return;
      if (!done && held.length > 0) parser.write(held);
      if (!done) parser.end();
      if (!done) return fail(new AppError('BAD_REQUEST', 'The multipart body ends without its closing boundary delimiter (RFC 2046 §5.1.1)'));
      if (partIndex < 0) return fail(new AppError('BAD_REQUEST', 'The multipart body holds no part'));
      chain.then(() => {
        if (settled) return;
        settled = true;
        resolve();
      }, fail);
    });
    body.once('error', (err) => fail(err));
    body.once('close', () => { if (!ended) fail(new AppError('BAD_REQUEST', 'The client closed the connection before the body ended')); });
  });
}

function multipartError(error: MultipartError): AppError {
  switch (error._tag) {
    case 'InvalidBoundary':
      return new AppError('BAD_REQUEST', 'Content-Type: multipart/mixed needs a boundary parameter (RFC 2046 §5.1.1)');
    case 'BadHeaders':
      return new AppError('BAD_REQUEST', `A part has malformed headers (${error.error.reason})`);
    case 'ReachedLimit':
      return new AppError('PAYLOAD_TOO_LARGE', `The multipart body exceeds a limit (${error.limit})`);
    case 'EndNotReached':
      return new AppError('BAD_REQUEST', 'The multipart body ends without its closing boundary delimiter (RFC 2046 §5.1.1)');
    default:
      return new AppError('BAD_REQUEST', 'The multipart body is malformed');
  }
}

/** `CRLF--boundary--`, the close delimiter of RFC 2046 §5.1.1, or undefined without a boundary. */
function closeDelimiter(contentType: string): Buffer | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  return boundary ? Buffer.from(`\r\n--${boundary}--`) : undefined;
}

/** Length of the longest tail of `data` that is a proper prefix of `needle` (0 when none). */
function partialSuffix(data: Buffer, needle: Buffer): number {
  for (let n = Math.min(needle.length - 1, data.length); n > 0; n--) {
    if (data.subarray(data.length - n).equals(needle.subarray(0, n))) return n;
  }
  return 0;
}

/** The media type of a Content-Type value, lower-cased, without parameters (`text/plain`). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}
