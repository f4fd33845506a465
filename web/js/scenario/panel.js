// The Scenario panel: start, open, edit, save and share a what-if scenario, and ask for
// suggested sites. Every edit is saved at once (PUT with the version it was based on), so the
// map, the gap list and the change view always come from the server's `scenario=ID` answers
// and a shared link shows exactly what the editor sees. Without the editor token the panel
// is read-only and says how to get editing rights.
import { el } from '../legend.js';
import { plainError } from '../errors.js';
import { formatNumber } from '../format.js';
import { offeredCategories } from '../offered.js';
import { ScenarioClient, StaleError } from './client.js';
import { captureToken, forgetToken } from './token.js';
import { EditHistory, newScenario, addEdit, moveEdit, closeEdit, capacityEdit, describeEdit, isScenarioId, nextSiteId } from './edits.js';
import { siteFeatures, serviceIndex, needsPlaces, placedIndex } from './sites.js';
import { parsePlace, placeInWords, PLACE_HELP } from './place.js';
import { ScenarioOverlay } from './overlay.js';
import { summaryLines, decileTables, aCategory } from './summary.js';
import { changeClasses } from './change.js';

const READ_ONLY = 'Read-only: you can open and share saved scenarios. To make or change one, open the editor link '
  + 'that the map server prints when it is started with editing allowed (the link ends in “#edit=…”).';

function button(text, attrs = {}) { return el('button', { type: 'button', ...attrs }, text); }

/**
 * `hooks` (from main.js, `scenarioHooks`): `meta`, `map()`, `state()` the view state,
 * `setState(patch)`, `refresh()` redraw the map for the open scenario, `track(promise)`,
 * `categoryLabel(id)`, `plural()` the level's plural ('wards'), `mode()` the travel mode,
 * `loadServices()` the baseline service points,
 * `shareUrl()`, `compareParams()` the gap query of the current view as { query, defaultNeed }
 * (null without a category).
 */
