import type { IncomingMessage } from 'node:http';
import { apiErrors } from './plaid-error.js';
import type { Body } from './fields.js';

const MAX_BODY_BYTES = 1 << 20;

/** Reads the whole request body as bytes; oversize bodies are INVALID_BODY. */
export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw apiErrors.invalidBody();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a Plaid request body: JSON content type (when one is given) and a JSON object.
 * Anything else is INVALID_BODY, as Plaid answers.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): Body {
  if (contentType !== undefined && !/^application\/json\b/i.test(contentType)) throw apiErrors.invalidBody();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw apiErrors.invalidBody();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw apiErrors.invalidBody();
  return parsed as Body;
}
