// Errors in plain words for the people using the map (the technical detail goes to the console).
// Pure function: unit-tested with node --test.

/**
 * A short sentence about a failed request. `what` names what was being loaded ("the ward
 * areas"). Never a URL, a status code or a command to run.
 */
export function plainError(error, what = 'the data') {
  const status = error?.status;
  if (status === 0 || (!status && /fetch|network|reach/i.test(error?.message ?? ''))) {
    return `Could not reach the map server to load ${what}. Check your connection and reload the page.`;
  }
  if (status === 404) return `The map server has no ${what.replace(/^the /, '')}.`;
  if (status === 400 || status === 422) return `The map server could not load ${what} for these choices. Try other choices.`;
  if (status === 413 || status === 429 || status === 503) return `The map server is busy. Wait a moment and try again to load ${what}.`;
  return `Something went wrong loading ${what}. Reload the page to try again.`;
}

/**
 * A server note for people: sentences that tell the reader to run a command (`needmap check`)
 * or that quote code in backticks are left out.
 */
export function plainNote(text) {
  return String(text ?? '').split(/(?<=[.;])\s+/)
    .filter((x) => x && !/`|needmap\s+\w+/i.test(x))
    .join(' ').trim();
}
