// The lab's token, from the address `pnpm lab` printed (?token=...): kept for this tab only
// (sessionStorage) and taken out of the address bar, so it is not shared with a screenshot, a
// bookmark or a copied link. No token: this is a read-only dashboard and no lab request is made.

const KEY = 'ingestlab-lab-token';

export function takeLabToken(location: Location, history: History, storage: Storage | null): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      storage?.setItem(KEY, fromUrl);
    } catch {
      // storage refused (private mode): the token still works for this page's life
    }
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return fromUrl;
  }
  try {
    return storage?.getItem(KEY) ?? null;
  } catch {
    return null;
  }
}
