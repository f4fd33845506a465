// The editor token. `needmap serve --allow-edits` prints an editor link
// `http://127.0.0.1:PORT/#edit=<token>`; the page reads the token once, keeps it in
// sessionStorage (this tab only, gone when it closes) and removes it from the URL so it is
// not shared with the map link or kept in the history.

const KEY = 'needmap.editToken';
const TOKEN = /^[A-Za-z0-9._~+/=-]{8,512}$/;

/**
 * Split a location hash into the editor token (or null) and the hash without it.
 * `#edit=abc&level=ward` -> { token: 'abc', hash: '#level=ward' }.
 */
export function splitToken(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const raw = params.get('edit');
  if (raw === null) return { token: null, hash: String(hash || '') };
  params.delete('edit');
  const rest = params.toString().replace(/%2C/g, ',');
  return { token: TOKEN.test(raw) ? raw : null, hash: rest ? `#${rest}` : '' };
}

/**
 * Take the token out of the page's URL into sessionStorage (when there is one) and return the
 * token this tab holds, or null. `win` is the window (a parameter so tests can pass a stand-in).
 */
export function captureToken(win = globalThis.window) {
  const { token, hash } = splitToken(win.location.hash);
  if (hash !== win.location.hash) {
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}${hash}`);
  }
  try {
    if (token) win.sessionStorage.setItem(KEY, token);
    return win.sessionStorage.getItem(KEY);
  } catch {
    return token; // storage refused (private mode): the token lasts as long as the page
  }
}

/** Forget the token (the server refused it). */
export function forgetToken(win = globalThis.window) {
  try { win.sessionStorage.removeItem(KEY); } catch { /* nothing stored */ }
}
