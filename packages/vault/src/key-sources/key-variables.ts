/**
 * The three places a keyring can come from, by environment variable and by
 * createVault option. A deployment sets exactly one (loadKeyring refuses
 * more); none means the generated development key, outside production only.
 * The one list: configuration, loadKeyring, the doctor and the reference app
 * all read it from here.
 */
export const KEY_SOURCES = [
  { variable: 'VAULT_KEYS', option: 'keys', kind: 'env' },
  { variable: 'VAULT_KEYS_FILE', option: 'keysFile', kind: 'file' },
  { variable: 'VAULT_KEYS_COMMAND', option: 'keysCommand', kind: 'command' },
] as const;

export type KeySourceOption = (typeof KEY_SOURCES)[number]['option'];
export type KeySourceVariable = (typeof KEY_SOURCES)[number]['variable'];
/** Where the keys come from; `dev` is the generated development key. */
export type KeySource = (typeof KEY_SOURCES)[number]['kind'] | 'dev';

/** `VAULT_KEYS`, `VAULT_KEYS_FILE`, `VAULT_KEYS_COMMAND`. */
export const KEY_SOURCE_VARIABLES: readonly KeySourceVariable[] = KEY_SOURCES.map((source) => source.variable);

/**
 * The key sources `settings` names (an option set to any string, even empty:
 * an empty key fails rather than falls back to the development key).
 *
 * @example
 * keySourcesIn({ keysFile: '/run/keys' }); // [{ variable: 'VAULT_KEYS_FILE', option: 'keysFile', kind: 'file' }]
 */
export function keySourcesIn(settings: Partial<Record<KeySourceOption, string | undefined>>): (typeof KEY_SOURCES)[number][] {
  return KEY_SOURCES.filter((source) => settings[source.option] !== undefined);
}

/** Which key source a configuration uses (loadKeyring has already refused more than one). */
export function keySourceOf(settings: Partial<Record<KeySourceOption, string | undefined>>): KeySource {
  return keySourcesIn(settings)[0]?.kind ?? 'dev';
}
