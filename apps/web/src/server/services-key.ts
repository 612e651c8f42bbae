/** Where the app's services live on globalThis (shared by vault.ts and the shutdown hook). */
export const SERVICES_KEY = Symbol.for('plaid-vault.web.services');

export interface Closable {
  close(): Promise<void>;
}
