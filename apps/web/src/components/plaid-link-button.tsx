'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { usePlaidLink } from 'react-plaid-link';
import { callApi } from '@/api-client';
import { messageFor } from '@/error-messages';
import { ErrorLine } from './error-line';

/**
 * Plaid Link (real credentials only). New connection without `itemId`; with
 * `itemId`, update mode for a bank that needs the user to sign in again. The
 * public token goes straight to the server; the access token never comes back.
 */
export function PlaidLinkButton({ itemId, label }: { itemId?: string; label?: string }) {
  const router = useRouter();
  const [linkToken, setLinkToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
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
  }, [itemId]);

  const onSuccess = useCallback(
    async (publicToken: string) => {
      setBusy(true);
      // Update mode repairs the existing item at Plaid; there is nothing to exchange.
      const r = itemId
        ? { ok: true as const, data: { itemId } }
        : await callApi<{ itemId: string }>('POST', '/link/exchange', { publicToken });
      setBusy(false);
      if (!r.ok) return setError(messageFor(r.code));
      router.push(`/items/${encodeURIComponent(r.data.itemId)}`);
      router.refresh();
    },
    [itemId, router],
  );

  return (
    <div className="stack">
      {linkToken ? (
        <LinkOpener token={linkToken} busy={busy} label={label ?? 'Connect a bank'} onSuccess={onSuccess} />
      ) : (
        <button type="button" disabled>
          Preparing Plaid Link…
        </button>
      )}
      <ErrorLine message={error} />
    </div>
  );
}

/** Mounted once a link token exists: react-plaid-link loads Plaid's script only now. */
function LinkOpener({
  token,
  busy,
  label,
  onSuccess,
}: {
  token: string;
  busy: boolean;
  label: string;
  onSuccess: (publicToken: string) => Promise<void>;
}) {
  const { open, ready } = usePlaidLink({ token, onSuccess: (t) => void onSuccess(t ?? '') });
  return (
    <button type="button" onClick={() => open()} disabled={!ready || busy}>
      {busy ? 'Saving…' : !ready ? 'Preparing Plaid Link…' : label}
    </button>
  );
}
