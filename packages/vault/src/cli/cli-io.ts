/** The streams and environment a CLI run works with; tests pass their own. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The process environment; only main.ts reads process.env and passes it here. */
  env: Readonly<Record<string, string | undefined>>;
}
