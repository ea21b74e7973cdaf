import { randomBytes } from 'node:crypto';

/** One attachment part of a multipart/mixed statement response. */
export interface AttachmentPart { sha2: string; contentType: string; content: Buffer }

/**
 * xAPI 1.0.3 Communication §2.1.3 (`attachments=true`) and Data §2.4.11: the statement result as
 * the first part (application/json), then each attachment once, identified by
 * `X-Experience-API-Hash`, with `Content-Transfer-Encoding: binary`.
 */
export function multipartStatements(json: string, parts: AttachmentPart[]): { contentType: string; body: Buffer } {
  const boundary = `xapi-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${json}\r\n`)];
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p.sha2)) continue;
    seen.add(p.sha2);
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${p.contentType}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${p.sha2}\r\n\r\n`));
    chunks.push(p.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) };
}