export class ScenarioPanel {
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.token = captureToken();
    this.client = new ScenarioClient({ token: this.token });
    this.scenario = null; // the stored document (with `version`)
    this.history = new EditHistory();
    this.baseline = new Map(); // service id -> { lon, lat, name, category }
    this.comparison = null; // { key, data } of the last compare answer
    this.saving = Promise.resolve();
    this.overlay = null;
    this.pendingMove = null;
    // `/api/meta` says whether the server has the scenario API and whether it takes edits.
    const offered = hooks.meta.raw?.scenarios;
    this.available = Boolean(offered);
    this.serverEdits = offered?.editing === true;
    this.build();
  }

  get editable() { return Boolean(this.token) && this.available && this.serverEdits; }

  // ---------------------------------------------------------------- DOM

  build() {
    const meta = this.hooks.meta;
    const cats = offeredCategories(meta.categories).filter((c) => !c.sensitive);
    this.els = {
      access: el('p', { class: 'note scenario-access', id: 'scenario-access' }),
      message: el('p', { class: 'scenario-message', id: 'scenario-message', role: 'alert', hidden: '' }),
      open: el('select', { id: 'scenario-open' }),
      openGo: button('Open', { id: 'scenario-open-go' }),
      name: el('input', { id: 'scenario-name', type: 'text', maxlength: '120', placeholder: 'e.g. Extra family hub in Bowling', autocomplete: 'off' }),
      start: button('Start scenario', { id: 'scenario-start' }),
      current: el('div', { id: 'scenario-current', hidden: '' }),
      title: el('p', { class: 'scenario-title', id: 'scenario-title' }),
      manage: el('div', { id: 'scenario-manage' }),
      rename: el('input', { id: 'scenario-rename', type: 'text', maxlength: '120', autocomplete: 'off' }),
      renameGo: button('Rename', { id: 'scenario-rename-go' }),
      remove: button('Delete scenario', { id: 'scenario-delete', 'aria-expanded': 'false', 'aria-controls': 'scenario-delete-confirm' }),
      removeConfirm: el('div', { id: 'scenario-delete-confirm', class: 'scenario-confirm', role: 'group', 'aria-labelledby': 'scenario-delete-question', hidden: '' }),
      removeQuestion: el('p', { id: 'scenario-delete-question' }),
      removeYes: button('Yes, delete it', { id: 'scenario-delete-yes', class: 'danger' }),
      removeNo: button('No, keep it', { id: 'scenario-delete-no' }),
      share: el('input', { id: 'scenario-share', type: 'text', readonly: '' }),
      copy: button('Copy link', { id: 'scenario-copy' }),
      leave: button('Back to the baseline', { id: 'scenario-leave' }),
      tools: el('div', { id: 'scenario-tools' }),
      siteName: el('input', { id: 'scenario-site-name', type: 'text', value: 'New site', maxlength: '120', autocomplete: 'off' }),
      category: el('select', { id: 'scenario-category' }),
      tier: el('select', { id: 'scenario-tier' }),
      capacity: el('input', { id: 'scenario-capacity', type: 'number', min: '0', step: '0.1', value: '1' }),
      add: button('Add site: click the map', { id: 'scenario-add', 'aria-pressed': 'false' }),
      addCentre: button('Add at the map centre', { id: 'scenario-add-centre' }),
      place: el('input', { id: 'scenario-place', type: 'text', maxlength: '40', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. BD1 1HY', 'aria-describedby': 'scenario-place-hint scenario-place-error' }),
      placeGo: button('Add at this place', { id: 'scenario-place-go' }),
      placeHint: el('p', { class: 'note', id: 'scenario-place-hint' }, PLACE_HELP.replace(/^Type /, 'A ').replace(' or an easting', ', or an easting')),
      placeError: el('p', { class: 'scenario-field-error', id: 'scenario-place-error', role: 'alert', hidden: '' }),
      prompt: el('p', { class: 'status', id: 'scenario-prompt', role: 'status', 'aria-live': 'polite' }),
      undo: button('Undo', { id: 'scenario-undo' }),
      redo: button('Redo', { id: 'scenario-redo' }),
      edits: el('ol', { class: 'scenario-edits', id: 'scenario-edits', 'aria-label': 'Edits of this scenario, in order' }),
      suggestN: el('input', { id: 'scenario-suggest-n', type: 'number', min: '1', max: '20', step: '1', value: '2' }),
      objective: el('select', { id: 'scenario-objective' }),
      suggest: button('Suggest sites', { id: 'scenario-suggest' }),
      suggestion: el('div', { id: 'scenario-suggestion', 'aria-live': 'polite' }),
    };
    const e = this.els;
    e.category.append(...cats.map((c) => new Option(c.label, c.id)));
    e.tier.append(new Option('The category’s tier', ''), ...meta.tiers.map((t) => new Option(t.label, t.id)));
    e.objective.append(new Option('Most people within reach (coverage)', 'coverage'), new Option('Shortest travel overall (p-median)', 'pmedian'));
    const label = (id, text) => el('label', { for: id }, text);
    e.openBox = el('div', { id: 'scenario-open-box' }, label('scenario-open', 'Saved scenarios'), el('div', { class: 'row' }, e.open, e.openGo));
    e.newBox = el('div', { id: 'scenario-new' }, label('scenario-name', 'New scenario name'), el('div', { class: 'row' }, e.name, e.start));
    e.removeConfirm.append(e.removeQuestion, el('div', { class: 'row' }, e.removeYes, e.removeNo));
    e.manage.append(
      label('scenario-rename', 'Name of this scenario'),
      el('div', { class: 'row' }, e.rename, e.renameGo),
    );
    e.current.append(
      e.title,
      e.manage,
      label('scenario-share', 'Link to this scenario'),
      el('div', { class: 'row' }, e.share, e.copy),
      e.tools,
      el('div', { class: 'row scenario-undo' }, e.undo, e.redo),
      e.edits,
      el('div', { class: 'row scenario-leave-row' }, e.leave, e.remove),
      e.removeConfirm,
    );
    e.tools.append(
      label('scenario-site-name', 'New site name'), e.siteName,
      el('div', { class: 'row two' },
        el('div', {}, label('scenario-category', 'Category'), e.category),
        el('div', {}, label('scenario-tier', 'Tier'), e.tier)),
      label('scenario-capacity', 'Capacity (1 = one ordinary site)'), e.capacity,
      el('div', { class: 'row scenario-add-row' }, e.add, e.addCentre),
      label('scenario-place', 'Postcode or grid reference'),
      el('div', { class: 'row' }, e.place, e.placeGo),
      e.placeHint,
      e.placeError,
      e.prompt,
    );
    // Open when there is something to do with it: a scenario in the link, or editing rights.
    const details = el('details', { class: 'scenario', ...(this.token || this.hooks.state().scenario ? { open: '' } : {}) },
      el('summary', {}, el('h2', { id: 'h-scenario' }, 'Scenario: what if')),
      e.access, e.message,
      e.openBox, e.newBox,
      e.current,
      el('div', { class: 'scenario-suggest' },
        el('h3', {}, 'Suggest new sites'),
        label('scenario-suggest-n', 'How many new sites'), e.suggestN,
        label('scenario-objective', 'Aim'), e.objective,
        e.suggest, e.suggestion),
    );
    this.root.replaceChildren(details);

    e.start.addEventListener('click', () => this.start());
    e.name.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.start(); } });
    e.openGo.addEventListener('click', () => this.hooks.setState({ scenario: e.open.value }));
    e.copy.addEventListener('click', () => this.copyLink());
    e.leave.addEventListener('click', () => this.hooks.setState({ scenario: '' }));
    e.add.addEventListener('click', () => this.togglePlacing());
    e.addCentre.addEventListener('click', () => this.addAt(this.hooks.map().getCenter()));
    e.undo.addEventListener('click', () => this.commit((h) => h.undo(), 'Undone'));
    e.redo.addEventListener('click', () => this.commit((h) => h.redo(), 'Redone'));
    e.suggest.addEventListener('click', () => this.runSuggest());
    e.renameGo.addEventListener('click', () => this.rename());
    e.rename.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.rename(); } });
    e.remove.addEventListener('click', () => this.askDelete());
    e.removeNo.addEventListener('click', () => this.cancelDelete(true));
    e.removeYes.addEventListener('click', () => this.deleteScenario());
    e.removeConfirm.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.stopPropagation(); this.cancelDelete(true); } });
    e.placeGo.addEventListener('click', () => this.addByText());
    e.place.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.addByText(); } });
    e.place.addEventListener('input', () => this.placeProblem(''));
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && this.overlay?.placing) { this.stopPlacing('Cancelled.'); }
    });
    this.syncCategory();
    this.render();
  }

  /** New sites default to the category the map shows. */
  syncCategory() {
    const c = this.hooks.state().category;
    if (c && [...this.els.category.options].some((o) => o.value === c)) this.els.category.value = c;
  }

  say(text) {
    const m = this.els.message;
    m.replaceChildren(...(Array.isArray(text) ? text : [text ?? '']));
    m.hidden = !text || (Array.isArray(text) && text.length === 0);
  }

  render() {
    const e = this.els;
    const s = this.scenario;
    e.access.textContent = !this.available ? 'This map server does not offer scenarios.'
      : !this.serverEdits ? 'Read-only: this map server was started without editing, so scenarios can be opened and shared but not changed. To edit, whoever runs the server restarts it with editing allowed (--allow-edits) and shares the editor link it prints.'
        : this.editable ? 'Editing is on in this tab: every change is saved at once as a new version.' : READ_ONLY;
    e.current.hidden = !s;
    e.openBox.hidden = !this.available;
    e.newBox.hidden = !this.available;
    e.tools.hidden = !this.editable;
    e.manage.hidden = !this.editable;
    e.remove.hidden = !this.editable;
    if (!s || !this.editable) this.cancelDelete(false);
    e.start.disabled = !this.editable;
    e.name.disabled = !this.editable;
    if (s) {
      const n = s.edits.length;
      const option = [...e.open.options].find((o) => o.value === s.id);
      if (option) option.textContent = listLabel(s.name, s.version, n);
      e.title.textContent = `“${s.name}”, version ${s.version}: ${n === 0 ? 'no edits yet' : n === 1 ? '1 edit' : `${n.toLocaleString('en-GB')} edits`}.`;
      e.share.value = this.hooks.shareUrl();
      // The name field follows the stored name, unless the user is typing in it.
      const shown = `${s.id}@${s.version}`;
      if (this.renameShown !== shown && document.activeElement !== e.rename) { e.rename.value = s.name; this.renameShown = shown; }
      e.undo.disabled = !this.editable || !this.history.canUndo();
      e.redo.disabled = !this.editable || !this.history.canRedo();
      const names = new Map([...this.baseline].map(([id, v]) => [id, v]));
      for (const edit of s.edits) if (edit.op === 'add' && edit.id) names.set(edit.id, { name: edit.name });
      e.edits.replaceChildren(...s.edits.map((edit) => el('li', {}, describeEdit(edit, { names, categoryLabel: this.hooks.categoryLabel }))));
    }
    this.drawSites();
  }

  drawSites() {
    if (!this.overlay) return;
    // The open scenario's edits and, until kept or dropped, the suggested sites after them.
    const edits = [...(this.scenario?.edits ?? []), ...(this.preview?.edits ?? [])];
    const placed = this.placed?.key === this.placesKey() ? this.placed.placed : new Map();
    this.overlay.set(siteFeatures(edits, this.baseline, placed), this.editable && Boolean(this.scenario), this.hooks.batch);
  }

  placesKey() { return this.scenario ? `${this.scenario.id}@${this.scenario.version}` : ''; }

  /**
   * Sites placed by postcode or grid reference carry no lon/lat: ask the server where it put
   * them (the scenario's service points) and draw them there. Returns { placed, wardless } or null.
   */
  async loadPlaces() {
    const s = this.scenario;
    if (!s || !needsPlaces(s.edits)) return null;
    const key = this.placesKey();
    if (this.placed?.key === key) return this.placed;
    let fc;
    try {
      fc = await this.client.services(s.id);
    } catch (err) {
      console.warn(err);
      return null;
    }
    if (this.placesKey() !== key) return null; // a newer version meanwhile
    this.placed = { key, ...placedIndex(fc, s.edits) };
    this.drawSites();
    return this.placed;
  }

  copyLink() {
    const e = this.els.share;
    e.select();
    const done = () => { this.els.prompt.textContent = 'Link copied.'; };
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(e.value).then(done, () => document.execCommand?.('copy'));
    else document.execCommand?.('copy');
  }

  // ---------------------------------------------------------------- map

  /** Called once the map has its layers: the overlay, the baseline service points, the list. */
  async attach(map) {
    this.overlay = new ScenarioOverlay(map, {
      onPlace: (lngLat) => (this.pendingMove ? this.moveTo(this.pendingMove, lngLat) : this.addAt(lngLat)),
      onDrag: (id, lngLat) => this.commit((h) => h.push(moveEdit(id, lngLat.lng, lngLat.lat))),
    });
    // Names and old places of the edited sites; optional, so the map does not wait for them.
    this.hooks.track(this.hooks.loadServices().then((fc) => {
      this.baseline = serviceIndex(fc);
      this.render();
    }, (e) => console.warn(e)));
    await this.refreshList();
    await this.open(this.hooks.state().scenario);
  }

  /** A map click: placing mode, or a click on one of the scenario's own sites. True if handled. */
  handleClick(e) {
    if (this.overlay?.click(e)) return true;
    return false;
  }

  /** Whether a scenario is open for editing (a click on a site then opens the site). */
  get editing() { return Boolean(this.editable && this.scenario); }

  /** Buttons to move or close a service, appended to its popup when editing. */
  servicePopupActions(props, popup) {
    if (!this.editable || !this.scenario || !props?.id) return null;
    const id = String(props.id);
    const move = button('Move this site', { class: 'scenario-move' });
    const close = button('Close this site', { class: 'scenario-close' });
    move.addEventListener('click', () => {
      popup.remove();
      this.pendingMove = id;
      this.overlay.setPlacing('move');
      this.els.prompt.textContent = `Click the map where ${props.name ?? id} should go (Escape cancels).`;
    });
    close.addEventListener('click', () => {
      popup.remove();
      this.commit((h) => h.push(closeEdit(id)));
    });
    const capacity = el('input', { type: 'number', min: '0', step: '0.1', value: String(props.capacity ?? 1), 'aria-label': 'New capacity of this site', class: 'scenario-capacity-input' });
    const setCapacity = button('Set capacity', { class: 'scenario-set-capacity' });
    setCapacity.addEventListener('click', () => {
      popup.remove();
      this.commit((h) => h.push(capacityEdit(id, capacity.value)));
    });
    return el('div', { class: 'scenario-popup-actions' }, el('div', { class: 'row' }, move, close), el('div', { class: 'row' }, capacity, setCapacity));
  }

  togglePlacing() {
    if (this.overlay?.placing) { this.stopPlacing(''); return; }
    this.pendingMove = null;
    this.overlay.setPlacing('add');
    this.els.add.setAttribute('aria-pressed', 'true');
    this.els.prompt.textContent = 'Click the map where the new site goes (Escape cancels).';
  }

  stopPlacing(text) {
    this.overlay?.setPlacing(null);
    this.pendingMove = null;
    this.els.add.setAttribute('aria-pressed', 'false');
    this.els.prompt.textContent = text;
  }

  addAt(lngLat) {
    const e = this.els;
    this.stopPlacing('');
    this.commit((h) => h.push(addEdit(h.edits, {
      name: e.siteName.value, category: e.category.value, tier: e.tier.value, capacity: e.capacity.value,
      lon: lngLat.lng, lat: lngLat.lat,
    })));
  }

  moveTo(id, lngLat) {
    this.stopPlacing('');
    this.commit((h) => h.push(moveEdit(id, lngLat.lng, lngLat.lat)));
  }

  /** Show (text) or clear ('') the problem with the typed place, beside its field. */
  placeProblem(text) {
    const e = this.els;
    e.placeError.textContent = text;
    e.placeError.hidden = !text;
    if (text) e.place.setAttribute('aria-invalid', 'true');
    else e.place.removeAttribute('aria-invalid');
  }

  /** Add a site at the postcode, grid reference or easting/northing typed in the place field. */
  addByText() {
    const e = this.els;
    const typed = e.place.value.trim();
    let place;
    try {
      place = parsePlace(typed);
    } catch (err) {
      this.placeProblem(err.message);
      e.place.focus();
      return Promise.resolve();
    }
    this.placeProblem('');
    this.stopPlacing('');
    let id = null;
    return this.commit((h) => {
      const edit = addEdit(h.edits, {
        name: e.siteName.value, category: e.category.value, tier: e.tier.value, capacity: e.capacity.value, place,
      });
      id = edit.id;
      h.push(edit);
    }, `Added ${e.siteName.value.trim() || 'the site'} at ${placeInWords(place)}`, {
      onFail: (err) => {
        // The server could not place it (an unknown postcode, say): in words, beside the field.
        const detail = String(err.message).replace(/^.*?HTTP \d+: /, '');
        if (err.status === 400 && /postcode/i.test(detail) && place.postcode) {
          this.placeProblem(`The postcode “${place.postcode}”${typed === place.postcode ? '' : ` (typed as “${typed}”)`} is not in the map’s list of postcodes: it may be mistyped, or newer than the list. Check it, or type a grid reference (“SE 16000 33000”) or an easting and northing in metres (“416000, 433000”) instead.`);
          return true;
        }
        if (err.status === 400 || err.status === 422) {
          this.placeProblem(`The map server could not place a site at “${typed}”: ${detail}`);
          return true;
        }
        return false; // a stale version, lost rights, a busy server: the panel's own messages
      },
      onSaved: (places) => {
        e.place.value = '';
        const at = places?.placed.get(id);
        if (places?.wardless.includes(id)) {
          this.placeProblem(`“${typed}” is outside the areas of this map, so the new site serves no one here. Undo it, or type a place inside the map.`);
        }
        const map = this.hooks.map();
        if (at && map && !map.getBounds().contains(at)) map.easeTo({ center: at, duration: 0 });
      },
    });
  }

  /** Save the name typed in the rename field (a new version; 409 is the stale-version flow). */
  rename() {
    if (!this.scenario || !this.editable) return Promise.resolve();
    const name = this.els.rename.value.trim();
    if (!name) {
      this.say('Give the scenario a name: the name field is empty.');
      this.els.rename.focus();
      return Promise.resolve();
    }
    if (name === this.scenario.name) return Promise.resolve();
    const run = this.saving.then(async () => {
      const s = this.scenario;
      if (!s) return;
      try {
        this.scenario = await this.client.update({ ...s, name, edits: [...this.history.edits] }, s.version);
      } catch (err) {
        this.failed(err, 'save the scenario', { notDone: 'the new name was not saved', again: 'rename it again' });
        this.render();
        return;
      }
      this.say('');
      this.els.prompt.textContent = `Renamed to “${this.scenario.name}”. Saved as version ${this.scenario.version}.`;
      this.renameShown = null;
      this.render();
      this.hooks.refresh(); // the title, the links and the version of every answer
    });
    this.saving = run.catch(() => {});
    return this.hooks.track(run);
  }

  /** The in-page confirmation of "Delete scenario". */
  askDelete() {
    const e = this.els;
    if (!this.scenario || !this.editable) return;
    e.removeQuestion.textContent = `Delete “${this.scenario.name}” for everyone? Its link will stop working. This cannot be undone.`;
    e.removeConfirm.hidden = false;
    e.remove.setAttribute('aria-expanded', 'true');
    e.removeNo.focus();
  }

  cancelDelete(focus) {
    const e = this.els;
    if (e.removeConfirm.hidden) return;
    e.removeConfirm.hidden = true;
    e.remove.setAttribute('aria-expanded', 'false');
    if (focus) e.remove.focus();
  }

  /** DELETE the open scenario at the version shown, then back to the baseline and the list again. */
  deleteScenario() {
    if (!this.scenario || !this.editable) return Promise.resolve();
    const run = this.saving.then(async () => {
      const s = this.scenario;
      if (!s) return;
      this.cancelDelete(false);
      try {
        await this.client.remove(s.id, s.version);
      } catch (err) {
        if (err.status === 404) {
          // Already gone (deleted elsewhere): the outcome asked for.
        } else {
          this.failed(err, 'delete the scenario', { notDone: 'it was not deleted', again: 'delete it again if you still want to' });
          return;
        }
      }
      this.hooks.setState({ scenario: '' });
      if (this.scenario) await this.open('');
      await this.refreshList();
      this.say(`Deleted “${s.name}”. The map shows the baseline.`);
      this.els.openGo.focus();
    });
    this.saving = run.catch(() => {});
    return this.hooks.track(run);
  }

  // ---------------------------------------------------------------- saving

  /**
   * Apply `step` to the edit history (push, undo or redo) and save the result over the version
   * it was based on. Saves run one after another; a failed save puts the history back.
   */
  commit(step, what = '', { onFail = null, onSaved = null } = {}) {
    if (!this.scenario || !this.editable) return Promise.resolve();
    const run = this.saving.then(async () => {
      const before = this.history.snapshot();
      try {
        step(this.history);
      } catch (err) {
        if (onFail?.(err)) return;
        this.els.prompt.textContent = err.message;
        return;
      }
      const s = this.scenario;
      try {
        this.scenario = await this.client.update({ ...s, edits: [...this.history.edits] }, s.version);
      } catch (err) {
        this.history.restore(before);
        if (!onFail?.(err)) this.failed(err, 'save the scenario');
        this.render();
        return;
      }
      this.say('');
      this.els.prompt.textContent = `${what ? `${what}. ` : ''}Saved as version ${this.scenario.version}.`;
      // The new markers wait for the new areas and services: one frame for the whole edit.
      const release = this.hooks.batch?.hold() ?? (() => {});
      this.render();
      // The comparison is asked for beside the new areas, not after them.
      this.comparisonFor().catch(() => {});
      Promise.allSettled([this.hooks.refresh()]).then(release);
      const places = await this.loadPlaces();
      onSaved?.(places);
    });
    this.saving = run.catch(() => {});
    return this.hooks.track(run);
  }

  failed(err, doing, { notDone = 'your last change was not saved', again = 'make your change again' } = {}) {
    console.warn(err);
    if (err instanceof StaleError) {
      const reload = button('Reload their version', { id: 'scenario-reload' });
      reload.addEventListener('click', () => this.open(this.scenario.id, true));
      this.say([`Someone else changed “${this.scenario?.name ?? 'this scenario'}” since you opened it (it is now at version ${err.currentVersion}), so ${notDone}. Reload their version, then ${again}. `, reload]);
      return;
    }
    if (err.status === 401) {
      forgetToken();
      this.token = null;
      this.client.token = null;
      this.say('The map server did not accept this tab’s editing rights (the editor link is out of date). Open the editor link the server printed most recently.');
      return;
    }
    if (err.status === 403) {
      this.say('This map server was started without editing: scenarios can be opened but not saved. Ask whoever runs it to restart it with editing allowed (--allow-edits).');
      return;
    }
    if (err.status === 400 || err.status === 422) {
      // The server names the edit and the problem ("edit 3 (move): unknown service ..."): say it.
      const detail = String(err.message).replace(/^.*?HTTP \d+: /, '');
      this.say(`The map server refused the change: ${detail}`);
      return;
    }
    this.say(plainError(err, doing.replace(/^save /, 'the ')));
  }

  // ---------------------------------------------------------------- open, start, list

  async refreshList() {
    if (!this.available) { this.render(); return; }
    try {
      const list = await this.client.list();
      this.available = true;
      const select = this.els.open;
      select.replaceChildren(new Option('The baseline (no scenario)', ''), ...list.map((s) => new Option(listLabel(s.name, s.version, s.edits), s.id)));
      select.value = this.scenario?.id ?? '';
      this.ids = list.map((s) => s.id);
    } catch (err) {
      if (err.status === 404) this.available = false;
      else this.say(plainError(err, 'the list of saved scenarios'));
      console.warn(err);
    }
    this.render();
  }

  /** Open saved scenario `id` ('' = back to the baseline); `again` re-reads the current one. */
  async open(id, again = false) {
    if ((this.scenario?.id ?? '') === (id ?? '') && !again) return;
    this.stopPlacing('');
    this.comparison = null;
    this.preview = null;
    if (!id) {
      this.scenario = null;
      this.history.reset([]);
      this.say('');
      this.render();
      this.hooks.refresh();
      return;
    }
    if (!isScenarioId(id) || !this.available) {
      this.say('That link names a scenario that cannot exist. The map shows the baseline.');
      this.hooks.setState({ scenario: '' });
      return;
    }
    try {
      const s = await this.client.get(id);
      this.scenario = s;
      this.history.reset(s.edits);
      this.say('');
      this.els.open.value = id;
      this.hooks.track(this.loadPlaces());
    } catch (err) {
      this.scenario = null;
      this.history.reset([]);
      this.say(err.status === 404 ? `There is no saved scenario “${id}” (it may have been deleted). The map shows the baseline.` : plainError(err, 'the scenario'));
      this.render();
      this.hooks.setState({ scenario: '' });
      return;
    }
    this.render();
    this.hooks.refresh();
  }

  async start() {
    if (!this.editable) return;
    let doc;
    try {
      doc = newScenario(this.els.name.value, this.ids ?? []);
    } catch (err) {
      this.say(err.message);
      return;
    }
    await this.createAndOpen(doc);
    this.els.name.value = '';
  }

  async createAndOpen(doc) {
    let stored;
    for (let attempt = 0; ; attempt++) {
      try {
        stored = await this.client.create(doc);
        break;
      } catch (err) {
        // The id was taken meanwhile: try the next free one (a few times).
        if (err.status === 409 && attempt < 5) {
          await this.refreshList();
          doc = { ...doc, id: newScenario(doc.name, [...(this.ids ?? []), doc.id]).id };
          continue;
        }
        this.failed(err, 'save the scenario');
        return;
      }
    }
    await this.refreshList();
    this.hooks.setState({ scenario: stored.id });
  }

  // ---------------------------------------------------------------- compare, summary

  /** The key of the compare answer the current view needs, or null (no scenario or category). */
  comparisonKey() {
    const s = this.scenario;
    const params = this.hooks.compareParams();
    return s && params ? JSON.stringify([s.id, s.version, params]) : null;
  }

  /**
   * The compare answer for the current view: { key, data, classes }, asked for once per
   * scenario version and gap query (requests in flight are shared).
   */
  comparisonFor() {
    const key = this.comparisonKey();
    if (key === null) return Promise.resolve(null);
    if (this.comparison?.key !== key) {
      const [id, , { query, defaultNeed }] = JSON.parse(key);
      const promise = this.client.compare(id, query)
        .then((data) => ({ key, data, defaultNeed, classes: changeClasses(Array.isArray(data?.rows) ? data.rows : []) }));
      this.comparison = { key, promise };
      promise.catch(() => { if (this.comparison?.key === key) this.comparison = null; });
    }
    return this.comparison.promise;
  }

  /** Redraw the summary box (`box`) for the current scenario and view. */
  async updateSummary(box) {
    if (!this.scenario) { box.replaceChildren(); box.hidden = true; return; }
    box.hidden = false;
    if (this.comparisonKey() === null) {
      box.replaceChildren(el('p', { class: 'status' }, 'Choose a service category to see what this scenario changes.'));
      return;
    }
    let c;
    try {
      c = await this.comparisonFor();
    } catch (err) {
      console.warn(err);
      box.replaceChildren(el('p', { class: 'status' }, plainError(err, 'the comparison with the baseline')));
      return;
    }
    if (!c || c.key !== this.comparisonKey()) return; // a newer version or view asked meanwhile
    const st = this.hooks.state();
    const opts = { what: aCategory(this.hooks.categoryLabel(st.category || '')), plural: this.hooks.plural(), mode: this.hooks.mode() };
    const summary = c.data?.summary ?? {};
    const tables = decileTables(summary, opts).map((t) => el('table', { class: 'scenario-deciles' },
      el('caption', {}, `Newly within ${t.threshold}, by IMD national decile (1 = most deprived 10% of England)`),
      el('thead', {}, el('tr', {}, ...['Decile', 'Residents', 'Children', 'No longer'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...t.rows.map((r) => el('tr', {}, el('th', { scope: 'row' }, r.decile),
        ...[r.gained, r.gainedChildren, r.lost].map((v) => el('td', {}, formatNumber(Math.round(v)))))))));
    box.replaceChildren(el('h3', {}, `What “${this.scenario.name}” changes`),
      el('ul', { class: 'scenario-summary-lines', id: 'scenario-summary-lines' }, ...summaryLines(summary, opts).map((p) => el('li', {}, p))),
      ...tables,
      ...(c.defaultNeed ? [el('p', { class: 'note' }, 'Need in this comparison: the map server’s default need indicator (the chosen one cannot be counted for the small areas the comparison starts from).')] : []));
  }

  // ---------------------------------------------------------------- suggest

  async runSuggest() {
    const st = this.hooks.state();
    const box = this.els.suggestion;
    if (!st.category) {
      box.replaceChildren(el('p', { class: 'status' }, 'Choose a service category (under Services) first: the suggestion adds sites of that category.'));
      return;
    }
    const n = Math.round(Number(this.els.suggestN.value));
    if (!Number.isFinite(n) || n < 1 || n > 20) {
      box.replaceChildren(el('p', { class: 'status' }, 'Ask for between 1 and 20 new sites.'));
      return;
    }
    box.replaceChildren(el('p', { class: 'status' }, 'Working out the best places…'));
    let result;
    try {
      result = await this.hooks.track(this.client.suggest({
        category: st.category, add: n, objective: this.els.objective.value, scenario: this.scenario?.id ?? '',
      }));
    } catch (err) {
      console.warn(err);
      box.replaceChildren(el('p', { class: 'status' }, err.status === 404
        ? 'This map server cannot suggest sites.' : plainError(err, 'the suggested sites')));
      return;
    }
    this.showSuggestion(result, n);
  }

  showSuggestion(result, n) {
    const box = this.els.suggestion;
    const sites = suggestedSites(result);
    const label = this.hooks.categoryLabel(this.hooks.state().category);
    const list = el('ol', { class: 'scenario-suggested', id: 'scenario-suggested' }, ...sites.map((s) => el('li', {},
      `${s.name ?? 'New site'}${Number.isFinite(s.gain) ? `: +${formatNumber(s.gain)} ${s.unit}` : ''}`)));
    const children = [
      el('p', {}, `${formatNumber(sites.length)} suggested ${sites.length === 1 ? 'site' : 'sites'} for ${label}${sites.length < n ? ` (of ${formatNumber(n)} asked for: no other candidate helps)` : ''}, drawn on the map as new sites.`),
      list,
    ];
    const o = result?.objective;
    if (o && Number.isFinite(o.after)) {
      const share = (x) => (Number.isFinite(x) ? ` (${formatNumber(100 * x)}%)` : '');
      children.push(el('p', { class: 'note' }, `${o.description ?? o.unit}: ${Number.isFinite(o.before) ? `${formatNumber(o.before)}${share(o.share_before)} now, ` : ''}${formatNumber(o.after)}${share(o.share_after)} with these sites.`));
    }
    const doc = result?.scenario;
    if (doc && Array.isArray(doc.edits)) {
      this.preview = doc;
      this.drawSites();
      const category = this.hooks.state().category;
      const adds = doc.edits.filter((e) => e.op === 'add').map((e) => ({ ...e, category: e.category ?? category }));
      if (this.editable && this.scenario) {
        // Into the open scenario, each as a new edit (undo takes them back one by one).
        const into = button(`Add them to “${this.scenario.name}”`, { id: 'scenario-keep' });
        into.addEventListener('click', () => {
          this.preview = null;
          this.commit((h) => { for (const e of adds) h.push({ ...e, id: nextSiteId(h.edits) }); });
        });
        children.push(into);
      } else if (this.editable) {
        const keep = button('Keep as a scenario', { id: 'scenario-keep' });
        keep.addEventListener('click', () => {
          const name = doc.name || `Suggested: ${formatNumber(sites.length)} new ${label}`;
          this.preview = null;
          this.createAndOpen({ ...newScenario(name, this.ids ?? []), description: doc.description, edits: adds });
        });
        children.push(keep);
      } else {
        children.push(el('p', { class: 'note' }, 'Editing rights are needed to keep these as a scenario.'));
      }
    }
    box.replaceChildren(...children);
  }
}

/** A saved scenario in the list: "Hub in Bowling (version 3, 2 edits)". */
function listLabel(name, version, edits) {
  return `${name} (version ${version}, ${edits === 1 ? '1 edit' : `${formatNumber(Number(edits))} edits`})`;
}

/** The chosen sites of a suggestion answer (`GET /api/suggest`): [{ name, lon, lat, gain, unit }]. */
export function suggestedSites(result) {
  return (result?.sites ?? []).map((s) => ({
    name: s.name ?? s.candidate_name ?? s.candidate_id,
    lon: s.lon,
    lat: s.lat,
    gain: typeof s.gain === 'number' && Number.isFinite(s.gain) ? s.gain : null,
    unit: s.gain_unit ?? '',
  }));
}
