/*
 * plaid-sandbox Link page: the emulator calls it makes (same origin), and the
 * error object Link hands to onExit / onEvent.
 */

/** The fields of Plaid's error that Link reports (onExit's `error`). */
export function linkError(body) {
  return {
    error_type: body.error_type,
    error_code: body.error_code,
    error_message: body.error_message,
    display_message: body.display_message == null ? null : body.display_message,
  };
}

/** The error fields onEvent's metadata carries (none without an error). */
export function errorFields(error) {
  return error ? { error_type: error.error_type, error_code: error.error_code, error_message: error.error_message } : {};
}

/**
 * POSTs to /link/__internal/<name>; resolves with the answer, rejects with a
 * Link error. `onRequestId` sees every answer's request_id (Link reports the last).
 */
export async function callEmulator(name, body, onRequestId) {
  let res;
  let answer;
  try {
    res = await fetch('/link/__internal/' + name, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    answer = await res.json();
  } catch {
    throw linkError({
      error_type: 'API_ERROR',
      error_code: 'INTERNAL_SERVER_ERROR',
      error_message: 'the emulator could not be reached',
      display_message: null,
    });
  }
  if (answer && typeof answer.request_id === 'string') onRequestId(answer.request_id);
  if (!res.ok) throw linkError(answer);
  return answer;
}
