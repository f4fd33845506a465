// Search: asks the server (/api/search: areas of every level by name or code, services by
// name, postcodes; typo tolerant) and either goes to the one clear answer or offers a choice.
import { searchPlaces } from './api.js';

/**
 * What to do with a search answer: `{ kind: 'go', result }` when the server found one clear
 * answer, `{ kind: 'choose', results, more }` when it is ambiguous, `{ kind: 'none' }`.
 */
export function searchDecision(answer) {
  const results = Array.isArray(answer?.results) ? answer.results : [];
  if (results.length === 0) return { kind: 'none' };
  if (!answer.ambiguous) return { kind: 'go', result: results[0] };
  return { kind: 'choose', results, more: Number(answer.more) || 0 };
}

/** What a result is, in words: the level ("Ward"), the service category, or "Postcode". */
export function resultKind(result, levelLabel = (id) => id) {
  if (result.kind === 'postcode') return 'Postcode';
  if (result.kind === 'service') return result.category_label || 'Service';
  return levelLabel(result.level);
}

/** One line of the choice list: "Bradford 059D, Royds (LSOA)". */
export function resultText(result, levelLabel) {
  return `${result.label ?? result.name ?? result.code ?? ''} (${resultKind(result, levelLabel)})`;
}

/**
 * The search box: `box` (input), `go` (button), `status` (live text) and `choices` (a list
 * element). `levelLabel(id)` names levels; `onResult(result)` goes to a result.
 */
export class SearchBox {
  constructor({ box, go, status, choices, levelLabel, onResult }) {
    Object.assign(this, { box, status, choices, levelLabel, onResult });
    this.requests = 0;
    box.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); this.run(); } });
    go.addEventListener('click', () => this.run());
  }

  /** Search for the box's text and act on the answer. */
  async run() {
    const q = this.box.value.trim();
    this.choices.replaceChildren();
    this.choices.hidden = true;
    if (!q) return;
    const seq = ++this.requests;
    this.status.textContent = 'Searching…';
    let answer;
    try {
      answer = await searchPlaces(q);
    } catch (e) {
      if (seq === this.requests) this.status.textContent = 'Search is not available just now. Try again in a moment.';
      console.warn(e);
      return;
    }
    if (seq !== this.requests) return; // a newer search won
    const d = searchDecision(answer);
    if (d.kind === 'none') {
      this.status.textContent = `Nothing matches “${q}”. Try an area name or code, a service name or a full postcode.`;
    } else if (d.kind === 'go') {
      this.choose(d.result);
    } else {
      this.status.textContent = `${d.results.length}${d.more ? ` of ${d.results.length + d.more}` : ''} places match “${q}”: choose one.`;
      this.choices.replaceChildren(...d.results.map((r) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = resultText(r, this.levelLabel);
        b.addEventListener('click', () => this.choose(r));
        const li = document.createElement('li');
        li.append(b);
        return li;
      }));
      this.choices.hidden = false;
      this.choices.querySelector('button')?.focus();
    }
  }

  choose(result) {
    this.choices.replaceChildren();
    this.choices.hidden = true;
    this.status.textContent = resultText(result, this.levelLabel);
    this.onResult(result);
  }
}
