/**
 * The spec's component schema for each webhook the sandbox sends, by `webhook_type` and
 * `webhook_code`. A webhook the emulator can send but that is missing here fails the
 * test that received it, so the table has to grow with the emulator.
 */
export const WEBHOOK_SCHEMAS: Readonly<Record<string, string>> = {
  'ITEM ERROR': 'ItemErrorWebhook',
  'ITEM LOGIN_REPAIRED': 'ItemLoginRepairedWebhook',
  'ITEM NEW_ACCOUNTS_AVAILABLE': 'NewAccountsAvailableWebhook',
  'ITEM PENDING_DISCONNECT': 'PendingDisconnectWebhook',
  'ITEM USER_ACCOUNT_REVOKED': 'UserAccountRevokedWebhook',
  'ITEM USER_PERMISSION_REVOKED': 'UserPermissionRevokedWebhook',
  'ITEM WEBHOOK_UPDATE_ACKNOWLEDGED': 'WebhookUpdateAcknowledgedWebhook',
  'AUTH DEFAULT_UPDATE': 'AuthDefaultUpdateWebhook',
  'AUTH SMS_MICRODEPOSITS_VERIFICATION': 'HostedMMDVerificationWebhook',
  'HOLDINGS DEFAULT_UPDATE': 'HoldingsDefaultUpdateWebhook',
  'INVESTMENTS_TRANSACTIONS DEFAULT_UPDATE': 'InvestmentsDefaultUpdateWebhook',
  'LIABILITIES DEFAULT_UPDATE': 'LiabilitiesDefaultUpdateWebhook',
  'TRANSACTIONS DEFAULT_UPDATE': 'DefaultUpdateWebhook',
  'TRANSACTIONS INITIAL_UPDATE': 'InitialUpdateWebhook',
  'TRANSACTIONS HISTORICAL_UPDATE': 'HistoricalUpdateWebhook',
  'TRANSACTIONS SYNC_UPDATES_AVAILABLE': 'SyncUpdatesAvailableWebhook',
  'TRANSACTIONS RECURRING_TRANSACTIONS_UPDATE': 'RecurringTransactionsUpdateWebhook',
};

/** The schema name for a webhook body; throws for a webhook the table does not know. */
export function webhookSchemaName(body: { webhook_type?: unknown; webhook_code?: unknown }): string {
  const name = WEBHOOK_SCHEMAS[`${String(body.webhook_type)} ${String(body.webhook_code)}`];
  if (!name) throw new Error(`no spec schema known for webhook ${String(body.webhook_type)} ${String(body.webhook_code)}`);
  return name;
}
