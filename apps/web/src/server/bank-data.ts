import 'server-only';
import type { AccountView, ItemSummary } from 'plaid-vault';
import { flushAfter } from 'plaid-vault/next';
import { getServices } from './vault';

/** A read that may fail with a vault error code (shown to the user as a message). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

/** Errors the page can explain get their code; anything else is rethrown to the error boundary. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const code = (await getServices()).errorCode(err);
    if (code) return { ok: false, code };
    throw err;
  }
}

/** Only what the pages render: never spread a vault object into props. */
export interface AccountCard {
  accountId: string;
  name: string;
  mask: string | null;
  subtype: string | null;
  current: number | null;
  available: number | null;
  currency: string | null;
}

export function accountCard(a: AccountView): AccountCard {
  return {
    accountId: a.accountId,
    name: a.name,
    mask: a.mask,
    subtype: a.subtype ?? a.type,
    current: a.balances.current,
    available: a.balances.available,
    currency: a.balances.isoCurrencyCode,
  };
}

export interface ItemCard {
  itemId: string;
  institutionName: string;
  status: ItemSummary['status'];
  createdAt: string;
  rotatedAt: string | null;
}

export function itemCard(i: ItemSummary): ItemCard {
  return {
    itemId: i.itemId,
    institutionName: i.institutionName ?? i.institutionId ?? 'Bank',
    status: i.status,
    createdAt: i.createdAt.toISOString(),
    rotatedAt: i.rotatedAt ? i.rotatedAt.toISOString() : null,
  };
}

/** The dashboard: each item with its accounts (an item whose bank fails shows its error, the rest still load). */
export async function loadDashboard(userId: string): Promise<{ item: ItemCard; accounts: Outcome<AccountCard[]> }[]> {
  const { vault } = await getServices();
  flushAfter(vault); // the token reads below are audited; written after the page is sent
  const items = await vault.items.list(userId);
  return Promise.all(
    items.map(async (item) => ({
      item: itemCard(item),
      accounts:
        item.status === 'active' || item.status === 'pending_expiration'
          ? await attempt(async () => (await vault.data.accounts({ userId, itemId: item.itemId })).map(accountCard))
          : ({ ok: false, code: statusCode(item.status) } as const),
    })),
  );
}

/** An item that is not active explains itself without a Plaid call, with the code a call would give. */
export function statusCode(status: ItemSummary['status']): string {
  if (status === 'login_required') return 'ERR_PLAID_ITEM_LOGIN_REQUIRED';
  return 'ERR_ITEM_RELINK_REQUIRED';
}
