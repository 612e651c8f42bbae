export { createVaultMetrics, type VaultMetrics } from './vault-metrics.js';
export { instrumentPlaidGateway, instrumentRotations } from './instrument.js';
export { noopMetrics, type RotationOutcome, type VaultMetricsRecorder } from './types.js';
