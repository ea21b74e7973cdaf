import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';

/** One attachment part of a multipart/mixed statement response; its content is read when written. */
export interface AttachmentPart { sha2: string; contentType: string; length: number; open(): AsyncIterable<Buffer> }

/** A boundary for a multipart response (RFC 2046 §5.1.1: up to 70 characters, not in the content). */
export function multipartBoundary(): string {
  return `xapi-${randomBytes(16).toString('hex')}`;
}

/**
 * xAPI 1.0.3 Communication §2.1.3 (`attachments=true`) and §1.5.2: the statement result as the
 * first part (application/json), then each attachment's content once (the caller dedupes by
 * sha2), identified by `X-Experience-API-Hash`, with `Content-Transfer-Encoding: binary`. Streams
 * into `out` with back-pressure: attachment content is never held whole in memory.
 */
export async function writeMultipartStatements(out: Writable, input: { boundary: string; json: string; parts: readonly AttachmentPart[] }): Promise<void> {
  const write = async (data: Buffer | string): Promise<void> => {
    if (out.destroyed) throw new Error('the client closed the connection');
    if (!out.write(data)) await drained(out);
  };
  const { boundary } = input;
  await write(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${input.json}\r\n`);
  for (const p of input.parts) {
    await write(`--${boundary}\r\nContent-Type: ${p.contentType}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${p.sha2}\r\nContent-Length: ${p.length}\r\n\r\n`);
    for await (const chunk of p.open()) await write(chunk);
    await write('\r\n');
  }
  await write(`--${boundary}--\r\n`);
}

/** Resolves on 'drain'; rejects when the stream closes first (a client that went away). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => { done(); resolve(); };
    const onClose = () => { done(); reject(new Error('the client closed the connection')); };
    const done = () => { out.off('drain', onDrain); out.off('close', onClose); };
    out.on('drain', onDrain);
    out.on('close', onClose);
  });
}
