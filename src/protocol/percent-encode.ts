/**
 * Alibaba's percent-encoding for signatures: RFC 3986, leaving only `A-Z a-z 0-9 - _ . ~`
 * unencoded (so space is `%20`, never `+`, and `*` is `%2A`). encodeURIComponent already
 * does the rest, with upper-case hex.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `k=v&k=v`, keys sorted by code unit, both sides percent-encoded: the shape both signatures sign. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] as string)}`)
    .join('&');
}
