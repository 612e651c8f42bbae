/*
 * plaid-sandbox: Plaid Link's drop-in script, offline.
 *
 * Load it from <emulator>/link/v2/stable/link-initialize.js (Plaid's CDN path on
 * the emulator's origin). It defines window.Plaid.create(config) with Plaid's
 * options (token, onSuccess, onExit, onEvent, onLoad, receivedRedirectUri) and
 * returns a handler with open(), exit(options), destroy() and submit(). Link
 * itself runs in an iframe served by the emulator (link.html); the two talk by
 * postMessage, each checking the other's window and origin.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || !script.src) {
    console.error('plaid-sandbox: load link-initialize.js with a <script src> so it can find the emulator');
    return;
  }
  var FRAME_URL = new URL('link.html', script.src);
  var ORIGIN = FRAME_URL.origin;
  var TAG = 'plaid-sandbox-link';
  var FRAME_STYLE =
    'position:fixed;inset:0;width:100%;height:100%;border:0;margin:0;padding:0;' +
    'z-index:2147483647;background:transparent;color-scheme:normal;display:none';
  var created = 0;

  function callback(fn) {
    return typeof fn === 'function' ? fn : function () {};
  }

  function emptyExitMetadata() {
    return { institution: null, status: null, link_session_id: null, request_id: null };
  }

  function create(config) {
    if (!config || typeof config !== 'object') throw new TypeError('Plaid.create expects a configuration object');
    var onSuccess = callback(config.onSuccess);
    var onExit = callback(config.onExit);
    var onEvent = callback(config.onEvent);
    var onLoad = callback(config.onLoad);
    var state = { loaded: false, pendingOpen: false, open: false, destroyed: false, returnFocus: null };

    var iframe = document.createElement('iframe');
    iframe.id = 'plaid-link-iframe-' + ++created;
    iframe.title = 'Plaid Link';
    iframe.src = FRAME_URL.href;
    iframe.style.cssText = FRAME_STYLE;

    function post(message) {
      if (iframe.contentWindow) iframe.contentWindow.postMessage(Object.assign({ source: TAG }, message), ORIGIN);
    }

    function show() {
      state.open = true;
      state.returnFocus = document.activeElement;
      iframe.style.display = 'block';
      iframe.focus();
      post({ type: 'open' });
    }

    function hide() {
      state.open = false;
      state.pendingOpen = false;
      iframe.style.display = 'none';
      var back = state.returnFocus;
      state.returnFocus = null;
      if (back && typeof back.focus === 'function' && document.contains(back)) back.focus();
    }

    function onMessage(event) {
      if (event.source !== iframe.contentWindow || event.origin !== ORIGIN) return;
      var data = event.data;
      if (!data || data.source !== TAG) return;
      if (data.type === 'ready') {
        post({
          type: 'init',
          token: typeof config.token === 'string' ? config.token : null,
          receivedRedirectUri: typeof config.receivedRedirectUri === 'string' ? config.receivedRedirectUri : null,
        });
      } else if (data.type === 'loaded') {
        state.loaded = true;
        if (state.pendingOpen) {
          state.pendingOpen = false;
          show();
        }
        onLoad();
      } else if (data.type === 'event') {
        onEvent(data.eventName, data.metadata);
      } else if (data.type === 'success') {
        hide();
        onSuccess(data.publicToken, data.metadata);
      } else if (data.type === 'exit') {
        hide();
        onExit(data.error || null, data.metadata || emptyExitMetadata());
      }
    }

    window.addEventListener('message', onMessage);
    (document.body || document.documentElement).appendChild(iframe);

    return {
      /** Shows Link; before it has loaded, it opens as soon as it has (as Plaid's does). */
      open: function () {
        if (state.destroyed || state.open) return;
        if (state.loaded) show();
        else state.pendingOpen = true;
      },
      /** Closes Link: onExit, or onSuccess once the user has connected. No confirmation pane here. */
      exit: function (options) {
        if (state.destroyed) return;
        if (state.open) {
          post({ type: 'exit', force: Boolean(options && options.force) });
        } else if (state.pendingOpen) {
          state.pendingOpen = false;
          onExit(null, emptyExitMetadata());
        }
      },
      /** Removes the iframe and the listener; the handler does nothing afterwards. */
      destroy: function () {
        if (state.destroyed) return;
        state.destroyed = true;
        window.removeEventListener('message', onMessage);
        if (state.open) hide();
        iframe.remove();
      },
      /** Plaid uses submit() for Layer only, which the emulator does not emulate. */
      submit: function () {},
    };
  }

  window.Plaid = {
    create: create,
    createEmbedded: function () {
      throw new Error('plaid-sandbox: Embedded Link is not emulated; use Plaid.create');
    },
    version: 'plaid-sandbox',
  };
})();
