//! The solver shared by both objectives: greedy selection, then
//! interchange (swap one chosen site for one unchosen candidate) until no
//! swap improves.
//!
//! Both objectives are a facility-location loss with fixed existing sites:
//! every origin `i` with demand `w_i` pays `min(base_i, min_{j in S} c_ij)`,
//! where `base_i` is what the existing sites give it (p-median: the cost to
//! the nearest existing site; covering: 1 when no existing site is within
//! the threshold, else 0, and `c_ij = 0` within the threshold). Only pairs
//! with `c_ij < base_i` matter, so each candidate keeps just those (found
//! through an R-tree), never a dense matrix. The loss is supermodular, so
//! greedy gains never increase; interchange then removes most of greedy's
//! shortfall from the optimum (checked against exact PySAL spopt solutions
//! in `tests/it/suggest.rs`).

/// One instance: demand, what existing sites give, and each candidate's reach.
#[derive(Debug, Clone, Default)]
pub struct Problem {
    /// Demand per origin.
    pub weight: Vec<f64>,
    /// Per origin: its cost with the existing sites alone.
    pub base: Vec<f64>,
    /// Per candidate: (origin, cost) for the origins where it beats `base`.
    pub pairs: Vec<Vec<(u32, f64)>>,
}

/// The chosen candidates, in greedy order of the final set.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Candidate positions.
    pub chosen: Vec<usize>,
    /// Loss reduction of each chosen candidate given the ones before it.
    pub gains: Vec<f64>,
    /// Loss with existing sites only.
    pub loss_before: f64,
    /// Loss with the chosen sites added.
    pub loss_after: f64,
    /// Loss after greedy alone (before interchange).
    pub greedy_loss: f64,
    /// Improving swaps made.
    pub swaps: usize,
}

/// Passes of interchange at most (each makes the best improving swap).
const MAX_SWAPS: usize = 10_000;

impl Problem {
    /// An instance; each candidate's pairs are put in origin order.
    pub fn new(weight: Vec<f64>, base: Vec<f64>, mut pairs: Vec<Vec<(u32, f64)>>) -> Problem {
        for p in &mut pairs {
            p.sort_unstable_by_key(|x| x.0);
        }
        Problem { weight, base, pairs }
    }

    /// Lower the per-origin costs `d` to what candidate `j` offers.
    fn open(&self, j: usize, d: &mut [f64]) {
        for &(i, c) in &self.pairs[j] {
            let slot = &mut d[i as usize];
            if c < *slot {
                *slot = c;
            }
        }
    }

    /// Per-origin cost with `chosen` open (and the existing sites).
    pub fn costs(&self, chosen: impl IntoIterator<Item = usize>) -> Vec<f64> {
        let mut d = self.base.clone();
        for j in chosen {
            self.open(j, &mut d);
        }
        d
    }

    /// Total loss of per-origin costs `d`.
    pub fn loss_of(&self, d: &[f64]) -> f64 {
        self.weight.iter().zip(d).map(|(w, c)| w * c).sum()
    }

    /// Total loss with `chosen` open.
    pub fn loss(&self, chosen: &[usize]) -> f64 {
        self.loss_of(&self.costs(chosen.iter().copied()))
    }

