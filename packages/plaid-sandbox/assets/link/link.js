/*
 * plaid-sandbox: the Link page, shown in an iframe by link-initialize.js.
 *
 * Views as Plaid names them (TRANSITION_VIEW view_name): SELECT_INSTITUTION,
 * CREDENTIAL, LOADING, CONNECTED. It talks to the emulator's own calls
 * (/link/__internal/session and /submit, same origin) with the link token, and
 * to the host page by postMessage: the first message from the parent window
 * must be `init`, and its origin is the only one answered afterwards.
 */
import { callEmulator, errorFields } from './link-api.js';
import { $, clearPage, renderHints, renderInstitutions, setError, showPane } from './link-ui.js';

const TAG = 'plaid-sandbox-link';

let parentOrigin = null;
let token = null;
let session = null; // the emulator's answer to /session: link_session_id, update_mode, institutions...
let view = null;
let institution = null; // { name, institution_id } once chosen
let lastError = null;
let lastRequestId = null;
let searchedNothing = false;
let result = null; // { public_token, institution, accounts } once the user has connected
let busy = false;
let searchTimer = null;

function send(message) {
  if (parentOrigin !== null) window.parent.postMessage({ source: TAG, ...message }, parentOrigin);
}

// Every key of Plaid's onEvent metadata is present, null when it does not apply.
function emit(eventName, extra = {}) {
  const metadata = {
    account_number_mask: null,
    error_type: null,
    error_code: null,
    error_message: null,
    exit_status: null,
    institution_id: institution ? institution.institution_id : null,
    institution_name: institution ? institution.name : null,
    institution_search_query: null,
    is_update_mode: null,
    match_reason: null,
    mfa_type: null,
    routing_number: null,
    view_name: null,
    selection: null,
    timestamp: new Date().toISOString(),
    link_session_id: session ? session.link_session_id : null,
    request_id: lastRequestId,
  };
  send({ type: 'event', eventName, metadata: { ...metadata, ...extra } });
}

const call = (name, body) => callEmulator(name, body, (id) => (lastRequestId = id));

function show(name) {
  view = name;
  showPane(name);
  emit('TRANSITION_VIEW', { view_name: name });
}

// ---- opening and closing ---------------------------------------------------

async function startSession() {
  session = null;
  session = await call('session', { link_token: token });
  renderHints(session.sandbox_credentials || []);
}

function reset() {
  session = null;
  institution = null;
  lastError = null;
  result = null;
  searchedNothing = false;
  busy = false;
  clearPage();
}

async function open() {
  try {
    if (!session) await startSession();
  } catch (error) {
    return exit(error);
  }
  $('modal').hidden = false;
  emit('OPEN', { is_update_mode: String(Boolean(session.update_mode)) });
  if (session.update_mode) return chooseInstitution(session.institution, false);
  search('');
  show('SELECT_INSTITUTION');
  $('search').focus();
}

// Plaid: exit() ends in onSuccess once the user has connected, onExit otherwise.
function exit(error) {
  if (result && !error) return finish();
  const failure = error || lastError;
  const status = error ? null : view === 'SELECT_INSTITUTION' && searchedNothing ? 'institution_not_found' : 'requires_credentials';
  emit('EXIT', { exit_status: status, ...errorFields(failure) });
  send({
    type: 'exit',
    error: failure || null,
    metadata: {
      institution,
      status,
      link_session_id: session ? session.link_session_id : null,
      request_id: lastRequestId,
    },
  });
  reset();
}

function finish() {
  emit('HANDOFF');
  send({
    type: 'success',
    publicToken: result.public_token,
    metadata: {
      institution: result.institution,
      accounts: result.accounts,
      link_session_id: session.link_session_id,
      transfer_status: null,
    },
  });
  reset();
}

// ---- institution and sign-in -----------------------------------------------

function search(query) {
  const found = renderInstitutions(session.institutions || [], query, (chosen) => chooseInstitution(chosen, true));
  searchedNothing = query.trim() !== '' && found === 0;
}

function chooseInstitution(chosen, selected) {
  institution = chosen;
  if (selected) emit('SELECT_INSTITUTION');
  $('institution-name').textContent = chosen.name;
  $('update-note').hidden = !session.update_mode;
  $('back').hidden = Boolean(session.update_mode);
  show('CREDENTIAL');
  $('username').focus();
}

async function submit(event) {
  event.preventDefault();
  if (busy) return;
  const username = $('username').value;
  const password = $('password').value;
  if (username === '' || password === '') return setError({ display_message: 'Enter a username and a password.' });
  busy = true;
  emit('SUBMIT_CREDENTIALS');
  show('LOADING');
  try {
    result = await call('submit', {
      link_token: token,
      link_session_id: session.link_session_id,
      institution_id: institution.institution_id,
      username,
      password,
    });
    lastError = null;
    const where = session.update_mode ? ' is connected again.' : ' is connected to ' + session.client_name + '.';
    $('connected-text').textContent = 'Your account at ' + result.institution.name + where;
    show('CONNECTED');
    $('continue').focus();
  } catch (error) {
    lastError = error;
    emit('ERROR', { view_name: 'ERROR', ...errorFields(error) });
    show('CREDENTIAL');
    setError(error);
    $('password').value = '';
    $('password').focus();
  } finally {
    busy = false;
  }
}

// ---- wiring ----------------------------------------------------------------

$('credentials').addEventListener('submit', submit);
$('back').addEventListener('click', () => {
  setError(null);
  search($('search').value);
  show('SELECT_INSTITUTION');
  $('search').focus();
});
$('continue').addEventListener('click', finish);
$('close').addEventListener('click', () => exit(null));
$('search').addEventListener('input', () => {
  const query = $('search').value;
  search(query);
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    if (query.trim() !== '') emit('SEARCH_INSTITUTION', { institution_search_query: query });
  }, 300);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !$('modal').hidden && !busy) exit(null);
});

window.addEventListener('message', (event) => {
  if (event.source !== window.parent) return;
  const data = event.data;
  if (!data || data.source !== TAG) return;
  if (parentOrigin === null) {
    if (data.type !== 'init') return;
    parentOrigin = event.origin;
    token = data.token;
    startSession().then(
      () => send({ type: 'loaded' }),
      (error) => {
        // Plaid calls onExit when Link cannot start (e.g. INVALID_LINK_TOKEN).
        send({ type: 'loaded' });
        exit(error);
      },
    );
    return;
  }
  if (event.origin !== parentOrigin) return;
  if (data.type === 'open' && $('modal').hidden) open();
  else if (data.type === 'exit' && !$('modal').hidden && !busy) exit(null);
});

// Carries nothing: the parent answers with `init` (the link token) to this frame's origin only.
window.parent.postMessage({ source: TAG, type: 'ready' }, '*');
