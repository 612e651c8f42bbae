/*
 * plaid-sandbox: the Link page, shown in an iframe by link-initialize.js.
 *
 * Views as Plaid names them (TRANSITION_VIEW view_name): SELECT_INSTITUTION,
 * CREDENTIAL, LOADING, CONNECTED. It talks to the emulator's own calls
 * (/link/__internal/session and /submit, same origin) with the link token, and
 * to the host page by postMessage: the first message from the parent window
 * must be `init`, and its origin is the only one answered afterwards.
 */
(function () {
  'use strict';

  var TAG = 'plaid-sandbox-link';
  var $ = function (id) {
    return document.getElementById(id);
  };

  var parentOrigin = null;
  var token = null;
  var session = null; // the emulator's answer to /session: link_session_id, update_mode, institutions...
  var view = null;
  var institution = null; // { name, institution_id } once chosen
  var lastError = null;
  var lastRequestId = null;
  var searchedNothing = false;
  var result = null; // { public_token, institution, accounts } once the user has connected
  var busy = false;

  function send(message) {
    if (parentOrigin !== null) window.parent.postMessage(Object.assign({ source: TAG }, message), parentOrigin);
  }

  function linkError(body) {
    return {
      error_type: body.error_type,
      error_code: body.error_code,
      error_message: body.error_message,
      display_message: body.display_message == null ? null : body.display_message,
    };
  }

  // Every key of Plaid's onEvent metadata is present, null when it does not apply.
  function emit(eventName, extra) {
    var metadata = {
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
    send({ type: 'event', eventName: eventName, metadata: Object.assign(metadata, extra || {}) });
  }

  function errorFields(error) {
    return error ? { error_type: error.error_type, error_code: error.error_code, error_message: error.error_message } : {};
  }

  async function call(path, body) {
    var res;
    var answer;
    try {
      res = await fetch('/link/__internal/' + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
      answer = await res.json();
    } catch {
      throw {
        error_type: 'API_ERROR',
        error_code: 'INTERNAL_SERVER_ERROR',
        error_message: 'the emulator could not be reached',
        display_message: null,
      };
    }
    if (answer && typeof answer.request_id === 'string') lastRequestId = answer.request_id;
    if (!res.ok) throw linkError(answer);
    return answer;
  }

  function show(name) {
    view = name;
    var views = document.querySelectorAll('.view');
    for (var i = 0; i < views.length; i++) views[i].hidden = views[i].id !== 'view-' + name;
    emit('TRANSITION_VIEW', { view_name: name });
  }

  // ---- opening and closing -------------------------------------------------

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
    $('modal').hidden = true;
    $('search').value = '';
    $('username').value = '';
    $('password').value = '';
    setError(null);
  }

  async function open() {
    try {
      if (!session) await startSession();
    } catch (error) {
      return exit(error);
    }
    $('modal').hidden = false;
    emit('OPEN', { is_update_mode: String(Boolean(session.update_mode)) });
    if (session.update_mode) {
      chooseInstitution(session.institution, false);
    } else {
      renderInstitutions('');
      show('SELECT_INSTITUTION');
      $('search').focus();
    }
  }

  function exitStatus() {
    if (view === 'SELECT_INSTITUTION' && searchedNothing) return 'institution_not_found';
    return 'requires_credentials';
  }

  // Plaid: exit() ends in onSuccess once the user has connected, onExit otherwise.
  function exit(error) {
    if (result && !error) return finish();
    var failure = error || lastError;
    var status = error ? null : exitStatus();
    emit('EXIT', Object.assign({ exit_status: status }, errorFields(failure)));
    send({
      type: 'exit',
      error: failure || null,
      metadata: {
        institution: institution,
        status: status,
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

  // ---- institution picker --------------------------------------------------

  var searchTimer = null;

  function renderInstitutions(query) {
    var list = $('institutions');
    list.textContent = '';
    var q = query.trim().toLowerCase();
    var matches = (session.institutions || []).filter(function (i) {
      return i.name.toLowerCase().indexOf(q) !== -1;
    });
    matches.forEach(function (i) {
      var button = document.createElement('button');
      button.type = 'button';
      var logo = document.createElement('span');
      logo.className = 'logo';
      logo.setAttribute('aria-hidden', 'true');
      logo.textContent = i.name.charAt(0);
      logo.style.backgroundColor = i.primary_color || '#333';
      var name = document.createElement('span');
      name.textContent = i.name;
      button.append(logo, name);
      button.addEventListener('click', function () {
        chooseInstitution({ name: i.name, institution_id: i.institution_id }, true);
      });
      var item = document.createElement('li');
      item.append(button);
      list.append(item);
    });
    searchedNothing = q !== '' && matches.length === 0;
    $('no-results').hidden = matches.length !== 0;
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

  // ---- credentials ---------------------------------------------------------

  function renderHints(rows) {
    var list = $('hints');
    list.textContent = '';
    rows.forEach(function (row) {
      var item = document.createElement('li');
      var user = document.createElement('code');
      user.textContent = row.username;
      var password = document.createElement('code');
      password.textContent = row.password;
      item.append(user, ' / ', password, ': ' + row.result);
      list.append(item);
    });
  }

  function setError(error) {
    var line = $('error');
    line.hidden = !error;
    line.textContent = error ? error.display_message || error.error_message : '';
  }

  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    var username = $('username').value;
    var password = $('password').value;
    if (username === '' || password === '') {
      setError({ display_message: 'Enter a username and a password.' });
      return;
    }
    busy = true;
    emit('SUBMIT_CREDENTIALS');
    show('LOADING');
    try {
      result = await call('submit', {
        link_token: token,
        link_session_id: session.link_session_id,
        institution_id: institution.institution_id,
        username: username,
        password: password,
      });
      lastError = null;
      $('connected-text').textContent =
        'Your account at ' +
        result.institution.name +
        (session.update_mode ? ' is connected again.' : ' is connected to ' + session.client_name + '.');
      show('CONNECTED');
      $('continue').focus();
    } catch (error) {
      lastError = error;
      emit('ERROR', Object.assign({ view_name: 'ERROR' }, errorFields(error)));
      show('CREDENTIAL');
      setError(error);
      $('password').value = '';
      $('password').focus();
    } finally {
      busy = false;
    }
  }

  // ---- wiring --------------------------------------------------------------

  $('credentials').addEventListener('submit', submit);
  $('back').addEventListener('click', function () {
    setError(null);
    renderInstitutions($('search').value);
    show('SELECT_INSTITUTION');
    $('search').focus();
  });
  $('continue').addEventListener('click', finish);
  $('close').addEventListener('click', function () {
    exit(null);
  });
  $('search').addEventListener('input', function () {
    var query = $('search').value;
    renderInstitutions(query);
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      if (query.trim() !== '') emit('SEARCH_INSTITUTION', { institution_search_query: query });
    }, 300);
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !$('modal').hidden && !busy) exit(null);
  });

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent) return;
    var data = event.data;
    if (!data || data.source !== TAG) return;
    if (parentOrigin === null) {
      if (data.type !== 'init') return;
      parentOrigin = event.origin;
      token = data.token;
      startSession().then(
        function () {
          send({ type: 'loaded' });
        },
        function (error) {
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
})();
