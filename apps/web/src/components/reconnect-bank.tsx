'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messageFor } from '@/error-messages';
import { PlaidLinkButton } from './plaid-link-button';
import { ErrorLine } from './error-line';

/**
 * Fix a `login_required` item. Real Plaid: Link in update mode. Emulator:
 * the server creates the same update-mode link token and completes the
 * emulator's sign-in for the user (there is no Link UI offline).
 */
export function ReconnectBank({ itemId, linkEnabled, sandbox }: { itemId: string; linkEnabled: boolean; sandbox: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (linkEnabled) return <PlaidLinkButton itemId={itemId} label="Sign in to your bank again" />;
  if (!sandbox) return null;

  async function reconnect() {
    setBusy(true);
    setError(null);
    const res = await fetch(`/items/${encodeURIComponent(itemId)}/reconnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => null);
    setBusy(false);
    if (!res || !res.ok) {
      const body = (await res?.json().catch(() => null)) as { code?: string } | null;
      return setError(messageFor(body?.code));
    }
    router.refresh();
  }

  return (
    <div className="stack">
      <button type="button" onClick={reconnect} disabled={busy}>
        {busy ? 'Reconnecting…' : 'Reconnect (sandbox)'}
      </button>
      <ErrorLine message={error} />
    </div>
  );
}
