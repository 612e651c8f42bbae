import { readFile } from 'node:fs/promises';
import { formatAnchor, parseAnchor } from '../../audit/anchor-text.js';
import { InputInvalidError } from '../../errors.js';
import { assertId } from '../../items/validate.js';
import type { AuditEvent, AuditQuery, AuditVerifyReason, AuditVerifyResult } from '../../types/audit.js';
import type { Command, CommandContext } from '../command.js';
import { parseCount, parseSince } from '../duration.js';
import { EXIT } from '../exit-codes.js';

const SUBCOMMANDS = ['list', 'verify', 'anchor', 'quarantine'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** What each failed verification means, for the human line. */
const REASONS: Record<AuditVerifyReason, string> = {
  gap: 'a row is missing (deleted, or the tail was cut below the head)',
  prev_mismatch: 'a row does not link to the one before it',
  hash_mismatch: 'a row (or the head) does not match its hash: edited',
  beyond_head: 'a row beyond the head: inserted, the vault never wrote it',
  before_genesis: 'a row before the first: inserted, the vault never wrote it',
  anchor_missing: 'the chain ends before the anchor: its tail was cut and the head rewritten',
  anchor_mismatch: "another row at the anchor's seq: the chain was rewritten",
};

export const auditCommand: Command = {
  name: 'audit',
  summary: 'list audit events; verify the hash chain (against an anchor); export an anchor',
  help: `Usage: plaid-vault audit [list] [--user ID] [--item ID] [--since T] [--limit N]
       plaid-vault audit verify [--anchor SEQ:HASH | --anchor @FILE]
       plaid-vault audit anchor
       plaid-vault audit quarantine

list (the default) shows audit events newest first: sequence, time, actor,
action, user, item, purpose, outcome. Events never hold a token.

verify (also: audit --verify) walks the whole hash chain and reports the first
problem: an edited, deleted or inserted row, or a row beyond the head. Exit
code 1 when the chain is broken.

anchor prints the chain's head as one line, SEQ:HASH. Keep it outside the
database (a ticket, another system's log, a signed commit): verify --anchor
then proves the chain still holds that exact row and extends it. Only an
anchor can show a cut tail whose head was rewritten to match; run anchor
regularly (e.g. daily from cron) and keep each line.

quarantine moves rows outside the chain (that verify reports as beyond_head or
before_genesis, and that block every audit append) into the audit_quarantine
table, and prints them. Nothing is deleted; appends resume.

Options:
  --user ID        only events about this user (list)
  --item ID        only events about this item (list)
  --since T        only events at or after T: an ISO date-time, or a duration back from now (7d, 12h)
  --limit N        at most N events (default 100, max 1000)
  --anchor A       verify against an anchor: SEQ:HASH, its JSON, or @FILE holding either
  --verify         the same as the verify subcommand`,
  options: {
    user: { type: 'string' },
    item: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    verify: { type: 'boolean' },
    anchor: { type: 'string' },
  },
  positionals: { min: 0, max: 1 },
  async run(ctx) {
    const sub = subcommandOf(ctx);
    if (sub === 'verify') return verify(ctx);
    if (ctx.values.anchor !== undefined) throw new InputInvalidError('--anchor goes with audit verify.');
    if (sub === 'anchor') return anchor(ctx);
    if (sub === 'quarantine') return quarantine(ctx);
    return list(ctx);
  },
};

function subcommandOf({ positionals, values }: CommandContext): Subcommand {
  const named = positionals[0];
  if (named !== undefined && !SUBCOMMANDS.includes(named as Subcommand)) {
    throw new InputInvalidError(`The audit subcommands are ${SUBCOMMANDS.join(', ')}.`);
  }
  if (values.verify && named !== undefined && named !== 'verify') throw new InputInvalidError('--verify is the verify subcommand.');
  return values.verify ? 'verify' : ((named as Subcommand | undefined) ?? 'list');
}

async function verify({ values, out, runtime }: CommandContext): Promise<number> {
  const given = values.anchor as string | undefined;
  const anchor = given === undefined ? undefined : parseAnchor(await anchorText(given));
  const vault = await runtime.vault();
  const result = await vault.audit.verify(anchor ? { anchor } : {});
  out.result(anchor ? { ...result, anchor } : result, () => describeVerify(result, anchor?.seq));
  return result.ok ? EXIT.ok : EXIT.failure;
}

function describeVerify(result: AuditVerifyResult, anchorSeq: number | undefined): string {
  if (!result.ok) {
    return `audit chain BROKEN at seq ${result.firstBrokenSeq} (${result.reason}: ${REASONS[result.reason]}); ${result.checked} event(s) checked before it`;
  }
  const anchored = anchorSeq === undefined ? '' : `; it holds the anchor at seq ${anchorSeq}`;
  return `audit chain intact: ${result.checked} event(s) checked${anchored}`;
}

async function anchorText(value: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  try {
    // An anchor is one short line; a larger file is not one.
    const text = await readFile(value.slice(1), 'utf8');
    if (text.length > 4096) throw new Error('too large');
    return text;
  } catch {
    throw new InputInvalidError('--anchor @FILE: the file cannot be read as an anchor.');
  }
}

async function anchor({ out, runtime }: CommandContext): Promise<number> {
  const vault = await runtime.vault();
  const head = await vault.audit.head();
  const line = formatAnchor(head);
  out.result({ seq: head.seq, hash: head.hash, at: head.at?.toISOString() ?? null, anchor: line }, () => line);
  if (!out.json) {
    out.note(`audit head at seq ${head.seq}${head.at ? ` (${head.at.toISOString()})` : ''}: keep this line outside the database.`);
  }
  return EXIT.ok;
}

async function quarantine({ out, runtime }: CommandContext): Promise<number> {
  const moved = await (await runtime.store()).quarantineAudit();
  out.result({ quarantined: moved }, () =>
    moved.length === 0
      ? 'no audit rows outside the chain: nothing to quarantine'
      : [
          ...moved.map((e) => `${describeEvent(e)}  hash=${e.hash}`),
          `${moved.length} row(s) moved to audit_quarantine; audit appends resume`,
        ],
  );
  return EXIT.ok;
}

async function list({ values, out, runtime }: CommandContext): Promise<number> {
  const query: AuditQuery = { limit: parseCount(values.limit as string | undefined, 'limit', 100, 1000) };
  if (values.user !== undefined) {
    assertId(values.user, '--user');
    query.userId = values.user;
  }
  if (values.item !== undefined) {
    assertId(values.item, '--item');
    query.itemId = values.item;
  }
  if (values.since !== undefined) query.since = parseSince(values.since as string, new Date());
  const vault = await runtime.vault();
  const events = await vault.audit.list(query);
  out.result({ events }, () => [...events.map(describeEvent), `${events.length} event(s)`]);
  return EXIT.ok;
}

function describeEvent(e: AuditEvent): string {
  return `${e.seq}  ${e.at.toISOString()}  ${e.action}  ${e.outcome}  actor=${e.actor}${e.userId ? `  user=${e.userId}` : ''}${e.itemId ? `  item=${e.itemId}` : ''}${e.purpose ? `  purpose=${e.purpose}` : ''}`;
}
