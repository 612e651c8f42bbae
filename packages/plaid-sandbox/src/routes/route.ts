import type { Body } from '../http/fields.js';
import type { SandboxStore } from '../state/sandbox-store.js';
import type { TransactionsPulls } from '../state/transactions-pull.js';
import type { WebhookDeliverer } from '../webhooks/deliverer.js';
import type { WebhookSigner } from '../webhooks/signer.js';

/** What every route handler gets. */
export interface SandboxContext {
  store: SandboxStore;
  now: () => Date;
  webhooks: WebhookDeliverer;
  signer: WebhookSigner;
  /** Initializes Transactions and completes first pulls (on time when timing is on). */
  pulls: TransactionsPulls;
}

/** One Plaid endpoint: its top-level fields and a handler returning the body (without `request_id`). */
export interface Route {
  path: string;
  /** Top-level fields besides client_id/secret; anything else is UNKNOWN_FIELDS. */
  allowed: readonly string[];
  required: readonly string[];
  /** Served without client_id/secret (Plaid's `/categories/get` needs none). */
  public?: boolean;
  handle(body: Body, ctx: SandboxContext): object;
}

/** Declares a route (a typed identity, so route files read as tables). */
export const route = (r: Route): Route => r;
