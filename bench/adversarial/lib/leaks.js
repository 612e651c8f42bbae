// The leak scan: every secret a run handled (each real access token, old and
// new, the Plaid secret, the vault's keys, the service key, the metrics
// token) and every token-shaped string, searched for in each artefact a run
// produced. One check = one secret or pattern searched in one artefact.

const SHAPES = [
  {
    label: 'access-token-shaped string',
    re: /access-(sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
  },
  { label: 'service-key-shaped string', re: /pvk_[A-Za-z0-9_-]{40,}/ },
];

export function createLeakScanner() {
  /** @type {Map<string, string>} value -> what it is */
  const secrets = new Map();
  /** @type {string[]} */
  const findings = [];
  let checks = 0;
  let artefacts = 0;
  return {
    /** @param {string} label @param {string} value */
    add(label, value) {
      if (value && value.length >= 8) secrets.set(value, label);
    },
    /**
     * Search one artefact; returns the findings in it ("<secret> in <artefact>").
     * @param {string} artefact where the text came from
     * @param {string} text
     * @param {{ allow?: string[] }} [opts] secrets this artefact legitimately holds (e.g. a request's own bearer token)
     */
    scan(artefact, text, opts = {}) {
      artefacts += 1;
      /** @type {string[]} */
      const found = [];
      for (const [value, label] of secrets) {
        checks += 1;
        if (!opts.allow?.includes(value) && text.includes(value)) found.push(`${label} in ${artefact}`);
      }
      for (const { label, re } of SHAPES) {
        checks += 1;
        const m = re.exec(text);
        if (m && !opts.allow?.includes(m[0])) found.push(`${label} in ${artefact}`);
      }
      findings.push(...found);
      return found;
    },
    secretCount: () => secrets.size,
    stats: () => ({ checks, artefacts, findings: [...findings] }),
  };
}
