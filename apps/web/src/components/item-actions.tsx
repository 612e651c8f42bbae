'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { callApi } from '@/api-client';
import { messageFor } from '@/error-messages';

/** Rotate the item's access token, or remove the connection (two-step, no browser dialog). */
export function ItemActions({ itemId, institutionName }: { itemId: string; institutionName: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState<null | 'rotate' | 'remove'>(null);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const path = `/items/${encodeURIComponent(itemId)}`;

  async function rotate() {
    setBusy('rotate');
    setNotice(null);
    const r = await callApi<{ outcome: string }>('POST', `${path}/rotate`);
    setBusy(null);
    if (!r.ok) return setNotice({ kind: 'error', text: messageFor(r.code) });
    setNotice(
      r.data.outcome === 'rotated'
        ? { kind: 'ok', text: 'Access token rotated. The old token no longer works.' }
        : { kind: 'error', text: messageFor('ERR_ITEM_RELINK_REQUIRED') },
    );
    router.refresh();
  }

  async function remove() {
    setBusy('remove');
    setNotice(null);
    const r = await callApi<void>('DELETE', path);
    if (!r.ok) {
      setBusy(null);
      return setNotice({ kind: 'error', text: messageFor(r.code) });
    }
    router.push('/dashboard');
    router.refresh();
  }

  return (
    <div className="stack">
      <p className="hint">
        Rotating replaces the access token the server holds for {institutionName}; removing disconnects the bank and erases the token.
      </p>
      <div className="row">
        <button type="button" onClick={rotate} disabled={busy !== null}>
          {busy === 'rotate' ? 'Rotating…' : 'Rotate access token'}
        </button>
        {!confirming ? (
          <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy !== null}>
            Remove connection
          </button>
        ) : (
          <span className="row" role="group" aria-label="Confirm removal">
            <button type="button" className="danger" onClick={remove} disabled={busy !== null} autoFocus>
              {busy === 'remove' ? 'Removing…' : `Yes, remove ${institutionName}`}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={busy !== null}>
              Cancel
            </button>
          </span>
        )}
      </div>
      {notice && (
        <p className={notice.kind === 'ok' ? 'success' : 'error'} role={notice.kind === 'ok' ? 'status' : 'alert'} id="action-notice">
          {notice.text}
        </p>
      )}
    </div>
  );
}
