//! Typo-tolerant name matching for search.
//!
//! Names and queries are normalised (lower case, `&` as "and", anything
//! that is not a letter or digit as one space). A query then scores, in
//! this order:
//! - 1.0 when it equals the name;
//! - 0.95 when the name starts with it, 0.9 when a later word of the name
//!   does (so "keigh" finds "Keighley Central"), 0.85 when every word of
//!   the query starts a word of the name ("ilkley medical" finds "Ilkley
//!   Moor Medical Practice");
//! - otherwise `0.85 × s` where `s` is the normalised Damerau-Levenshtein
//!   similarity (`1 - edits / length of the longer text`, `strsim`) between
//!   the query and the name, or the best run of the name's words as many as
//!   the query's (so "bradfrod moor" finds "Bradford Moor" and "keighly"
//!   finds "Keighley Central"). Below [`MIN_SIMILARITY`] it is no match.
//!
//! Exact and prefix matches therefore always rank above typo matches.

/// The least similarity accepted as a typo of a name: one edit in four
/// characters (`1 - 1/4`).
pub const MIN_SIMILARITY: f64 = 0.75;

/// Weight of a typo match, below every exact or prefix match.
const TYPO_WEIGHT: f64 = 0.85;

/// `text` for matching: lower case, `&` as "and", words of letters and
/// digits separated by one space.
///
/// ```
/// use needmap::serve::fuzzy::normalise;
/// assert_eq!(normalise("  Keighley & Shipley "), "keighley and shipley");
/// assert_eq!(normalise("St. Mary's"), "st mary s");
/// ```
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.replace('&', " and ").to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// How well the normalised `query` matches the normalised `name`: 0 (no
/// match) to 1 (equal); see the module notes.
pub fn score(query: &str, name: &str) -> f64 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    if query == name {
        return 1.0;
    }
    if name.starts_with(query) {
        return 0.95;
    }
    if name.match_indices(query).any(|(i, _)| i == 0 || name.as_bytes()[i - 1] == b' ') {
        return 0.9;
    }
    let words: Vec<&str> = name.split(' ').collect();
    if query.split(' ').all(|q| words.iter().any(|w| w.starts_with(q))) {
        return 0.85;
    }
    let best = typo_similarity(query, name);
    if best >= MIN_SIMILARITY {
        TYPO_WEIGHT * best
    } else {
        0.0
    }
}

/// The best normalised Damerau-Levenshtein similarity between `query` and
/// `name` or a run of `name`'s words as many as `query`'s.
fn typo_similarity(query: &str, name: &str) -> f64 {
    let mut best = strsim::normalized_damerau_levenshtein(query, name);
    let words: Vec<&str> = name.split(' ').collect();
    let n = query.split(' ').count();
    if n < words.len() {
        for run in words.windows(n) {
            best = best.max(strsim::normalized_damerau_levenshtein(query, &run.join(" ")));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_beats_prefix_beats_typo() {
        let name = normalise("Keighley Central");
        assert_eq!(score("keighley central", &name), 1.0);
        assert_eq!(score("keigh", &name), 0.95);
        assert_eq!(score("central", &name), 0.9);
        let typo = score("keighly central", &name);
        // One edit in 16 characters: 0.85 x 15/16.
        assert!((typo - TYPO_WEIGHT * 15.0 / 16.0).abs() < 1e-12, "{typo}");
        let word_typo = score("keighly", &name);
        assert!(word_typo > 0.7 && word_typo < 0.9, "{word_typo}");
    }

    #[test]
    fn transpositions_are_one_edit() {
        let s = score("bradfrod moor", &normalise("Bradford Moor"));
        assert!((s - TYPO_WEIGHT * (1.0 - 1.0 / 13.0)).abs() < 1e-12, "{s}");
    }

    #[test]
    fn unrelated_names_do_not_match() {
        assert_eq!(score("ilkley", &normalise("Tong")), 0.0);
        assert_eq!(score("zzz", &normalise("Bradford Moor")), 0.0);
        assert_eq!(score("", &normalise("Tong")), 0.0);
        assert_eq!(score("ilkley medical", &normalise("Ilkley Moor Medical Practice")), 0.85);
        // Part of a word in the middle is not a word prefix.
        assert_eq!(score("ford", &normalise("Bradford Moor")), 0.0);
    }
}
