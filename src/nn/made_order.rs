//! The order in which an autoregressive network may fill its coordinates: a topological order
//! of its dependency graph (Kahn 1962, "Topological sorting of large networks").

use crate::error::{Error, Result};

/// A topological order of `adjacency` (`adjacency[i][j]`: `j` is a parent of `i`), by Kahn's
/// algorithm taking the smallest ready index first (so a DAG already in index order keeps it).
///
/// # Errors
/// [`Error::InvalidConfig`] naming the MADE when the graph has a cycle; a self-loop is one
/// (output `i` may not depend on input `i`).
pub(super) fn topological_order(name: &str, adjacency: &[Vec<bool>]) -> Result<Vec<usize>> {
    let d = adjacency.len();
    let mut missing_parents: Vec<usize> = adjacency
        .iter()
        .map(|row| row.iter().filter(|&&p| p).count())
        .collect();
    let mut placed = vec![false; d];
    let mut order = Vec::with_capacity(d);
    while order.len() < d {
        let Some(next) = (0..d).find(|&i| !placed[i] && missing_parents[i] == 0) else {
            return Err(Error::InvalidConfig {
                what: format!("MADE `{name}`"),
                message: "the adjacency has a cycle, so no autoregressive order exists".into(),
            });
        };
        placed[next] = true;
        order.push(next);
        for (i, row) in adjacency.iter().enumerate() {
            if row[next] && !placed[i] {
                missing_parents[i] -= 1;
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_first_and_index_order_is_kept_when_it_works() {
        // x2 -> x0 -> x1: row i lists the parents of i.
        let chain = vec![
            vec![false, false, true],
            vec![true, false, false],
            vec![false, false, false],
        ];
        assert_eq!(topological_order("m", &chain).unwrap(), vec![2, 0, 1]);
        let in_order = vec![
            vec![false; 3],
            vec![true, false, false],
            vec![true, true, false],
        ];
        assert_eq!(topological_order("m", &in_order).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn cycles_and_self_loops_are_errors_naming_the_made() {
        let cycle = vec![vec![false, true], vec![true, false]];
        let self_loop = vec![vec![true]];
        for adjacency in [cycle, self_loop] {
            let error = topological_order("net", &adjacency)
                .unwrap_err()
                .to_string();
            assert!(error.contains("net") && error.contains("cycle"), "{error}");
        }
    }
}
