'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import type { PlaidLinkOnExit } from 'react-plaid-link';
import { callApi } from '@/api-client';
import { messageFor } from '@/error-messages';
import { ErrorLine } from './error-line';
import { usePlaidLink } from './use-plaid-link';

/**
 * Plaid Link, the same code for Plaid and for the offline emulator (only the
 * script URL differs). New connection without `itemId`; with `itemId`, update
 * mode for a bank that needs the user to sign in again. The public token goes
 * straight to the server; the access token never comes back.
 */
export function PlaidLinkButton({ scriptUrl, itemId, label }: { scriptUrl: string; itemId?: string; label?: string }) {
  const router = useRouter();
  const [linkToken, setLinkToken] = useState<string | null>(null);
  // Bumped to fetch a fresh link token (Plaid's advice after INVALID_LINK_TOKEN: they expire).
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void callApi<{ linkToken: string }>('POST', '/link/token', itemId ? { itemId } : {}).then((r) => {
      if (cancelled) return;
      if (r.ok) setLinkToken(r.data.linkToken);
      else setError(messageFor(r.code));
    });
    return () => {
      cancelled = true;
    };
  }, [itemId, generation]);

  const onSuccess = useCallback(
    async (publicToken: string | null) => {
      setNotice(null);
      // Update mode repairs the existing item at Plaid: nothing to exchange, the item page renders anew.
      if (itemId) return router.refresh();
      if (!publicToken) return setError(messageFor(undefined));
      setBusy(true);
      const r = await callApi<{ itemId: string }>('POST', '/link/exchange', { publicToken });
      setBusy(false);
      if (!r.ok) return setError(messageFor(r.code));
      router.push(`/items/${encodeURIComponent(r.data.itemId)}`);
    },
    [itemId, router],
  );

  const onExit = useCallback<PlaidLinkOnExit>((linkError) => {
    if (linkError?.error_code === 'INVALID_LINK_TOKEN') {
      setLinkToken(null);
      setGeneration((g) => g + 1);
    }
    setNotice(
      linkError
        ? `Plaid Link closed: ${linkError.display_message ?? 'the bank was not connected.'}`
        : 'Plaid Link closed; no bank was connected.',
    );
  }, []);

  const { open, ready, failed } = usePlaidLink({ scriptUrl, token: linkToken, onSuccess: (t) => void onSuccess(t), onExit });

  return (
    <div className="stack">
      <button
        type="button"
        onClick={() => {
          setNotice(null);
          open();
        }}
        disabled={!ready || busy}
      >
        {busy ? 'Saving…' : ready ? (label ?? 'Connect a bank') : 'Preparing Plaid Link…'}
      </button>
      {notice && (
        <p className="muted" role="status" id="link-notice">
          {notice}
        </p>
      )}
      <ErrorLine message={failed ? 'Plaid Link could not be loaded. Check your connection and reload the page.' : error} />
    </div>
  );
}
