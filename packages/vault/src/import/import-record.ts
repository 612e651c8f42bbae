import { Secret } from '../crypto/secret.js';
import { isVaultError } from '../errors.js';
import { assertAccessToken, assertRef } from '../items/validate.js';
import type { ImportInput, ImportRecord, RejectedLine } from '../types/admin.js';

export type { ImportInput, ImportRecord, RejectedLine };

/**
 * Validate one source record's fields. Reasons come from the edge validators,
 * which name the field and never echo the value: a token pasted in the wrong
 * column must not end up in a terminal or a CI log.
 */
export function toImportInput(line: number, fields: { userId: unknown; itemId: unknown; accessToken: unknown }): ImportInput {
  try {
    assertRef(fields);
    assertAccessToken(fields.accessToken);
  } catch (err) {
    return { ok: false, line, reason: isVaultError(err) ? err.message : 'invalid record' };
  }
  return {
    ok: true,
    record: {
      line,
      userId: fields.userId as string,
      itemId: fields.itemId as string,
      accessToken: new Secret(fields.accessToken as string),
    },
  };
}
