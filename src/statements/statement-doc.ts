import type { ObjectId } from 'mongodb';
import type { XapiLine } from '../xapi/xapi-version';

/**
 * How a statement is kept in the `statements` collection. The statement itself is kept as the
 * JSON text the LRS returns for `format=exact` (no MongoDB key restrictions apply to a string, and
 * reads need no re-serialisation); every field a query filters or sorts on sits beside it.
 */
export interface StatementDoc {
  _id?: ObjectId;
  store: string;
  /** Lower-case UUID. */
  id: string;
  stored: Date;
  timestamp: Date;
  /** Hidden from queries (still reachable by `voidedStatementId`). */
  voided: boolean;
  /** Version line the statement was sent with. */
  line: XapiLine;
  verbIds: string[];
  authorityKey: string;
  agents: string[];
  relatedAgents: string[];
  activities: string[];
  relatedActivities: string[];
  registrations: string[];
  /** Target of a StatementRef object (voiding statements included). */
  refId?: string;
  /** Set when the verb is `voided`: the id this statement voids. */
  voidsId?: string;
  /** The complete stored statement (LRS-set properties included) as JSON text. */
  json: string;
  /**
   * sha2 (lower-case) of the attachments whose content arrived with the statement and is stored
   * (src/attachments); absent when none did. GET ?attachments=true returns these.
   */
  attachmentShas?: string[];
  /** Marks the statement for the competency workers; they clear it once scored. */
  toScore: boolean;
}

/** The fields a StatementRef target lends to statements that reference it (xAPI 1.0.3 Communication §2.1.3 "Filter Conditions for StatementRefs"). */
export const INHERITED_FIELDS = ['verbIds', 'agents', 'relatedAgents', 'activities', 'relatedActivities', 'registrations'] as const;
