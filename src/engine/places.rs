//! Where an area lies, in words: its ancestors through the `parent` chain,
//! and the place name that makes a statistical name readable
//! ("Bradford 059D" -> "Bradford 059D, Bradford Moor").

use super::Engine;

impl Engine {
    /// The area of level `target` that area `area` of `level` lies in,
    /// following the parent chain (largest overlap at each step); `None`
    /// when `target` is not an ancestor level or a link is missing.
    pub fn ancestor(&self, level: usize, area: usize, target: usize) -> Option<usize> {
        let (mut l, mut a) = (level, area);
        for _ in 0..self.levels.len() {
            let here = &self.levels[l];
            let (p, pa) = (here.parent_level?, (*here.parent.get(a)?)?);
            if p == target {
                return Some(pa);
            }
            (l, a) = (p, pa);
        }
        None
    }

    /// The name of the place area `area` of `level` lies in, for areas whose
    /// own name is statistical (it contains a digit, such as "Bradford 059D",
    /// or the area has only a code): the nearest ancestor whose name has no
    /// digit. `None` for areas with a place name of their own (wards,
    /// constituencies) and when no ancestor has one.
    pub fn place_of(&self, level: usize, area: usize) -> Option<&str> {
        let own = &self.levels[level].areas.get(area)?.name;
        if !is_statistical_name(own) {
            return None;
        }
        let (mut l, mut a) = (level, area);
        for _ in 0..self.levels.len() {
            let here = &self.levels[l];
            let (p, pa) = (here.parent_level?, (*here.parent.get(a)?)?);
            let name = &self.levels[p].areas[pa].name;
            if !is_statistical_name(name) {
                return Some(name);
            }
            (l, a) = (p, pa);
        }
        None
    }

    /// The area's name with its place: "Bradford 059D, Bradford Moor", or
    /// the name alone when [`Engine::place_of`] has none.
    pub fn name_with_place(&self, level: usize, area: usize) -> String {
        let name = self.levels[level].areas.get(area).map(|a| a.name.as_str()).unwrap_or("");
        match self.place_of(level, area) {
            Some(place) => format!("{name}, {place}"),
            None => name.to_string(),
        }
    }
}

/// A name made for statistics rather than a place: empty, or containing a
/// digit ("Bradford 059D", "E00053251").
pub fn is_statistical_name(name: &str) -> bool {
    name.trim().is_empty() || name.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::is_statistical_name;

    #[test]
    fn statistical_names_have_digits() {
        assert!(is_statistical_name("Bradford 059D"));
        assert!(is_statistical_name("E00053251"));
        assert!(is_statistical_name(""));
        assert!(!is_statistical_name("Bradford Moor"));
        assert!(!is_statistical_name("Keighley & Shipley"));
    }
}
