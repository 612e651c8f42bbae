import { InputInvalidError } from '../errors.js';
import type { AuditAnchor } from '../types/audit.js';

const TEXT = /^(\d{1,16}):([0-9a-f]{64})$/;
const INVALID = 'An audit anchor is SEQ:HASH (as printed by plaid-vault audit anchor) or its JSON {"seq":N,"hash":"..."}.';

/**
 * The anchor as one copyable line, `SEQ:HASH` (e.g. `1234:9f86d0...`): what
 * `plaid-vault audit anchor` prints and `audit verify --anchor` reads back.
 *
 * @example formatAnchor(await vault.audit.head()); // "1234:9f86d081884c7d65..."
 */
export function formatAnchor(anchor: Pick<AuditAnchor, 'seq' | 'hash'>): string {
  return `${anchor.seq}:${anchor.hash}`;
}

/**
 * Read an anchor written by `formatAnchor`, or the JSON of `audit anchor --json`
 * (only `seq` and `hash` are used). Surrounding white space is ignored;
 * anything else is ERR_INPUT_INVALID, without echoing the input.
 *
 * @example parseAnchor('1234:9f86d0...'); // { seq: 1234, hash: '9f86d0...' }
 */
export function parseAnchor(text: string): Pick<AuditAnchor, 'seq' | 'hash'> {
  const trimmed = text.trim();
  const match = TEXT.exec(trimmed);
  if (match) return checked(Number(match[1]), match[2]!);
  if (!trimmed.startsWith('{')) throw new InputInvalidError(INVALID);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new InputInvalidError(INVALID);
  }
  const { seq, hash } = (parsed ?? {}) as { seq?: unknown; hash?: unknown };
  if (typeof seq !== 'number' || typeof hash !== 'string') throw new InputInvalidError(INVALID);
  return checked(seq, hash);
}

function checked(seq: number, hash: string): Pick<AuditAnchor, 'seq' | 'hash'> {
  if (!Number.isSafeInteger(seq) || seq < 0 || !/^[0-9a-f]{64}$/.test(hash)) throw new InputInvalidError(INVALID);
  return { seq, hash };
}
