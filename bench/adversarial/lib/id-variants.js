// Ways to name someone else's item (or user) that are not quite its id: case,
// whitespace and invisible characters, percent-encodings (single, double,
// overlong), path traversal, SQL and LIKE metacharacters, JSON/NoSQL shapes,
// header injection. Each is [label, value]; `value` is the raw string a caller
// would pass (a URL path segment is encoded from it by pathSegment()).

/** @param {string} id @returns {[string, string][]} */
export function idVariants(id) {
  const pct = (/** @type {string} */ s) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  const fullwidth = [...id].map((ch) => (/[!-~]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch)).join('');
  return [
    ['exact id', id],
    ['upper case', id.toUpperCase()],
    ['lower case', id.toLowerCase()],
    ['leading space', ` ${id}`],
    ['trailing space', `${id} `],
    ['trailing tab', `${id}\t`],
    ['trailing NUL', `${id}\0`],
    ['trailing zero-width space', `${id}\u200b`],
    ['fullwidth letters', fullwidth],
    ['percent-encoded (decodes to the id)', pct(id)],
    ['double percent-encoded', pct(id).replace(/%/g, '%25')],
    ['encoded NUL suffix', `${id}%00`],
    ['malformed percent-encoding', `${id}%zz`],
    ['trailing slash', `${id}/`],
    ['dot segment prefix', `./${id}`],
    ['traversal prefix', `../${id}`],
    ['traversal through another segment', `x/../${id}`],
    ['encoded traversal', `..%2F${id}`],
    ['double-encoded traversal', `..%252F${id}`],
    ['backslash traversal', `..\\${id}`],
    ['overlong UTF-8 slash', `%C0%AF${id}`],
    ['quote', `${id}'`],
    ["SQL: ' OR '1'='1", `${id}' OR '1'='1`],
    ['SQL: OR true comment', `' OR 1=1 --`],
    ['SQL: user_id not null', `x' OR user_id IS NOT NULL --`],
    ['SQL: stacked statement', `${id}'; UPDATE items SET user_id='x'; --`],
    ['SQL: UNION', `' UNION SELECT * FROM items --`],
    ['LIKE wildcard %', '%'],
    ['LIKE wildcard _ suffix', `${id.slice(0, -1)}_`],
    ['LIKE wildcard % suffix', `${id.slice(0, -4)}%`],
    ['glob *', '*'],
    ['JSON object', '{"$ne":null}'],
    ['array syntax', `${id}[]`],
    ['comma list', `${id},${id}`],
    ['CRLF header injection', `${id}\r\nx-plaid-vault-user: victim`],
    ['query-string smuggle', `${id}?user=victim`],
    ['fragment', `${id}#x`],
    ['matrix parameter', `${id};x=1`],
    ['very long (4 KiB)', id.repeat(Math.ceil(4096 / id.length)).slice(0, 4096)],
  ];
}

/** Variants of a user id that must never act as that user. @param {string} userId @returns {[string, string][]} */
export function userVariants(userId) {
  return idVariants(userId).filter(([, value]) => value !== userId);
}

/**
 * The path segment a client would send for `value`: as-is when it is plain
 * printable ASCII (so `..`, `%2F` and quotes go out raw), else percent-encoded.
 * @param {string} value
 */
export function pathSegment(value) {
  return /^[\x21-\x7e]*$/.test(value) && !/[?#]/.test(value) ? value : encodeURIComponent(value);
}
