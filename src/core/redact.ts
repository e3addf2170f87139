/** Redaction every layer may apply before it logs or publishes text that may hold a secret. Pure. */

/** What a secret is replaced by. */
export const REDACTED = '***';

/** Replaces the password in `scheme://user:pass@host` so it cannot leak through a URL key. */
export function redactUrlPassword(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.password === '') return text;
  url.password = REDACTED;
  return url.toString();
}
