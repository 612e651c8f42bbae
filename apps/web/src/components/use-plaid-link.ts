'use client';

import { useEffect, useRef, useState } from 'react';
// Types only (nothing of the package is bundled): Plaid's own definitions of Link's callbacks and handler.
import type { PlaidHandler, PlaidLinkOnEvent, PlaidLinkOnExit, PlaidLinkOnSuccess } from 'react-plaid-link';

export interface LinkOptions {
  /** Link's drop-in script: Plaid's CDN, or the emulator's copy at the same path. */
  scriptUrl: string;
  /** A link token from `/link/token/create`; null until the server has made one. */
  token: string | null;
  onSuccess: PlaidLinkOnSuccess;
  onExit?: PlaidLinkOnExit;
  onEvent?: PlaidLinkOnEvent;
}

export interface LinkControls {
  /** Opens Link (a no-op until `ready`). */
  open(): void;
  /** Link has loaded for the current token. */
  ready: boolean;
  /** The script could not be loaded (blocked, offline, wrong URL). */
  failed: boolean;
}

const scripts = new Map<string, Promise<void>>();

/** Adds `<script src>` once per URL; a failed load is forgotten so that a later mount retries. */
function loadScript(src: string): Promise<void> {
  let loading = scripts.get(src);
  if (!loading) {
    loading = new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onload = () => resolve();
      script.onerror = () => {
        scripts.delete(src);
        script.remove();
        reject(new Error(`could not load ${src}`));
      };
      document.head.appendChild(script);
    });
    scripts.set(src, loading);
  }
  return loading;
}

/**
 * Plaid Link for React, from a script URL of the app's choosing. It does what
 * react-plaid-link's `usePlaidLink` does (one `Plaid.create` per token, destroyed
 * on unmount), but react-plaid-link 5 always loads Plaid's CDN URL, and the
 * offline emulator serves Link from its own origin. The page CSP's
 * 'strict-dynamic' lets this (nonce'd) code insert the script.
 *
 * @example
 * const { open, ready } = usePlaidLink({ scriptUrl, token, onSuccess: (publicToken) => save(publicToken) });
 * return <button onClick={open} disabled={!ready}>Connect a bank</button>;
 */
export function usePlaidLink(options: LinkOptions): LinkControls {
  const { scriptUrl, token } = options;
  const callbacks = useRef(options);
  useEffect(() => {
    callbacks.current = options;
  });
  const [link, setLink] = useState<{ token: string; handler: PlaidHandler; ready: boolean } | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!token) return;
    let handler: PlaidHandler | null = null;
    let cancelled = false;
    loadScript(scriptUrl).then(
      () => {
        if (cancelled) return;
        const created: PlaidHandler = window.Plaid.create({
          token,
          onSuccess: (publicToken, metadata) => callbacks.current.onSuccess(publicToken, metadata),
          onExit: (error, metadata) => callbacks.current.onExit?.(error, metadata),
          onEvent: (eventName, metadata) => callbacks.current.onEvent?.(eventName, metadata),
          onLoad: () => setLink((l) => (l?.handler === created ? { ...l, ready: true } : l)),
        });
        handler = created;
        setLink({ token, handler: created, ready: false });
      },
      () => {
        if (!cancelled) setFailed(true);
      },
    );
    return () => {
      cancelled = true;
      handler?.exit({ force: true });
      handler?.destroy();
    };
  }, [scriptUrl, token]);

  const current = link && link.token === token ? link : null;
  return { open: () => current?.handler.open(), ready: Boolean(current?.ready), failed };
}
