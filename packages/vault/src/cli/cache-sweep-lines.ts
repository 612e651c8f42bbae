import type { CacheSweep } from '../types/admin.js';

/** The human line for a sweep (none without Redis). */
export function describeCacheSweep(sweep: CacheSweep): string[] {
  const counts = `${sweep.scanned} scanned, ${sweep.purged} purged (kept: ${sweep.keep.join(', ') || 'none'})`;
  switch (sweep.status) {
    case 'disabled':
      return [];
    case 'done':
      return [`cache sweep: ${counts}`];
    case 'interrupted':
      return [`cache sweep interrupted: ${counts}; run the command again`];
    case 'skipped':
      return ['cache sweep skipped: Redis unreachable (entries expire by TTL)'];
    case 'incomplete':
      return [`cache sweep incomplete: Redis unreachable after ${counts} (the rest expire by TTL)`];
  }
}
