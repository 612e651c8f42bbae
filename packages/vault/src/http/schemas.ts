import { z } from 'zod';

// Same rule as the core (items/validate.ts): opaque, printable, bounded.
export const idSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/);

export const linkTokenBody = z.strictObject({ itemId: idSchema.optional() });

// Plaid public tokens: public-<env>-<uuid>. Bounded so junk never reaches Plaid.
export const exchangeBody = z.strictObject({ publicToken: z.string().regex(/^public-[a-z]+-[0-9a-zA-Z-]{1,64}$/) });

export const sandboxLinkBody = z.strictObject({
  institutionId: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .optional(),
  username: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/)
    .optional(),
});

export const itemParams = z.object({ id: idSchema });

// Plaid cursors are base64, at most 256 characters; the emulator's may differ, so allow a little more.
export const transactionsQuery = z.object({
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{1,1024}$/)
    .optional(),
});

// Validated again by the vault (real calendar dates, start <= end); here only the shape.
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const investmentTransactionsQuery = z.object({
  startDate: isoDate.optional(),
  endDate: isoDate.optional(),
  count: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().min(1).optional(),
});
