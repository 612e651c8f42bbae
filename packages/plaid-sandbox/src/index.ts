export { DEFAULT_CREDENTIALS, startSandbox } from './start-sandbox.js';
export type { Sandbox, SandboxItemInfo, SandboxOptions, SandboxState } from './types.js';
export type { FaultConfig, Faults, FaultStatus } from './faults/faults.js';
export type { WebhookDelivery } from './webhooks/deliverer.js';
export type { SignWebhookOptions, WebhookVerificationKey } from './webhooks/signer.js';
export type { PlaidErrorBody, PlaidErrorType } from './http/plaid-error.js';
