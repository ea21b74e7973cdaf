/**
 * JSON documents: which content counts as JSON, and the merge of xAPI 1.0.3 Communication §2.2.s7.
 */

/** The content type of a request or stored document, as sent, or the default for a body without one. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** True when the media type is `application/json`, whatever its parameters (`; charset=utf-8`). */
export function isJsonType(contentType: string): boolean {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase() === 'application/json';
}

/** A JSON object whose values have not been narrowed. */
export type JsonObject = Record<string, unknown>;

/** The parsed JSON value of a body, or undefined when it is not JSON (UTF-8; a BOM is allowed). */
export function parseJsonContent(content: Uint8Array): { value: unknown } | undefined {
  let text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Communication §2.2.s7: every top-level property of the posted object replaces the property of
 * the same name in the existing object; nothing deeper is merged. Spread copies with
 * CreateDataProperty, so a posted `__proto__` key is an ordinary property, never a prototype.
 */
export function mergeTopLevel(existing: JsonObject, posted: JsonObject): JsonObject {
  return { ...existing, ...posted };
}
