import { performance } from 'node:perf_hooks';
import { isVaultError } from '../errors.js';
import type { Vault } from '../types/vault.js';
import type { VaultMetricsRecorder } from './types.js';

type AsyncMethods = Record<string, unknown>;

/**
 * Time every Plaid call of a gateway (src/plaid/gateway.ts) and count
 * failures by vault error code. Methods that return a promise are timed
 * until it settles, labelled with the method name; synchronous ones (such as
 * `health()`) pass through untouched. A wrapper rather than a hook, so the
 * gateway stays unaware of metrics.
 *
 * @example const plaid = instrumentPlaidGateway(createPlaidGateway({ api }), metrics);
 */
export function instrumentPlaidGateway<G extends object>(gateway: G, recorder: VaultMetricsRecorder): G {
  const wrapped: AsyncMethods = {};
  for (const key of methodNames(gateway)) {
    const fn = (gateway as AsyncMethods)[key] as (...args: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]) => {
      const started = performance.now();
      const result = fn.apply(gateway, args);
      if (!(result instanceof Promise)) return result;
      const seconds = () => (performance.now() - started) / 1000;
      return result.then(
        (value) => {
          recorder.plaidRequest(key, seconds(), null);
          return value;
        },
        (err: unknown) => {
          recorder.plaidRequest(key, seconds(), isVaultError(err) ? err.code : 'ERR_INTERNAL');
          throw err;
        },
      );
    };
  }
  return Object.assign(Object.create(Object.getPrototypeOf(gateway) as object) as G, gateway, wrapped);
}

function methodNames(obj: object): string[] {
  return Object.keys(obj).filter((k) => typeof (obj as AsyncMethods)[k] === 'function');
}

/**
 * A vault whose `items.rotate` and `items.rotateDue` record their outcomes.
 * Everything else is the same object.
 *
 * @example const vault = instrumentRotations(await createVault(opts), metrics);
 */
export function instrumentRotations(vault: Vault, recorder: VaultMetricsRecorder): Vault {
  const items: Vault['items'] = {
    ...vault.items,
    async rotate(ref) {
      try {
        const result = await vault.items.rotate(ref);
        recorder.rotation(result.outcome);
        return result;
      } catch (err) {
        recorder.rotation('failed');
        throw err;
      }
    },
    async rotateDue(opts) {
      const report = await vault.items.rotateDue(opts);
      if (report.rotated) recorder.rotation('rotated', report.rotated);
      if (report.relinkRequired) recorder.rotation('relink_required', report.relinkRequired);
      if (report.failed.length) recorder.rotation('failed', report.failed.length);
      return report;
    },
  };
  return { ...vault, items };
}