    /// How much opening candidate `j` lowers the loss from per-origin costs `d`.
    pub fn gain(&self, j: usize, d: &[f64]) -> f64 {
        self.pairs[j]
            .iter()
            .map(|&(i, c)| {
                let i = i as usize;
                if c < d[i] {
                    self.weight[i] * (d[i] - c)
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// The best candidate not in `chosen` from costs `d` (lowest index on ties).
    fn best(&self, d: &[f64], chosen: &[usize]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for j in 0..self.pairs.len() {
            if chosen.contains(&j) {
                continue;
            }
            let g = self.gain(j, d);
            if best.is_none_or(|(_, b)| g > b) {
                best = Some((j, g));
            }
        }
        best
    }

    /// Greedy order of a set: each next site is the one of `set` with the largest gain.
    pub fn greedy_order(&self, set: &[usize]) -> (Vec<usize>, Vec<f64>) {
        let mut d = self.base.clone();
        let mut left: Vec<usize> = set.to_vec();
        let (mut order, mut gains) = (Vec::new(), Vec::new());
        while !left.is_empty() {
            let mut best = (0, f64::NEG_INFINITY);
            for (p, &j) in left.iter().enumerate() {
                let g = self.gain(j, &d);
                if g > best.1 {
                    best = (p, g);
                }
            }
            let (pos, g) = best;
            let j = left.remove(pos);
            self.open(j, &mut d);
            order.push(j);
            gains.push(g);
        }
        (order, gains)
    }
}

/// Choose up to `add` candidates: greedy, then best-improvement interchange
/// until no swap lowers the loss. Stops adding early when no candidate
/// lowers the loss any more (the solution then has fewer sites).
pub fn solve(p: &Problem, add: usize) -> Solution {
    let loss_before = p.loss_of(&p.base);
    let mut d = p.base.clone();
    let mut chosen: Vec<usize> = Vec::with_capacity(add);
    for _ in 0..add {
        match p.best(&d, &chosen) {
            Some((j, g)) if g > 0.0 => {
                p.open(j, &mut d);
                chosen.push(j);
            }
            _ => break,
        }
    }
    let greedy_loss = p.loss(&chosen);
    let mut loss = greedy_loss;
    let mut swaps = 0;
    while swaps < MAX_SWAPS && !chosen.is_empty() {
        let tolerance = 1e-10 * loss.abs().max(1.0);
        let mut best: Option<(usize, usize, f64)> = None;
        for pos in 0..chosen.len() {
            let others = chosen.iter().enumerate().filter(|(q, _)| *q != pos).map(|(_, &j)| j);
            let d_minus = p.costs(others);
            let loss_minus = p.loss_of(&d_minus);
            for j in 0..p.pairs.len() {
                if chosen.contains(&j) {
                    continue;
                }
                let l = loss_minus - p.gain(j, &d_minus);
                if l < loss - tolerance && best.is_none_or(|(_, _, b)| l < b) {
                    best = Some((pos, j, l));
                }
            }
        }
        let Some((pos, j, _)) = best else { break };
        chosen[pos] = j;
        loss = p.loss(&chosen);
        swaps += 1;
    }
    let (order, gains) = p.greedy_order(&chosen);
    Solution {
        loss_after: p.loss(&order),
        chosen: order,
        gains,
        loss_before,
        greedy_loss,
        swaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Greedy takes the big set X = {0,1,2,3}; the optimum for two sites is Y + Z.
    #[test]
    fn interchange_fixes_greedy() {
        let cover = |o: &[u32]| o.iter().map(|&i| (i, 0.0)).collect::<Vec<_>>();
        let p = Problem {
            weight: vec![1.0; 6],
            base: vec![1.0; 6],
            pairs: vec![cover(&[0, 1, 2, 3]), cover(&[0, 1, 4]), cover(&[2, 3, 5])],
        };
        let s = solve(&p, 2);
        assert_eq!(s.loss_before, 6.0);
        assert_eq!(s.greedy_loss, 1.0);
        assert_eq!(s.loss_after, 0.0);
        assert_eq!(s.swaps, 1);
        let mut c = s.chosen.clone();
        c.sort();
        assert_eq!(c, vec![1, 2]);
        assert_eq!(s.gains, vec![3.0, 3.0]);
    }

    #[test]
    fn stops_when_nothing_helps() {
        let p = Problem { weight: vec![1.0], base: vec![0.0], pairs: vec![vec![], vec![]] };
        let s = solve(&p, 2);
        assert!(s.chosen.is_empty());
        assert_eq!(s.loss_after, 0.0);
    }
}
