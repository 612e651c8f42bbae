/** What `vault.webhooks.handle` answers for a verified webhook. */
export interface WebhookResult {
  accepted: boolean;
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  /** What the vault did about it (e.g. 'status:login_required', 'marked_for_sync', 'ignored'). */
  action: string;
}
