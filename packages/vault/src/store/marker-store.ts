import type { Kysely } from 'kysely';
import type { Database } from './db-schema.js';
import { toMillis } from './time.js';

/**
 * Insert a marker, or take over an expired one, in one statement: the primary
 * key makes concurrent callers (in any process) agree on exactly one winner.
 */
export async function putMarker(db: Kysely<Database>, key: string, value: string, expiresAt: Date | null, now: Date): Promise<boolean> {
  const nowMs = toMillis(now);
  const r = await db
    .insertInto('markers')
    .values({ key, value, expires_at: expiresAt ? toMillis(expiresAt) : null })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), expires_at: eb.ref('excluded.expires_at') }))
        .where((eb) => eb.and([eb('markers.expires_at', 'is not', null), eb('markers.expires_at', '<=', nowMs)])),
    )
    .executeTakeFirst();
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** The marker's value, unless it is missing or expired. */
export async function getMarker(db: Kysely<Database>, key: string, now: Date): Promise<string | undefined> {
  const nowMs = toMillis(now);
  const r = await db
    .selectFrom('markers')
    .select('value')
    .where('key', '=', key)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
    .executeTakeFirst();
  return r?.value;
}

export async function deleteMarker(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('markers').where('key', '=', key).execute();
}
