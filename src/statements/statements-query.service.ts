import { AppError } from '../errors/app-error';
import type { XapiLine } from '../xapi/xapi-version';
import type { Statement } from './model/statement-types';
import { formatStatement } from './model/statement-format';
import { downgradeForLine } from './model/downgrade';
import { planStatementQuery } from './query-plan';
import type { StatementRequest } from './query-params';
import { encodeMoreToken } from './more-token';
import type { StatementsRepository } from './statements.repository';
import type { ConsistencyTracker } from './consistency';

export interface ReadContext {
  store: string;
  line: XapiLine;
  acceptLanguages: string[];
  /** Set for `statements/read/mine`: only statements with this authority are visible. */
  authorityKey?: string;
}

export interface StatementsPage {
  /** The response body, serialised (statements are kept as JSON text, so no re-encoding for `exact`). */
  body: string;
  lastModified: Date;
  consistentThrough: Date;
  /** sha2 of the stored attachment content of the statements returned, each once, in order. */
  attachmentShas: string[];
}

/** The read use cases behind GET /statements. */
export function queryStatementsService(deps: { repo: StatementsRepository; consistency: ConsistencyTracker; moreBasePath: string }) {
  function render(json: string, storedLine: XapiLine, format: StatementRequest['format'], ctx: ReadContext): string {
    if (format === 'exact' && (ctx.line === '2.0' || storedLine === '1.0')) return json;
    let s = JSON.parse(json) as Statement;
    if (ctx.line === '1.0' && storedLine === '2.0') s = downgradeForLine(s, ctx.line);
    if (format !== 'exact') s = formatStatement(s, { format, acceptLanguages: ctx.acceptLanguages });
    return JSON.stringify(s);
  }

  return {
    async getOne(req: Extract<StatementRequest, { kind: 'single' }>, ctx: ReadContext): Promise<StatementsPage> {
      const consistentThrough = deps.consistency.consistentThrough();
      const doc = await deps.repo.findOne(ctx.store, req.id, req.voided);
      // §2.1.3: statementId of a voided statement, or voidedStatementId of one that is not, is 404.
      if (!doc || (ctx.authorityKey !== undefined && doc.authorityKey !== ctx.authorityKey)) {
        throw new AppError('NOT_FOUND', `No ${req.voided ? 'voided ' : ''}statement with id ${req.id}`);
      }
      return { body: render(doc.json, doc.line, req.format, ctx), lastModified: doc.stored, consistentThrough, attachmentShas: doc.attachmentShas ?? [] };
    },

    async query(req: Extract<StatementRequest, { kind: 'query' }>, ctx: ReadContext, originalQuery: Record<string, string>): Promise<StatementsPage> {
      // Taken before the read: everything stored up to this instant is visible to the query below.
      const consistentThrough = deps.consistency.consistentThrough();
      const filter = ctx.authorityKey !== undefined ? { ...req.filter, authorityKey: ctx.authorityKey } : req.filter;
      const plan = planStatementQuery(ctx.store, filter, req.cursor);
      const rows = await deps.repo.query(plan, req.limit);
      const page = rows.slice(0, req.limit);
      let more = '';
      const last = page[page.length - 1];
      if (rows.length > req.limit && last?._id) {
        more = `${deps.moreBasePath}?more=${encodeMoreToken(originalQuery, { stored: last.stored, oid: last._id.toHexString() })}`;
      }
      const body = `{"statements":[${page.map((r) => render(r.json, r.line, req.format, ctx)).join(',')}],"more":${JSON.stringify(more)}}`;
      const attachmentShas = [...new Set(page.flatMap((r) => r.attachmentShas ?? []))];
      return { body, lastModified: newestStored(page) ?? consistentThrough, consistentThrough, attachmentShas };
    },
  };
}
export type QueryStatementsService = ReturnType<typeof queryStatementsService>;

function newestStored(rows: Array<{ stored: Date }>): Date | undefined {
  let newest: Date | undefined;
  for (const r of rows) if (!newest || r.stored > newest) newest = r.stored;
  return newest;
}
