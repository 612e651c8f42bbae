import type { AuditEvent } from '../types/audit.js';
import type { ItemSummary } from '../types/items.js';
import type { AccountView, TransactionView, TransactionsDelta } from '../types/data.js';
import type { ExchangeResult } from '../types/link.js';

// Allow-list projections: every response field is named here, so a field added
// to a row or view type never reaches a browser by accident.

export function itemJson(i: ItemSummary) {
  return {
    itemId: i.itemId,
    institutionId: i.institutionId,
    institutionName: i.institutionName,
    status: i.status,
    products: [...i.products],
    createdAt: i.createdAt.toISOString(),
    rotatedAt: i.rotatedAt ? i.rotatedAt.toISOString() : null,
  };
}

export function accountJson(a: AccountView) {
  const b = a.balances;
  return {
    accountId: a.accountId,
    name: a.name,
    officialName: a.officialName,
    mask: a.mask,
    type: a.type,
    subtype: a.subtype,
    balances: { available: b.available, current: b.current, limit: b.limit, isoCurrencyCode: b.isoCurrencyCode },
  };
}

export function transactionJson(t: TransactionView) {
  return {
    transactionId: t.transactionId,
    accountId: t.accountId,
    amount: t.amount,
    isoCurrencyCode: t.isoCurrencyCode,
    date: t.date,
    name: t.name,
    merchantName: t.merchantName,
    pending: t.pending,
    pendingTransactionId: t.pendingTransactionId,
    category: t.category,
  };
}

export function deltaJson(d: TransactionsDelta) {
  return {
    added: d.added.map(transactionJson),
    modified: d.modified.map(transactionJson),
    removed: d.removed.map((r) => ({ transactionId: r.transactionId, accountId: r.accountId })),
    nextCursor: d.nextCursor,
  };
}

export function exchangeJson(r: ExchangeResult) {
  return {
    itemId: r.itemId,
    institutionName: r.institutionName,
    duplicates: r.duplicates.map((d) => ({ itemId: d.itemId, action: d.action })),
  };
}

/** What a user may read about their own audit trail (who, when, why); not the request id or hash chain. */
export function auditJson(e: AuditEvent) {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    itemId: e.itemId,
    purpose: e.purpose,
    outcome: e.outcome,
  };
}
