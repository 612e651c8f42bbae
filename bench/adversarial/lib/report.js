// Counting for the adversarial run: one tally per class. "tried" is the number
// of distinct attempts actually made, "held" the attempts where the defence
// held. A class that could not run (a missing service) is skipped, one that
// crashed is an error; both are reported, never counted as held.

/** @typedef {'held' | 'NOT HELD' | 'skipped' | 'error'} Verdict */

/**
 * @param {string} id short name (`--only` takes it)
 * @param {string} label the class as the table shows it
 */
export function createTally(id, label) {
  const tally = {
    id,
    label,
    tried: 0,
    held: 0,
    /** @type {string[]} */
    notes: [],
    /** @type {string[]} up to 8 attempts that did not hold, named */
    failures: [],
    /** @type {string | null} */
    skipped: null,
    /** @type {string | null} */
    error: null,
    ms: 0,
    /**
     * Count one attempt.
     * @param {boolean} held
     * @param {string} what names the attempt when it did not hold
     */
    attempt(held, what) {
      tally.tried += 1;
      if (held) tally.held += 1;
      else if (tally.failures.length < 8) tally.failures.push(what);
      return held;
    },
    /** @param {string} text */
    note(text) {
      tally.notes.push(text);
    },
    /** @param {string} reason */
    skip(reason) {
      tally.skipped = reason;
    },
    /** @returns {Verdict} */
    verdict() {
      if (tally.error) return 'error';
      if (tally.tried === 0) return tally.skipped ? 'skipped' : 'error';
      return tally.held === tally.tried ? 'held' : 'NOT HELD';
    },
  };
  return tally;
}

/** @typedef {ReturnType<typeof createTally>} Tally */

const n = (/** @type {number} */ v) => v.toLocaleString('en-US');

/**
 * The results table (Markdown) and each class's notes.
 * @param {Tally[]} tallies
 */
export function formatReport(tallies) {
  const lines = ['| class | tried | held | result | time |', '| --- | ---: | ---: | --- | ---: |'];
  for (const t of tallies) {
    lines.push(`| ${t.label} | ${n(t.tried)} | ${n(t.held)} | ${t.verdict()} | ${(t.ms / 1000).toFixed(1)} s |`);
  }
  lines.push('');
  for (const t of tallies) {
    const extra = [
      ...(t.skipped ? [`skipped: ${t.skipped}`] : []),
      ...(t.error ? [`error: ${t.error}`] : []),
      ...t.notes,
      ...t.failures.slice(0, 4).map((f) => `did not hold: ${f}`),
      ...(t.tried - t.held > 4 ? [`... ${t.tried - t.held - 4} more did not hold (the JSON results list 8)`] : []),
    ];
    if (extra.length === 0) continue;
    lines.push(`${t.id}:`);
    for (const e of extra) lines.push(`  - ${e}`);
  }
  return lines.join('\n');
}

/**
 * A class failed the run when an attempt did not hold or the class crashed.
 * @param {Tally[]} tallies
 */
export function runFailed(tallies) {
  return tallies.some((t) => t.verdict() === 'NOT HELD' || t.verdict() === 'error');
}
