/**
 * The xAPI versions this LRS serves. A request chooses one with `X-Experience-API-Version`;
 * the response answers in the same version.
 */
export type XapiLine = '1.0' | '2.0';

/** Versions listed by `/about`, newest last. */
export const SERVED_VERSIONS = ['1.0.3', '2.0.0'] as const;

/** The full version string the LRS writes into a stored statement's `version` when it is absent. */
export const DEFAULT_STATEMENT_VERSION: Record<XapiLine, string> = { '1.0': '1.0.0', '2.0': '2.0.0' };

// xAPI 1.0.3 Communication §6.2: accept any 1.0.x; xAPI 2.0: accept 2.0.x.
const HEADER_PATTERN = /^(1\.0|2\.0)(\.\d+)?$/;

/** The version line a header value asks for, or undefined when it is not one we serve. */
export function parseVersionHeader(value: string | undefined): XapiLine | undefined {
  if (value === undefined) return undefined;
  const m = HEADER_PATTERN.exec(value.trim());
  return m ? (m[1] as XapiLine) : undefined;
}

/** The version string to answer with for a line (echoing the newest patch we implement). */
export function responseVersion(line: XapiLine): string {
  return line === '2.0' ? '2.0.0' : '1.0.3';
}
