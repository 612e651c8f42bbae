/**
 * Set variables on this test worker's `process.env`, which child processes
 * inherit (a VAULT_KEYS_COMMAND reads its keyring from there). Returns a
 * function that puts the previous values back.
 */
export function setProcessEnv(vars: Record<string, string>): () => void {
  const saved = Object.keys(vars).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
