'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messageFor } from '@/error-messages';
import { PlaidLinkButton } from './plaid-link-button';
import { ErrorLine } from './error-line';

/**
 * Fix a `login_required` item: Link in update mode (Plaid's, or the emulator's).
 * Without a Link to load (the embedded emulator on an unknown port), the server
 * creates the same update-mode link token and completes the emulator's sign-in.
 */
export function ReconnectBank({ itemId, linkScriptUrl, sandbox }: { itemId: string; linkScriptUrl: string | null; sandbox: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (linkScriptUrl) return <PlaidLinkButton scriptUrl={linkScriptUrl} itemId={itemId} label="Sign in to your bank again" />;
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
