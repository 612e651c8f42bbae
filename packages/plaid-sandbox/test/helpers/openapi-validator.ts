import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { webhookSchemaName } from './webhook-schemas.js';

// The spec lives beside the clone (../shared from the repo root), never inside it; PLAID_OPENAPI_SPEC points elsewhere.
export const SPEC_PATH =
  process.env.PLAID_OPENAPI_SPEC ?? fileURLToPath(new URL('../../../../../shared/plaid-openapi/2020-09-14.yml', import.meta.url));

/**
 * Whether responses are checked against the spec. A clone without the spec beside it
 * still runs every emulator test, unchecked, and says so once; REQUIRE_SERVICES=1 (CI)
 * makes a missing spec a failure, as it does a missing database.
 */
export const validateResponses = existsSync(SPEC_PATH) || process.env.REQUIRE_SERVICES === '1';
if (!validateResponses)
  console.warn(`[skipped] OpenAPI validation: no spec at ${SPEC_PATH} (set PLAID_OPENAPI_SPEC, or REQUIRE_SERVICES=1 to fail instead)`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/**
 * OpenAPI 3.0 marks nulls with `nullable: true`; JSON Schema wants `null` in the type.
 * Typed schemas get a type union (and `null` in their enum); untyped ones ($ref, allOf)
 * are wrapped in `anyOf [schema, null]`, since a sibling `type` would not apply to the ref.
 */
function convert(node: Json): Json {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k === 'discriminator' || k.startsWith('x-')) continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as JsonObject).map(([p, s]) => [p, convert(s)])) : convert(v);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function loadSpec(): JsonObject {
  const stat = statSync(SPEC_PATH);
  const cache = join(tmpdir(), `plaid-openapi-${stat.size}-${Math.floor(stat.mtimeMs)}.converted.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as JsonObject;
  const doc = parse(readFileSync(SPEC_PATH, 'utf8')) as JsonObject;
  const spec = { paths: doc.paths as Json, components: { schemas: convert((doc.components as JsonObject).schemas!) } };
  // Test files load this in parallel: write whole-or-nothing so no reader sees half a file.
  const tmp = `${cache}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(spec));
  renameSync(tmp, cache);
  return spec;
}

/** Validates Plaid response bodies against the published OpenAPI spec. */
export interface SpecValidator {
  /** Throws if `body` is not what the spec allows for `path` answering `status` (errors: PlaidError). */
  assertResponse(path: string, status: number, body: unknown): void;
  /** Whether the spec describes a POST `path` with a 200 JSON schema. */
  hasPath(path: string): boolean;
  /** Throws if `body` is not a valid instance of `components.schemas[name]`, or if the spec has no such schema. */
  assertSchema(name: string, body: unknown): void;
  /** Validates a webhook body against the schema named for its type and code (see `webhook-schemas.ts`); returns that name. */
  assertWebhook(body: unknown): string;
  /** How many bodies were validated so far (a test can check validation really ran). */
  readonly validated: number;
}

let shared: SpecValidator | undefined;

/** The validator, built once per test file (parsing the 3 MB spec is the slow part; it is cached in tmpdir). */
export function specValidator(): SpecValidator {
  if (shared) return shared;
  const spec = loadSpec();
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'plaid', components: spec.components }, 'plaid');
  const compiled = new Map<string, ValidateFunction>();
  const byRef = (ref: string) => {
    let fn = compiled.get(ref);
    if (!fn) compiled.set(ref, (fn = ajv.compile({ $ref: `plaid${ref}` })));
    return fn;
  };
  const paths = spec.paths as Record<
    string,
    { post: { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> } }
  >;
  const schemas = (spec.components as { schemas: Record<string, unknown> }).schemas;
  let validated = 0;
  const check = (ref: string, label: string, body: unknown) => {
    const fn = byRef(ref);
    validated++;
    if (!fn(body)) throw new Error(`${label} does not match ${ref}: ${ajv.errorsText(fn.errors, { separator: '\n' })}`);
  };
  shared = {
    assertResponse(path, status, body) {
      if (status !== 200) return check('#/components/schemas/PlaidError', `${status} body of ${path}`, body);
      const ref = paths[path]?.post.responses['200']?.content['application/json']?.schema.$ref;
      if (!ref) throw new Error(`no 200 schema in the spec for ${path}`);
      check(ref, `200 body of ${path}`, body);
    },
    hasPath: (path) => paths[path]?.post.responses['200']?.content['application/json']?.schema.$ref !== undefined,
    assertSchema(name, body) {
      if (!Object.hasOwn(schemas, name)) throw new Error(`the spec has no component schema ${name}`);
      check(`#/components/schemas/${name}`, name, body);
    },
    assertWebhook(body) {
      const name = webhookSchemaName(body as Record<string, unknown>);
      this.assertSchema(name, body);
      return name;
    },
    get validated() {
      return validated;
    },
  };
  return shared;
}
