// The dashboard's security headers, one definition for Vite's preview server (demo, tests) and the reference the
// nginx template is tested against. The page talks to the systems over fetch, WebSocket and
// EventSource, possibly on other origins (?s1=, ?s2=), so connect-src allows http(s) and ws(s).
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
