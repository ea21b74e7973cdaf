import { AppError } from '../errors/app-error';
import type { StatementRequest } from './query-params';

interface TokenBody { v: 1; q: Record<string, string>; s: number; o: string }

/**
 * `more` links carry the original query and the position after the last statement returned, so
 * they need no server-side state: they keep working indefinitely and, because paging is by
 * (stored, _id), stay correct while new statements arrive.
 */
export function encodeMoreToken(query: Record<string, string>, last: { stored: Date; oid: string }): string {
  const body: TokenBody = { v: 1, q: query, s: last.stored.getTime(), o: last.oid };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeMoreToken(token: string): { query: Record<string, string>; cursor: { stored: Date; oid: string } } {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
    if (body.v !== 1 || typeof body.q !== 'object' || body.q === null || typeof body.s !== 'number' || typeof body.o !== 'string' || !/^[0-9a-f]{24}$/.test(body.o)) {
      throw new Error('bad shape');
    }
    for (const v of Object.values(body.q)) if (typeof v !== 'string') throw new Error('bad query');
    return { query: body.q as Record<string, string>, cursor: { stored: new Date(body.s), oid: body.o } };
  } catch {
    throw new AppError('INVALID_MORE_TOKEN', 'more: this token is not one this LRS issued (it may have been truncated or altered)');
  }
}

export function withCursor(req: StatementRequest, cursor: { stored: Date; oid: string }): StatementRequest {
  return req.kind === 'query' ? { ...req, cursor } : req;
}
