'use client';

/** Test-only: shows a string prop. The taint proof hands it a token and expects React to refuse. */
export function ClientEcho({ value }: { value: string }) {
  return <p id="echo">Received {value.length} characters.</p>;
}
