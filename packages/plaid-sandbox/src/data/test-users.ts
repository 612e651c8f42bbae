/** The sandbox usernames with a data set of their own; any other username gets `user_good`'s. */
export const DATA_USERS: ReadonlySet<string> = new Set(['user_good', 'user_transactions_dynamic']);

/** The data set an Item made with `username` gets (`/sandbox/public_token/create`'s `override_username`, or Link's). */
export function dataUser(username: string): string {
  return DATA_USERS.has(username) ? username : 'user_good';
}
