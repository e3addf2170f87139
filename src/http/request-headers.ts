/** Request headers every HTTP scanner protocol sends the same way. */

/** `host:port` with the port always written: Epson wants it even when it is the default one. */
export function hostWithPort(target: URL): string {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return `${target.hostname}:${port}`;
}

/** The Basic `Authorization` value for these credentials, or undefined when there are none. */
export function basicAuthorization(credentials: { username?: string; password?: string } | undefined): string | undefined {
  const { username, password } = credentials ?? {};
  if (username === undefined && password === undefined) return undefined;
  return `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
}

/** The headers as they may be traced: the password never leaves the process. */
export function redactAuthorization(headers: Record<string, string>): Record<string, string> {
  return headers.authorization ? { ...headers, authorization: '[redacted]' } : headers;
}
