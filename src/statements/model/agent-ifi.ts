import { type Actor, type JsonObject, isObject, objectOf, objectsIn, stringOf } from './statement-types';

/** The four Inverse Functional Identifier properties, in the order we look for them. */
export const IFI_PROPERTIES = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

/**
 * An mbox in the form used for comparison and lookup: scheme and domain lower-cased, the local
 * part left as sent.
 *
 * xAPI 1.0.3 Data §2.4.2.3 (Client Requirements) and §2.3.1 (case sensitivity exception): the
 * domain portion of an email address is case insensitive. The scheme is case insensitive too:
 * Data §3.1 lets an LRS compare IRIs with RFC 3987 §5.3.2 syntax-based normalisation, which
 * lower-cases the scheme. The local part is case sensitive (RFC 5321 §2.4), so it is kept.
 */
export function normalizeMbox(mbox: string): string {
  const m = SCHEME.exec(mbox);
  if (!m) return mbox;
  const scheme = (m[1] ?? '').toLowerCase();
  const address = m[2] ?? '';
  const at = address.lastIndexOf('@');
  if (at < 0) return `${scheme}:${address}`;
  return `${scheme}:${address.slice(0, at)}${address.slice(at).toLowerCase()}`;
}

// '|' separates homePage from name; escaping '%' and '|' in the homePage keeps the key injective
// even for a (malformed) homePage containing '|'. Real IRLs contain neither, so keys stay readable.
function escapeHomePage(homePage: string): string {
  return homePage.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

/**
 * A canonical string for an Agent's or Identified Group's Inverse Functional Identifier, used as
 * the value of the indexed agent arrays and of the `agent` query parameter:
 * `mbox:mailto:a@b.c`, `mbox_sha1sum:<hex>`, `openid:<uri>`, `account:<homePage>|<name>`.
 *
 * xAPI 1.0.3 Communication §2.1.3 (`agent`): Agents or Identified Groups are equal when the same
 * IFI is used with equal values, so Agent and Group with the same IFI get the same key.
 * Returns undefined when the object has no usable IFI (an Anonymous Group, or malformed input).
 * `mbox_sha1sum` is kept as sent (Data §2.2: values are case sensitive unless specified otherwise).
 */
export function agentIfiKey(agent: unknown): string | undefined {
  if (!isObject(agent)) return undefined;
  const mbox = stringOf(agent.mbox);
  if (mbox !== undefined) return `mbox:${normalizeMbox(mbox)}`;
  const sha1 = stringOf(agent.mbox_sha1sum);
  if (sha1 !== undefined) return `mbox_sha1sum:${sha1}`;
  const openid = stringOf(agent.openid);
  if (openid !== undefined) return `openid:${openid}`;
  const account = objectOf(agent.account);
  const homePage = stringOf(account?.homePage);
  const name = stringOf(account?.name);
  if (homePage !== undefined && name !== undefined) return `account:${escapeHomePage(homePage)}|${name}`;
  return undefined;
}

/**
 * Just the IFI property of an Agent or Group, as sent (e.g. `{ mbox: 'mailto:a@b.c' }`), or
 * undefined when it has none. Used where the minimum identifying information is wanted.
 */
export function ifiPropertyOf(agent: Actor): JsonObject | undefined {
  for (const property of IFI_PROPERTIES) {
    const value = agent[property];
    if (property === 'account' ? isObject(value) : typeof value === 'string') return { [property]: value };
  }
  return undefined;
}

/** True when the object declares itself a Group (xAPI 1.0.3 Data §2.4.2.2: objectType is required). */
function isGroup(actor: Actor): boolean {
  return actor.objectType === 'Group';
}

/** The member Agents of a Group; none for an Agent or malformed input. */
function membersOf(actor: Actor): JsonObject[] {
  return isGroup(actor) ? objectsIn(actor.member) : [];
}

/**
 * The IFI keys under which an Agent or Group matches the `agent` filter: its own IFI (absent for
 * an Anonymous Group) and those of its members.
 * xAPI 1.0.3 Communication §2.1.3 (`agent`): "Groups that have members which match the specified
 * Agent based on their Inverse Functional Identifier ... are considered a match".
 */
export function matchKeysOf(actor: unknown): string[] {
  if (!isObject(actor)) return [];
  const keys: string[] = [];
  const own = agentIfiKey(actor);
  if (own !== undefined) keys.push(own);
  for (const member of membersOf(actor)) {
    const key = agentIfiKey(member);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}
