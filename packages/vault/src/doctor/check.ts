import type { CheckResult } from '../types/admin.js';

export type { CheckResult, CheckStatus } from '../types/admin.js';

export const pass = (id: string, message: string): CheckResult => ({ id, status: 'pass', message });
export const warn = (id: string, message: string, fix: string): CheckResult => ({ id, status: 'warn', message, fix });
export const fail = (id: string, message: string, fix: string): CheckResult => ({ id, status: 'fail', message, fix });
