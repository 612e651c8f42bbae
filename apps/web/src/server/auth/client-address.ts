import { isIP } from 'node:net';

/** The bucket for requests whose trusted header is missing or holds no address. */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * The client's address as the throttle counts it, from the header a trusted
 * proxy sets (`headerName`, e.g. `x-forwarded-for`: its first entry), or
 * undefined when no header is configured. IPv6 addresses count by their /64 (one
 * host usually holds a whole /64); IPv4-mapped IPv6 counts as IPv4. A missing or
 * malformed value gives `UNKNOWN_CLIENT`: such requests share one bucket rather
 * than escape the limit.
 *
 * @example
 * clientAddressFrom(new Headers({ 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }), 'x-forwarded-for'); // '203.0.113.7'
 */
export function clientAddressFrom(headers: Headers, headerName: string | null): string | undefined {
  if (!headerName) return undefined;
  const first = (headers.get(headerName) ?? '').split(',')[0]!.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(first)?.[1];
  if (mapped && isIP(mapped) === 4) return mapped;
  const kind = isIP(first);
  if (kind === 4) return first;
  if (kind === 6) return `${ipv6Groups(first).slice(0, 4).join(':')}::/64`;
  return UNKNOWN_CLIENT;
}

/** The eight 16-bit groups of a valid IPv6 address, as lowercase hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.split('%')[0]!;
  // A trailing dotted quad (e.g. ::1.2.3.4) stands for the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}
