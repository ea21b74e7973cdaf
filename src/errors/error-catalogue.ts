/**
 * Every error the LRS answers with, in one place. An {@link AppError} carries one of these codes;
 * the single error middleware turns it into `{ "error": { code, message, details? } }` with the
 * status below. `test/error-catalogue.test.ts` keeps this list and the README's table in step.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, summary: 'The request is malformed (headers, parameters or body).' },
  INVALID_STATEMENT: { status: 400, summary: 'A statement breaks the xAPI rules for the requested version.' },
  VERSION_HEADER: { status: 400, summary: 'X-Experience-API-Version is missing or names a version this LRS does not serve.' },
  INVALID_PARAMETER: { status: 400, summary: 'A query parameter is unknown, repeated or has an invalid value.' },
  INVALID_MORE_TOKEN: { status: 400, summary: 'A `more` link was altered or belongs to another query.' },
  INVALID_DEFINITION: { status: 400, summary: 'A competency framework or its mapping rules break the schema or refer to what does not exist; nothing was saved.' },
  UNAUTHORIZED: { status: 401, summary: 'No credentials, or credentials that do not match.' },
  FORBIDDEN: { status: 403, summary: 'The credential lacks the scope this request needs.' },
  NOT_FOUND: { status: 404, summary: 'No such resource.' },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'The resource does not support this method.' },
  STATEMENT_CONFLICT: { status: 409, summary: 'A statement with this id is stored with different content.' },
  DOCUMENT_CONFLICT: { status: 409, summary: 'A PUT without If-Match / If-None-Match found a document already stored, or the document kept changing under the write.' },
  PRECONDITION_FAILED: { status: 412, summary: 'An If-Match / If-None-Match precondition does not hold; nothing was changed.' },
  IDENTITY_CONFLICT: { status: 409, summary: 'An agent identity given for a learner already belongs to another learner; nothing was saved.' },
  NOT_VALIDATED: { status: 409, summary: 'The competency is not validated for this learner now, so no badge can be issued.' },
  PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body exceeds the configured limit.' },
  SERVICE_UNAVAILABLE: { status: 503, summary: 'A backing service (MongoDB) is unavailable; retry later.' },
  INTERNAL: { status: 500, summary: 'Unexpected failure; the log has the error id.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
