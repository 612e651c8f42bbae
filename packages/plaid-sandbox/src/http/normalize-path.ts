/**
 * The API path of a request URL: query dropped, duplicate slashes collapsed (the SDK
 * sends `//item/get` when basePath ends in a slash), trailing slash removed.
 */
export function normalizePath(url: string): string {
  const path = url.split('?')[0]!.replace(/\/{2,}/g, '/');
  const withLead = path.startsWith('/') ? path : `/${path}`;
  return withLead.length > 1 ? withLead.replace(/\/$/, '') : withLead;
}
