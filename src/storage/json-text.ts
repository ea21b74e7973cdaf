/**
 * Fields stored as their JSON text rather than as nested documents: ones nothing queries, always
 * read and written whole (a cell's evidence items, an analytics feed slot's payload, a roll-up's
 * children). The MongoDB stand-in clones a document, re-measures its BSON size and re-derives its
 * index keys on every update, under the collection's lock, at a cost that grows with its fields;
 * one string costs it (and the driver) a fraction of the nested documents it replaces. Documents
 * written before hold such fields as documents, so readers take both forms.
 */

/** A stored field: JSON text, or the value itself in documents written before. */
export type JsonText<T> = T | string;

/** The value of a field stored by {@link toJsonText} (or as the value itself, before). */
export function fromJsonText<T>(stored: JsonText<T>): T {
  return typeof stored === 'string' ? (JSON.parse(stored) as T) : stored;
}

/** What to store for such a field. */
export function toJsonText<T>(value: T): string {
  return JSON.stringify(value);
}
