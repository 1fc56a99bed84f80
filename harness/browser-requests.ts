/**
 * The request headers of a browser's top-level navigation (Chrome 131 following a link on the same
 * site), for tests and benchmarks that stand in for a visitor's browser: what makes a request a page
 * view (lambdas/identity/navigation.ts).
 */
export const DOCUMENT_NAVIGATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-user': '?1',
});
