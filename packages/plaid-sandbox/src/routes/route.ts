import type { Body } from '../http/fields.js';
import type { SandboxStore } from '../state/sandbox-store.js';
import type { WebhookDeliverer } from '../webhooks/deliverer.js';
import type { WebhookSigner } from '../webhooks/signer.js';

/** What every route handler gets. */
export interface SandboxContext {
  store: SandboxStore;
  now: () => Date;
  webhooks: WebhookDeliverer;
  signer: WebhookSigner;
}

/** One Plaid endpoint: its top-level fields and a handler returning the body (without `request_id`). */
export interface Route {
  path: string;
  /** Top-level fields besides client_id/secret; anything else is UNKNOWN_FIELDS. */
  allowed: readonly string[];
  required: readonly string[];
  handle(body: Body, ctx: SandboxContext): object;
}

/** Declares a route (a typed identity, so route files read as tables). */
export const route = (r: Route): Route => r;
