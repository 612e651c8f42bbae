export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One doctor line: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  /** The action that turns a warn or fail into a pass; absent on a pass. */
  fix?: string;
}

export const pass = (id: string, message: string): CheckResult => ({ id, status: 'pass', message });
export const warn = (id: string, message: string, fix: string): CheckResult => ({ id, status: 'warn', message, fix });
export const fail = (id: string, message: string, fix: string): CheckResult => ({ id, status: 'fail', message, fix });
