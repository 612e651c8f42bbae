import Link from 'next/link';
import { notFound } from 'next/navigation';
import { flushAfter } from 'plaid-vault/next';
import { AccountsTable } from '@/components/accounts-table';
import { HoldingsTable, InvestmentActivity } from '@/components/holdings-table';
import { LiabilitiesTable } from '@/components/liabilities-table';
import { ItemActions } from '@/components/item-actions';
import { ReconnectBank } from '@/components/reconnect-bank';
import { StatusBadge } from '@/components/status-badge';
import { TransactionsTable } from '@/components/transactions-table';
import { LOGIN_REQUIRED_CODES, messageFor } from '@/error-messages';
import { dateTime } from '@/format';
import { accountCard, attempt, itemCard, statusCode, type Outcome } from '@/server/bank-data';
import { requireUserId } from '@/server/current-user';
import { activityRows, holdingRows, liabilityRows, optionalRead, unavailableMessage } from '@/server/investment-data';
import { createTransactionsStore } from '@/server/transactions-store';
import { getServices } from '@/server/vault';

const PAGE_SIZE = 25;

export default async function ItemPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ page?: string }>;
}) {
  const userId = await requireUserId();
  const { id } = await params;
  const { page: pageParam } = await searchParams;
  const page = Math.max(1, Math.min(10_000, Number.parseInt(pageParam ?? '1', 10) || 1));
  const { vault, db, settings, errorCode } = await getServices();
  flushAfter(vault); // this page's token reads are audited; written after it is sent

  let summary;
  try {
    summary = await vault.items.get({ userId, itemId: id });
  } catch (err) {
    // Someone else's item looks exactly like a missing one.
    const code = errorCode(err);
    if (code === 'ERR_ITEM_NOT_FOUND' || code === 'ERR_INPUT_INVALID') notFound();
    throw err;
  }
  const item = itemCard(summary);
  // A `login_required` item is tried too: after the user signs in again through
  // update-mode Link, Plaid sends no LOGIN_REPAIRED webhook (that is only for repairs
  // made outside the app), and a successful call is what sets it back to active.
  // If the login is still broken, Plaid says so at once and the reconnect button shows.
  const usable = item.status === 'active' || item.status === 'pending_expiration' || item.status === 'login_required';
  const store = createTransactionsStore(db);

  // Pull what changed since the last visit (the vault advances the item's cursor), then page locally.
  const sync: Outcome<{ added: number; modified: number; removed: number }> = usable
    ? await attempt(async () => {
        const delta = await vault.data.transactions({ userId, itemId: id });
        await store.apply(userId, id, delta);
        return { added: delta.added.length, modified: delta.modified.length, removed: delta.removed.length };
      })
    : { ok: false, code: statusCode(item.status) };
  const stillLocked = !sync.ok && LOGIN_REQUIRED_CODES.has(sync.code);
  const accounts =
    usable && !stillLocked
      ? await attempt(async () => (await vault.data.accounts({ userId, itemId: id })).map(accountCard))
      : ({ ok: false, code: stillLocked ? sync.code : statusCode(item.status) } as const);
  // Investments and liabilities only where the vault is configured for them (PLAID_PRODUCTS):
  // otherwise the vault refuses before calling Plaid and the section is left out.
  const connected = usable && !stillLocked;
  const [investments, liabilities] = connected
    ? await Promise.all([
        optionalRead(async () => {
          const [holdings, activity] = await Promise.all([
            vault.data.holdings({ userId, itemId: id }),
            vault.data.investmentTransactions({ userId, itemId: id, count: 10 }),
          ]);
          return { holdings: holdingRows(holdings), activity: activityRows(activity) };
        }),
        optionalRead(async () => liabilityRows(await vault.data.liabilities({ userId, itemId: id }))),
      ])
    : [null, null];
  const { rows, total } = await store.page(userId, id, page, PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const failure = !sync.ok ? sync.code : !accounts.ok ? accounts.code : undefined;
  const repaired = item.status === 'login_required' && sync.ok && accounts.ok;
  const loginRequired = (item.status === 'login_required' && !repaired) || (failure !== undefined && LOGIN_REQUIRED_CODES.has(failure));
  const shownStatus = loginRequired ? 'login_required' : repaired ? 'active' : item.status;

  return (
    <>
      <p>
        <Link href="/dashboard">← All banks</Link>
      </p>
      <div className="bank-head">
        <h1>{item.institutionName}</h1>
        <StatusBadge status={shownStatus} />
      </div>
      <p className="muted">
        Connected {dateTime(item.createdAt)}
        {item.rotatedAt && <> · access token last rotated {dateTime(item.rotatedAt)}</>}
      </p>

      {failure && (
        <div className="alert" role="alert" id="item-error">
          <p>{messageFor(failure)}</p>
          {loginRequired && <ReconnectBank itemId={id} linkScriptUrl={settings.linkScriptUrl} sandbox={settings.sandboxTools} />}
        </div>
      )}

      <section className="card" aria-labelledby="accounts-heading">
        <h2 id="accounts-heading">Accounts</h2>
        {accounts.ok ? (
          <AccountsTable accounts={accounts.value} caption="Accounts and balances" />
        ) : (
          <p className="empty">Balances are unavailable until the connection works again.</p>
        )}
      </section>

      <section className="card" aria-labelledby="tx-heading">
        <h2 id="tx-heading">Transactions</h2>
        {sync.ok && (
          <p className="muted" role="status" id="sync-status">
            Synced just now: {sync.value.added} new, {sync.value.modified} updated, {sync.value.removed} removed.
          </p>
        )}
        <TransactionsTable rows={rows} />
        {total > PAGE_SIZE && (
          <nav className="pager" aria-label="Transaction pages">
            {page > 1 ? (
              <Link href={`?page=${page - 1}`} rel="prev">
                Previous
              </Link>
            ) : (
              <span />
            )}
            <span>
              Page {page} of {pages} ({total} transactions)
            </span>
            {page < pages ? (
              <Link href={`?page=${page + 1}`} rel="next">
                Next
              </Link>
            ) : (
              <span />
            )}
          </nav>
        )}
      </section>

      {investments && (
        <section className="card" aria-labelledby="investments-heading">
          <h2 id="investments-heading">Investments</h2>
          {investments.ok ? (
            <>
              <HoldingsTable rows={investments.value.holdings} />
              <h3>Recent activity</h3>
              <InvestmentActivity rows={investments.value.activity} />
            </>
          ) : (
            <p className="empty">{unavailableMessage(investments.code, 'investments')}</p>
          )}
        </section>
      )}

      {liabilities && (
        <section className="card" aria-labelledby="liabilities-heading">
          <h2 id="liabilities-heading">Credit cards and loans</h2>
          {liabilities.ok ? (
            <LiabilitiesTable rows={liabilities.value} />
          ) : (
            <p className="empty">{unavailableMessage(liabilities.code, 'credit cards and loans')}</p>
          )}
        </section>
      )}

      <section className="card" aria-labelledby="manage-heading">
        <h2 id="manage-heading">Manage this connection</h2>
        <ItemActions itemId={id} institutionName={item.institutionName} />
      </section>
    </>
  );
}
