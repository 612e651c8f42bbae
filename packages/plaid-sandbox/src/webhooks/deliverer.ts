import type { WebhookSigner } from './signer.js';

/** The outcome of one webhook POST. */
export interface WebhookDelivery {
  url: string;
  /** The exact bytes sent (2-space-indented JSON, as Plaid sends). */
  body: string;
  /** HTTP status of the receiver's answer, or null if it could not be reached. */
  status: number | null;
  error: string | null;
}

const DELIVERY_TIMEOUT_MS = 10_000;
// A long-running CLI must not grow without bound; tests look at recent deliveries.
const LOG_LIMIT = 1000;

/**
 * POSTs signed webhooks. Deliveries are fire-and-forget for the route that caused
 * them (Plaid answers the API call first), but tracked so `close()` can wait for them.
 * No retries: tests want one delivery per event.
 */
export class WebhookDeliverer {
  readonly #signer: WebhookSigner;
  readonly #override: string | undefined;
  readonly #pending = new Set<Promise<WebhookDelivery>>();
  readonly #log: WebhookDelivery[] = [];

  constructor(signer: WebhookSigner, webhookBaseOverride?: string) {
    this.#signer = signer;
    this.#override = webhookBaseOverride;
  }

  /** Sends `payload` to `url`; resolves with the delivery record (never rejects). */
  send(url: string, payload: object): Promise<WebhookDelivery> {
    const body = JSON.stringify(payload, null, 2);
    const target = this.#target(url);
    const delivery = this.#post(target, body);
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
    return delivery;
  }

  /** Deliveries so far (the last 1000), oldest first. */
  deliveries(): WebhookDelivery[] {
    return [...this.#log];
  }

  /** Waits for deliveries in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  // The override swaps the origin (and may add a path prefix) so an Item registered
  // with a public URL can deliver to a local receiver.
  #target(url: string): string {
    if (!this.#override) return url;
    const parsed = new URL(url);
    return this.#override.replace(/\/+$/, '') + parsed.pathname + parsed.search;
  }

  async #post(url: string, body: string): Promise<WebhookDelivery> {
    const record: WebhookDelivery = { url, body, status: null, error: null };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-verification': this.#signer.sign(body) },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      record.status = res.status;
    } catch (err) {
      record.error = err instanceof Error ? err.message : 'delivery failed';
    }
    this.#log.push(record);
    if (this.#log.length > LOG_LIMIT) this.#log.shift();
    return record;
  }
}
