'use client';

import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import { callApi } from '@/api-client';
import { messageFor } from '@/error-messages';
import { PlaidLinkButton } from './plaid-link-button';
import { ErrorLine } from './error-line';

// Plaid's documented sandbox institutions (the emulator serves the same ids).
const SANDBOX_INSTITUTIONS = [
  { id: 'ins_109508', name: 'First Platypus Bank' },
  { id: 'ins_109509', name: 'First Gingham Credit Union' },
  { id: 'ins_109510', name: 'Tattersall Federal Credit Union' },
  { id: 'ins_109511', name: 'Tartan Bank' },
  { id: 'ins_109512', name: 'Houndstooth Bank' },
];

/**
 * Plaid Link, from Plaid's CDN or the emulator's. Without a Link to load (the
 * embedded emulator on an unknown port), a sandbox form that needs no script.
 */
export function ConnectBank({ linkScriptUrl, sandbox }: { linkScriptUrl: string | null; sandbox: boolean }) {
  if (linkScriptUrl) return <PlaidLinkButton scriptUrl={linkScriptUrl} />;
  if (!sandbox) return <p className="empty">Connecting banks is not configured.</p>;
  return <SandboxConnectForm />;
}

function SandboxConnectForm() {
  const router = useRouter();
  const selectId = useId();
  const [institutionId, setInstitutionId] = useState(SANDBOX_INSTITUTIONS[0]!.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function connect(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await callApi<{ itemId: string }>('POST', '/link/sandbox', { institutionId });
    setBusy(false);
    if (!result.ok) return setError(messageFor(result.code));
    router.push(`/items/${encodeURIComponent(result.data.itemId)}`);
  }

  return (
    <form onSubmit={connect} className="stack" aria-busy={busy}>
      <p className="hint">Pick a test bank; the emulator signs in with Plaid&apos;s sandbox user.</p>
      <label htmlFor={selectId}>Bank</label>
      <select id={selectId} name="institutionId" value={institutionId} onChange={(e) => setInstitutionId(e.target.value)} disabled={busy}>
        {SANDBOX_INSTITUTIONS.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        {busy ? 'Connecting…' : 'Connect bank'}
      </button>
      <ErrorLine message={error} />
    </form>
  );
}
