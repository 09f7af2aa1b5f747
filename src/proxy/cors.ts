/**
 * Pushpin's automatic CORS (`aco` route option / `auto_cross_origin`): headers added to every response
 * when the backend did not set them (spec config.md §3).
 */
const SIMPLE_RESPONSE_HEADERS = new Set([
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
]);

export function applyCors(
  headers: Array<[string, string]>,
  requestHeaders: ReadonlyArray<readonly [string, string]>,
): Array<[string, string]> {
  const has = (name: string): boolean => headers.some(([k]) => k.toLowerCase() === name);
  const req = (name: string): string | undefined => requestHeaders.find(([k]) => k.toLowerCase() === name)?.[1];
  const out = headers.slice();
  if (!has('access-control-allow-methods')) {
    out.push(['Access-Control-Allow-Methods', req('access-control-request-method') ?? 'OPTIONS, HEAD, GET, POST, PUT, DELETE']);
  }
  const requestedHeaders = req('access-control-request-headers');
  if (!has('access-control-allow-headers') && requestedHeaders !== undefined) {
    out.push(['Access-Control-Allow-Headers', requestedHeaders]);
  }
  if (!has('access-control-expose-headers')) {
    const exposed = headers
      .map(([k]) => k)
      .filter((k) => {
        const lower = k.toLowerCase();
        return !SIMPLE_RESPONSE_HEADERS.has(lower) && !lower.startsWith('access-control-') && !lower.startsWith('grip-');
      });
    if (exposed.length > 0) out.push(['Access-Control-Expose-Headers', exposed.join(', ')]);
  }
  if (!has('access-control-allow-credentials')) out.push(['Access-Control-Allow-Credentials', 'true']);
  if (!has('access-control-allow-origin')) out.push(['Access-Control-Allow-Origin', req('origin') ?? '*']);
  if (!has('access-control-max-age')) out.push(['Access-Control-Max-Age', '3600']);
  return out;
}
