import { randomUUID } from 'node:crypto';
import { accountsFor, type AccountRecord } from '../data/accounts.js';
import { findInstitution, INSTITUTIONS, type InstitutionFixture } from '../data/institutions.js';
import { checkFields, stringField, type Body } from '../http/fields.js';
import type { SandboxContext } from '../routes/route.js';
import type { LinkTokenRecord } from '../state/link-token-record.js';
import type { ItemRecord, ItemSpec } from '../state/sandbox-store.js';
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
 * makes one, with the link token's products and webhook; in update mode the
 * sign-in repairs the Item's login instead and no Item is created.
 *
 * @example
 * const sessions = createLinkSessions(ctx);
 * const { link_session_id } = sessions.start({ link_token }) as { link_session_id: string };
 */
export function createLinkSessions(ctx: SandboxContext): LinkSessions {
  const sessions = new Map<string, OpenSession>();

  const liveRecord = (linkToken: string): LinkTokenRecord => {
    const record = ctx.store.linkToken(linkToken, ctx.now());
    if (!record) throw linkErrors.invalidLinkToken();
    return record;
  };
  const updateItem = (record: LinkTokenRecord): ItemRecord | undefined => {
    if (record.itemId === null) return undefined;
    const item = ctx.store.item(record.itemId);
    if (!item || item.removed) throw linkErrors.itemNotFound();
    return item;
  };
  const open = (linkToken: string, expiresAt: number): string => {
    const now = ctx.now().getTime();
    for (const [id, s] of sessions) if (s.expiresAt <= now || sessions.size >= MAX_SESSIONS) sessions.delete(id);
    const id = randomUUID();
    sessions.set(id, { linkToken, expiresAt });
    return id;
  };

  return {
    start(body) {
      checkFields(body, ['link_token'], ['link_token']);
      const linkToken = stringField(body, 'link_token');
      const record = liveRecord(linkToken);
      const item = updateItem(record);
      return {
        link_session_id: open(linkToken, record.expiresAt),
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
      if (item) {
        // Update mode fixes the login in place. Plaid sends no LOGIN_REPAIRED webhook for a repair
        // made through the app's own update-mode Link (that webhook is for repairs made elsewhere).
        item.loginRequired = false;
        ctx.store.touch();
        return linkSuccess(ctx.store.publicTokenForItem(item, now), institution, item.accounts);
      }
      const { publicToken, itemId } = ctx.store.createPublicToken(itemSpecFor(record, institution, dataSet), now);
      return linkSuccess(publicToken, institution, accountsFor(itemId));
    },
  };
}

/** Institutions that offer every product in `products` and serve one of the token's countries. */
function connectable(record: LinkTokenRecord): InstitutionFixture[] {
  return INSTITUTIONS.filter(
    (i) => record.products.every((p) => i.products.includes(p)) && i.countryCodes.some((c) => record.countryCodes.includes(c)),
  );
}

/**
 * The Item a sign-in creates: `products`, plus each `required_if_supported` and
 * `optional` product the institution offers (Plaid initializes those when it can).
 */
export function itemSpecFor(record: LinkTokenRecord, institution: InstitutionFixture, username: string): ItemSpec {
  const extra = [...record.requiredIfSupportedProducts, ...record.optionalProducts].filter((p) => institution.products.includes(p));
  return {
    institutionId: institution.institutionId,
    products: [...new Set([...record.products, ...extra])],
    webhook: record.webhook,
    username,
  };
}

const institutionRef = (i: InstitutionFixture) => ({ name: i.name, institution_id: i.institutionId });

const institutionCard = (i: InstitutionFixture) => ({ ...institutionRef(i), primary_color: i.primaryColor, url: i.url, oauth: i.oauth });

/** What `onSuccess(public_token, metadata)` gets, in Plaid's metadata shape (the UI adds `link_session_id`). */
function linkSuccess(publicToken: string, institution: InstitutionFixture, accounts: readonly AccountRecord[]): object {
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
