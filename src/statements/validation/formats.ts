import { isLanguageTag } from './language-tag';
import { timestampProblem } from './timestamp-format';

/** What is wrong with a string, in plain words, or undefined when it is fine. */
export type FormatCheck = (value: string) => string | undefined;

/**
 * The `xapi-*` formats named in `schemas/xapi/*.schema.json`. Each one is registered with ajv (as
 * "valid when the check returns undefined") and also gives the message for a value that fails.
 */
export interface XapiFormat {
  check: FormatCheck;
  /** Message for an object key in this format that fails, e.g. a language map key. */
  keyMessage?: string;
}

// xAPI 1.0.3 Data §4.3: IRIs must be absolute (have a scheme); "The LRS MAY use best-effort
// validation". We accept scheme ":" and a non-empty rest without spaces, controls or the
// characters RFC 3987 never allows unescaped, and require every "%" to start a %XX escape.
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\p{Cc}]+$/u;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function isAbsoluteIri(value: string): boolean {
  return ABSOLUTE_IRI.test(value) && !BAD_PERCENT.test(value);
}

// xAPI 1.0.3 Data §2.4.2.3: "mailto:email address". One @, no query (an identifier, not a link).
const MAILTO = /^mailto:[^\s@?]+@[^\s@?/]+$/;
// xAPI 1.0.3 Data §4.4: UUIDs in the standard string form, any variant or version, either case.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA1 = /^[0-9a-f]{40}$/i;
// xAPI 1.0.3 Data §2.4.11: sha2 is a SHA-2 hash: SHA-224, SHA-256, SHA-384 or SHA-512 in hex.
const SHA2 = /^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i;
// RFC 6838 type/subtype with optional RFC 9110 parameters (`text/plain; charset=ascii`).
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*\\s*$`,
);

// xAPI 1.0.3 Data §4.6: ISO 8601:2004 §4.4.3.2 durations (PnYnMnDTnHnMnS or PnW; the ADL suite
// rejects P4W1D). Only the smallest unit given may carry a decimal fraction.
const DURATION =
  /^P(?:(?<weeks>\d+(?:\.\d+)?W)|(?=\d|T\d)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?D)?(?:T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?)$/;

function isDuration(value: string): boolean {
  const m = DURATION.exec(value);
  if (!m) return false;
  const parts = m.slice(1).filter((p): p is string => p !== undefined);
  return parts.slice(0, -1).every((p) => !p.includes('.'));
}

function rule(test: (value: string) => boolean, message: string): FormatCheck {
  return (value) => (test(value) ? undefined : message);
}

/** Every format the xAPI schemas use, keyed by the name they use. */
export const XAPI_FORMATS: Readonly<Record<string, XapiFormat>> = {
  'xapi-iri': {
    check: rule(isAbsoluteIri, 'must be an absolute IRI'),
    keyMessage: 'is not an absolute IRI',
  },
  // IRLs are IRIs meant to resolve; best-effort validation treats them alike.
  'xapi-irl': { check: rule(isAbsoluteIri, 'must be an absolute IRL (URL)') },
  'xapi-mailto-iri': { check: rule((v) => MAILTO.test(v), 'must be a mailto IRI') },
  'xapi-uuid': { check: rule((v) => UUID.test(v), 'must be a UUID') },
  'xapi-sha1': { check: rule((v) => SHA1.test(v), 'must be a SHA-1 hash (40 hex digits)') },
  'xapi-sha2': {
    check: rule((v) => SHA2.test(v), 'must be a SHA-2 hash in hex (SHA-224, SHA-256, SHA-384 or SHA-512)'),
  },
  'xapi-media-type': {
    check: rule((v) => MEDIA_TYPE.test(v), 'must be an Internet media type such as application/pdf'),
  },
  'xapi-language-tag': {
    check: rule(isLanguageTag, 'must be an RFC 5646 language tag such as en-US'),
    keyMessage: 'is not an RFC 5646 language tag',
  },
  'xapi-duration': {
    check: rule(isDuration, 'must be an ISO 8601 duration such as PT1H30M or P4W'),
  },
  'xapi-timestamp-1.0': { check: (v) => timestampProblem(v, '1.0') },
  'xapi-timestamp-2.0': { check: (v) => timestampProblem(v, '2.0') },
};
