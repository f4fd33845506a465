// The validation report table of one submission: a row per uploaded row with its state, its
// values and the messages naming each field; an Edit button that opens the row's fields in
// place (Save fix sends only what changed); duplicate candidates side by side with Merge,
// Keep and Leave out buttons. `actions` are { fix(row, fields), decide(row, decision) },
// each returning a promise; the page redraws the report from the answer.
import { el, fill } from './dom.js';
import { reportRows, shownFields, fieldLabel, messageLine, fixChanges, decisionWords, isOpen } from './report.js';
import { stateWord } from './words.js';
import { formatNumber, formatDistance } from '../format.js';

/** Draw `submission`'s report into `table` (thead + tbody). `editable`: open and allowed. */
export function drawReport(table, submission, actions, { editable = isOpen(submission) } = {}) {
  const fields = shownFields(submission);
  const head = el('tr', {},
    el('th', { scope: 'col' }, 'Row'),
    el('th', { scope: 'col' }, 'State'),
    fields.map((f) => el('th', { scope: 'col' }, fieldLabel(f))),
    el('th', { scope: 'col' }, 'Messages'),
    editable ? el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, 'Actions')) : null);
  fill(table.tHead, head);
  const body = table.tBodies[0];
  const rows = [];
  const span = fields.length + 3 + (editable ? 1 : 0);
  for (const r of reportRows(submission)) {
    const flagged = new Map();
    for (const m of r.messages) if (!flagged.has(m.field) || m.severity === 'error') flagged.set(m.field, m.severity);
    const tr = el('tr', { class: `state-${r.state}`, 'data-row': r.row },
      el('th', { scope: 'row' }, formatNumber(r.row)),
      el('td', {}, el('span', { class: `badge badge-${r.state}` }, stateWord(r.state))),
      fields.map((f) => el('td', { class: flagged.has(f) ? `flag-${flagged.get(f)}` : null, 'data-field': f }, r.values[f] ?? '')),
      el('td', { class: 'messages' },
        r.messages.length ? el('ul', {}, r.messages.map((m) => el('li', { class: `msg-${m.severity}`, 'data-field': m.field }, messageLine(m)))) : ''),
      editable ? el('td', {}, el('button', { type: 'button', class: 'edit-row', 'aria-label': `Edit row ${r.row}` }, 'Edit')) : null);
    rows.push(tr);
    let editor = null;
    if (editable) {
      tr.querySelector('.edit-row').addEventListener('click', () => {
        if (editor) { editor.querySelector('input')?.focus(); return; }
        editor = editRow(r, fields, span, actions, () => { editor.remove(); editor = null; });
        tr.after(editor);
        editor.querySelector('input')?.focus();
      });
    }
    for (const d of r.duplicates) rows.push(duplicateRow(r, d, span, actions, editable));
  }
  fill(body, rows);
}

function editRow(r, fields, span, actions, close) {
  const inputs = {};
  const status = el('p', { class: 'error', role: 'alert' });
  const grid = el('div', { class: 'edit-grid' }, fields.map((f) => {
    const id = `fix-${r.row}-${f}`;
    inputs[f] = el('input', { id, name: f, value: r.values[f] ?? '', autocomplete: 'off' });
    return el('div', { class: 'field' }, el('label', { for: id }, `${fieldLabel(f)} (row ${r.row})`), inputs[f]);
  }));
  const save = el('button', { type: 'submit', class: 'save-fix' }, `Save fix of row ${r.row}`);
  const cancel = el('button', { type: 'button', class: 'cancel-fix', onclick: close }, 'Cancel');
  const form = el('form', { class: 'fix-form', 'aria-label': `Fix row ${r.row}` }, grid, el('div', { class: 'actions' }, save, cancel), status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const edited = Object.fromEntries(Object.entries(inputs).map(([f, i]) => [f, i.value]));
    const changes = fixChanges(r.values, edited);
    if (!Object.keys(changes).length) { status.textContent = 'Nothing changed: edit a field first.'; return; }
    save.disabled = true;
    status.textContent = '';
    try {
      await actions.fix(r.row, changes);
    } catch (e) {
      status.textContent = e.words ?? e.message;
      save.disabled = false;
    }
  });
  return el('tr', { class: 'fix-row' }, el('td', { colspan: span }, form));
}

function side(title, s) {
  return el('div', { class: 'side' },
    el('h3', {}, title),
    el('dl', {},
      el('dt', {}, 'Name'), el('dd', {}, s.name ?? ''),
      el('dt', {}, 'Category'), el('dd', {}, s.category ?? ''),
      el('dt', {}, 'Postcode'), el('dd', {}, s.postcode ?? ''),
      el('dt', {}, 'Source'), el('dd', {}, s.source ?? '')));
}

function duplicateRow(r, d, span, actions, editable) {
  const other = d.of_service ? `Register service ${d.of_service}` : `Row ${formatNumber(d.of_row)} of this file`;
  const facts = [`${formatDistance(d.distance_m)} apart`, `name similarity ${formatNumber(d.similarity, 2)}`];
  if (d.same_postcode) facts.push('same postcode');
  if (d.identical) facts.push('every field the same');
  const status = el('p', { class: 'error', role: 'alert' });
  const decide = (decision) => async (ev) => {
    const b = ev.currentTarget;
    b.disabled = true;
    status.textContent = '';
    try { await actions.decide(r.row, decision); } catch (e) { status.textContent = e.words ?? e.message; b.disabled = false; }
  };
  const buttons = editable ? el('div', { class: 'actions' },
    d.of_service ? el('button', { type: 'button', class: 'decide-merge', onclick: decide(`merge:${d.of_service}`) }, `Merge into ${d.of_service}`) : null,
    el('button', { type: 'button', class: 'decide-keep', onclick: decide('keep') }, 'Keep as a new service'),
    el('button', { type: 'button', class: 'decide-skip', onclick: decide('skip') }, 'Leave out'),
    r.decision ? el('button', { type: 'button', class: 'decide-clear', onclick: decide(null) }, 'Undecide') : null) : null;
  return el('tr', { class: 'duplicate-row', 'data-row': r.row },
    el('td', { colspan: span },
      el('div', { class: 'pair', role: 'group', 'aria-label': `Row ${r.row} and ${other}, side by side` },
        side(`Row ${formatNumber(r.row)} (this file)`, d.this), side(other, d.that)),
      el('p', { class: 'note' }, `${facts.join(', ')}. Decision: ${decisionWords(r.decision)}.`),
      buttons, status));
}
