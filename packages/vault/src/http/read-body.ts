import type { z } from 'zod';
import { InputInvalidError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

const JSON_MEDIA = /^application\/json\s*(;|$)/i;

/**
 * The request body as bytes, refusing more than `maxBytes` without buffering
 * it: a declared Content-Length is checked first, then the stream is counted
 * as it arrives (chunked bodies declare nothing).
 */
export async function readRawBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new PayloadTooLargeError();
  if (req.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A JSON body checked against `schema`. An empty body is read as `{}` so that
 * POSTs whose fields are all optional need not send one (clients differ on
 * whether a bodyless POST declares `content-length: 0`); a non-empty body must
 * be `application/json`. Validation messages name fields, never values.
 */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S, maxBytes: number): Promise<z.output<S>> {
  const bytes = await readRawBody(req, maxBytes);
  let value: unknown = {};
  if (bytes.byteLength > 0) {
    if (!JSON_MEDIA.test(req.headers.get('content-type') ?? '')) throw new UnsupportedMediaTypeError();
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new InputInvalidError('The request body is not valid JSON.');
    }
  }
  return parseInput(schema, value, 'body');
}

/** `value` checked against `schema`; a failure is ERR_INPUT_INVALID naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : where;
  throw new InputInvalidError(`Invalid ${where}: ${field}.`, { details: { field } });
}
