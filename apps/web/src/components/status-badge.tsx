import { statusLabel } from '@/format';

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status === 'active' ? 'ok' : 'warn'}`}>{statusLabel(status)}</span>;
}
