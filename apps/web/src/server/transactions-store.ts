import 'server-only';
import type { TransactionView } from 'plaid-vault';
import type { AppDb } from './app-database.server';

export interface TransactionRow {
  transactionId: string;
  date: string;
  name: string;
  merchantName: string | null;
  amount: number;
  currency: string | null;
  pending: boolean;
  category: string | null;
}

/**
 * The app's copy of each item's transactions, fed by the vault's incremental
 * /transactions/sync deltas (the vault keeps the cursor on the item), so a page
 * view pulls only what changed since the last one.
 */
export function createTransactionsStore(db: AppDb) {
  return {
    /** Apply one sync delta: upsert added and modified, delete removed. Idempotent, so two concurrent syncs are harmless. */
    async apply(
      userId: string,
      itemId: string,
      delta: { added: TransactionView[]; modified: TransactionView[]; removed: { transactionId: string }[] },
    ) {
      const rows = [...delta.added, ...delta.modified].map((t) => ({
        item_id: itemId,
        transaction_id: t.transactionId,
        user_id: userId,
        account_id: t.accountId,
        date: t.date,
        name: t.name.slice(0, 512),
        merchant_name: t.merchantName,
        amount: t.amount,
        iso_currency_code: t.isoCurrencyCode,
        pending: t.pending ? 1 : 0,
        category: t.category,
      }));
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 200) {
          await trx
            .insertInto('web_transactions')
            .values(rows.slice(i, i + 200))
            .onConflict((oc) =>
              oc.columns(['item_id', 'transaction_id']).doUpdateSet((eb) => ({
                account_id: eb.ref('excluded.account_id'),
                date: eb.ref('excluded.date'),
                name: eb.ref('excluded.name'),
                merchant_name: eb.ref('excluded.merchant_name'),
                amount: eb.ref('excluded.amount'),
                iso_currency_code: eb.ref('excluded.iso_currency_code'),
                pending: eb.ref('excluded.pending'),
                category: eb.ref('excluded.category'),
              })),
            )
            .execute();
        }
        const removed = delta.removed.map((r) => r.transactionId);
        for (let i = 0; i < removed.length; i += 200) {
          await trx
            .deleteFrom('web_transactions')
            .where('item_id', '=', itemId)
            .where('transaction_id', 'in', removed.slice(i, i + 200))
            .execute();
        }
      });
    },

    /** One page, newest first. `page` is 1-based. */
    async page(userId: string, itemId: string, page: number, pageSize: number): Promise<{ rows: TransactionRow[]; total: number }> {
      const base = db.selectFrom('web_transactions').where('item_id', '=', itemId).where('user_id', '=', userId);
      const [rows, count] = await Promise.all([
        base
          .select(['transaction_id', 'date', 'name', 'merchant_name', 'amount', 'iso_currency_code', 'pending', 'category'])
          .orderBy('date', 'desc')
          .orderBy('transaction_id', 'asc')
          .limit(pageSize)
          .offset((page - 1) * pageSize)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        total: Number(count.n),
        rows: rows.map((r) => ({
          transactionId: r.transaction_id,
          date: r.date,
          name: r.name,
          merchantName: r.merchant_name,
          amount: Number(r.amount),
          currency: r.iso_currency_code,
          pending: Boolean(r.pending),
          category: r.category,
        })),
      };
    },

    /** Forget an item's transactions (the item was removed). */
    async forget(itemId: string) {
      await db.deleteFrom('web_transactions').where('item_id', '=', itemId).execute();
    },
  };
}
