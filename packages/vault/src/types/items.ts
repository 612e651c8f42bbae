/** Items as callers see them: summaries and the input that stores a token. Never a token in any answer. */

export type ItemStatus = 'active' | 'login_required' | 'pending_expiration' | 'revoked' | 'relink_required';

export const ITEM_STATUSES: readonly ItemStatus[] = ['active', 'login_required', 'pending_expiration', 'revoked', 'relink_required'];

/** The most any response says about an item. Never a token. */
export interface ItemSummary {
  itemId: string;
  institutionId: string | null;
  institutionName: string | null;
  status: ItemStatus;
  products: string[];
  createdAt: Date;
  rotatedAt: Date | null;
}

/** `vault.items.put`: store a token Plaid already issued (an import, or a host that exchanges public tokens itself). */
export interface PutItemInput {
  userId: string;
  itemId: string;
  accessToken: string;
  institutionId?: string | null;
  institutionName?: string | null;
  products?: string[];
}

/** One use of a token (`vault.withToken`): who, which item and why, all recorded in the audit log. */
export interface TokenUse {
  userId: string;
  itemId: string;
  /** Why the token is used; recorded in the audit log (e.g. "accounts.get"). */
  purpose: string;
  requestId?: string;
  actor?: string;
}

/**
 * Called once an item is gone from the vault, whichever way it went: `items.remove`
 * (the HTTP route too), `items.delete`, a duplicate replaced at link time, a consent
 * revoked by webhook. The row, its token and every cached copy are already gone;
 * drop what the app keeps about the item (synced transactions, say). A failure is
 * logged and does not undo or fail the removal.
 */
export type ItemRemovedHook = (item: { userId: string; itemId: string; action: 'item.remove' | 'item.delete' }) => void | Promise<void>;
