/** Display helpers shared by server and client components. */

export function money(amount: number | null, currency: string | null): string {
  if (amount === null) return '—';
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency ?? 'USD' }).format(amount);
  } catch {
    return amount.toFixed(2);
  }
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

export function day(iso: string): string {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
}

const STATUS_LABELS: Record<string, string> = {
  active: 'Connected',
  login_required: 'Sign-in needed',
  pending_expiration: 'Expiring soon',
  revoked: 'Revoked',
  relink_required: 'Needs reconnecting',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}
