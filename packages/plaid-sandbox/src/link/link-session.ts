import { randomUUID } from 'node:crypto';
import { accountsFor, type AccountRecord } from '../data/accounts.js';
import { newItemId } from '../data/ids.js';
import { findInstitution, INSTITUTIONS, type InstitutionFixture } from '../data/institutions.js';
import { checkFields, stringField, type Body } from '../http/fields.js';
import { liveLinkToken } from '../routes/link-token-routes.js';
import type { SandboxContext } from '../routes/route.js';
import { itemSpecForLink, type LinkSessionRecord, type LinkTokenRecord } from '../state/link-token.js';
import type { ItemRecord } from '../state/sandbox-store.js';
import { linkErrors } from './link-errors.js';
import { checkSandboxCredentials, SANDBOX_CREDENTIALS } from './sandbox-credentials.js';

/** Open Link sessions kept at most (oldest dropped first); a session lives as long as its link token. */
const MAX_SESSIONS = 10_000;

interface OpenSession {
  linkToken: string;
  expiresAt: number;
}

/** The two calls the emulated Link UI makes; both answer a body (without `request_id`) or throw a SandboxApiError. */
export interface LinkSessions {
  /** `{ link_token }` -> a new `link_session_id`, the mode, and what the UI shows. */
  start(body: Body): object;
  /** `{ link_token, link_session_id, institution_id, username, password }` -> `public_token` and onSuccess metadata. */
  submit(body: Body): object;
}

const SUBMIT_FIELDS = ['link_token', 'link_session_id', 'institution_id', 'username', 'password'];

/**
 * Link sessions over the sandbox's state. A link token can open any number of
 * sessions (Plaid's sandbox does not make link tokens single-use); a session
 * ends with its first successful sign-in, so one session never makes two public
 * tokens. The public token is made exactly as `/sandbox/public_token/create`
 * makes one (`itemSpecForLink`: the link token's product lists and webhook); in
 * update mode the sign-in repairs the Item's login instead and no Item is
 * created. Each session is recorded on its link token for `/link/token/get`.
 *
 * @example
 * const sessions = createLinkSessions(ctx);
 * const { link_session_id } = sessions.start({ link_token }) as { link_session_id: string };
 */
export function createLinkSessions(ctx: SandboxContext): LinkSessions {
  const sessions = new Map<string, OpenSession>();

  const liveRecord = (linkToken: string): LinkTokenRecord => liveLinkToken(ctx.store, linkToken, ctx.now());
  const recorded = (record: LinkTokenRecord, id: string): LinkSessionRecord | undefined =>
    record.sessions.find((s) => s.link_session_id === id);
  const updateItem = (record: LinkTokenRecord): ItemRecord | undefined => {
    if (record.itemId === null) return undefined;
    const item = ctx.store.item(record.itemId);
    if (!item || item.removed) throw linkErrors.itemNotFound();
    return item;
  };
  const open = (record: LinkTokenRecord): string => {
    const now = ctx.now();
    for (const [id, s] of sessions) if (s.expiresAt <= now.getTime() || sessions.size >= MAX_SESSIONS) sessions.delete(id);
    const id = randomUUID();
    sessions.set(id, { linkToken: record.linkToken, expiresAt: Date.parse(record.expiresAt) });
    record.sessions.push({ link_session_id: id, started_at: now.toISOString(), finished_at: null });
    ctx.store.touch();
    return id;
  };

  return {
    start(body) {
      checkFields(body, ['link_token'], ['link_token']);
      const linkToken = stringField(body, 'link_token');
      const record = liveRecord(linkToken);
      const item = updateItem(record);
      return {
        link_session_id: open(record),
        client_name: record.clientName,
        update_mode: item !== undefined,
        institution: item ? institutionRef(findInstitution(item.institutionId)!) : null,
        institutions: item ? [] : connectable(record).map(institutionCard),
        sandbox_credentials: SANDBOX_CREDENTIALS,
      };
    },

    submit(body) {
      checkFields(body, SUBMIT_FIELDS, SUBMIT_FIELDS);
      const [linkToken, sessionId, institutionId, username, password] = SUBMIT_FIELDS.map((f) => stringField(body, f));
      const record = liveRecord(linkToken!);
      const session = sessions.get(sessionId!);
      if (!session || session.linkToken !== linkToken) throw linkErrors.sessionClosed();
      const item = updateItem(record);
      const institution = item ? findInstitution(item.institutionId) : connectable(record).find((i) => i.institutionId === institutionId);
      if (!institution || institution.institutionId !== institutionId) throw linkErrors.institutionNotAvailable();
      const dataSet = checkSandboxCredentials(username!, password!);
      if (item && dataSet !== item.username) throw linkErrors.invalidUpdatedUsername();
      sessions.delete(sessionId!);
      const now = ctx.now();
      let success: LinkSuccess;
      if (item) {
        // Update mode fixes the login in place. Plaid sends no LOGIN_REPAIRED webhook for a repair
        // made through the app's own update-mode Link (that webhook is for repairs made elsewhere).
        item.loginRequired = false;
        success = linkSuccess(ctx.store.createUpdatePublicToken(item.itemId, now).publicToken, institution, item.accounts);
      } else {
        // The Item's id is fixed now: onSuccess reports the accounts' ids, which derive from it.
        const itemId = newItemId();
        const publicToken = ctx.store.createPublicToken({ ...itemSpecForLink(record, institution, dataSet), itemId }, now);
        success = linkSuccess(publicToken, institution, accountsFor(itemId));
      }
      const entry = recorded(record, sessionId!);
      if (entry) Object.assign(entry, { finished_at: now.toISOString(), results: sessionResults(success) });
      ctx.store.touch();
      return success;
    },
  };
}

/** Institutions that offer every product in `products` and serve one of the token's countries. */
function connectable(record: LinkTokenRecord): InstitutionFixture[] {
  return INSTITUTIONS.filter(
    (i) => record.products.every((p) => i.products.includes(p)) && i.countryCodes.some((c) => record.countryCodes.includes(c)),
  );
}

/** `LinkSessionResults` of a session that added (or updated) one Item: the other lists, required, are empty. */
const sessionResults = (success: LinkSuccess) => ({
  item_add_results: [structuredClone(success)],
  cra_item_add_results: [],
  cra_update_results: [],
  bank_income_results: [],
  payroll_income_results: [],
  document_income_results: null,
});

const institutionRef = (i: InstitutionFixture) => ({ name: i.name, institution_id: i.institutionId });

const institutionCard = (i: InstitutionFixture) => ({ ...institutionRef(i), primary_color: i.primaryColor, url: i.url, oauth: i.oauth });

/** A Link success, in the shape of Plaid's `LinkSessionItemAddResult`. */
type LinkSuccess = ReturnType<typeof linkSuccess>;

/** What `onSuccess(public_token, metadata)` gets, in Plaid's metadata shape (the UI adds `link_session_id`). */
function linkSuccess(publicToken: string, institution: InstitutionFixture, accounts: readonly AccountRecord[]) {
  return {
    public_token: publicToken,
    institution: institutionRef(institution),
    accounts: accounts.map((a) => ({
      id: a.account_id,
      name: a.name,
      mask: a.mask,
      type: a.type,
      subtype: a.subtype,
      verification_status: null,
      class_type: null,
    })),
  };
}
