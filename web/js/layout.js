// The compact layout (phones, 200 % zoom): the side panel collapses behind a "Controls" button
// and opens over the map; the legend stays over the map (css/app.css). This module adds the
// button, keeps aria-expanded in step, and tells the CSS how tall the map attribution is, so
// the legend and the scale sit above it.

/** Keep the same as the compact @media query in css/app.css. */
export const COMPACT_QUERY = '(max-width: 760px), (max-height: 480px)';

/** Panel controls that act on the map: after using one in the compact layout, the map is shown. */
const SHOW_MAP_AFTER = '.gap-list button, #search-choices button';

const LABELS = {
  closed: { icon: '☰', text: 'Controls' },
  open: { icon: '✕', text: 'Map' },
};

/**
 * Start the compact layout on `doc`: add the panel toggle before the panel, collapse the panel
 * whenever the compact layout applies, and track the attribution height. Returns
 * { open(), close(), isOpen(), compact() } (also for tests); null when the page has no panel.
 */
export function startLayout(doc = document) {
  const win = doc.defaultView;
  const layout = doc.querySelector('.layout');
  const panel = layout?.querySelector('.panel');
  if (!layout || !panel || !win) return null;
  if (!panel.id) panel.id = 'controls-panel';
  const media = win.matchMedia(COMPACT_QUERY);

  const toggle = doc.createElement('button');
  toggle.type = 'button';
  toggle.id = 'panel-toggle';
  toggle.className = 'panel-toggle';
  toggle.setAttribute('aria-controls', panel.id);
  const icon = doc.createElement('span');
  icon.className = 'icon';
  icon.setAttribute('aria-hidden', 'true');
  const text = doc.createElement('span');
  toggle.append(icon, text);
  layout.insertBefore(toggle, panel);

  const isOpen = () => layout.classList.contains('panel-open');
  const show = (open) => {
    layout.classList.toggle('panel-open', open);
    const label = open ? LABELS.open : LABELS.closed;
    icon.textContent = label.icon;
    text.textContent = label.text;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.title = open ? 'Close the controls and show the map' : 'Open the map controls';
  };
  const close = () => {
    const focusWasInPanel = panel.contains(doc.activeElement);
    show(false);
    if (focusWasInPanel) toggle.focus();
  };
  // Outside the compact layout the panel is always shown; entering it starts collapsed.
  const apply = () => show(!media.matches);
  apply();
  media.addEventListener('change', apply);

  toggle.addEventListener('click', () => { if (isOpen()) close(); else show(true); });
  panel.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !media.matches || !isOpen() || e.defaultPrevented) return;
    // Escape in a field clears it, and in the Scenario panel cancels placing or a question.
    if (e.target.closest('input, select, textarea, .scenario') === null) close();
  });
  panel.addEventListener('click', (e) => {
    if (!media.matches || !isOpen()) return;
    const button = e.target.closest('button');
    if (!button) return;
    // An area chosen from a list, or "Add site: click the map" pressed: the map is needed now.
    if (button.matches(SHOW_MAP_AFTER) || (button.id === 'scenario-add' && button.getAttribute('aria-pressed') === 'true')) {
      show(false);
    }
  });

  trackAttributionHeight(doc, layout);
  return { open: () => show(true), close, isOpen, compact: () => media.matches };
}

/** Put the height of the map's bottom-right controls (the attribution) in --attribution-height. */
function trackAttributionHeight(doc, layout) {
  const win = doc.defaultView;
  if (!win.ResizeObserver || !win.MutationObserver) return;
  const sizes = new win.ResizeObserver((entries) => {
    for (const entry of entries) {
      layout.style.setProperty('--attribution-height', `${Math.ceil(entry.target.getBoundingClientRect().height)}px`);
    }
  });
  const watch = () => {
    const corner = layout.querySelector('.maplibregl-ctrl-bottom-right');
    if (!corner) return false;
    sizes.observe(corner);
    return true;
  };
  if (watch()) return;
  // The map adds its controls when it starts, after this module.
  const added = new win.MutationObserver(() => { if (watch()) added.disconnect(); });
  added.observe(layout, { childList: true, subtree: true });
}
