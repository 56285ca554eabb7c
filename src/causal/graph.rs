//! A causal DAG over named variables: parsing, validation and a topological order.

use crate::error::{Error, Result};

/// A directed acyclic graph over named variables. `parents[i]` lists the parents of variable
/// `i` (indices into `names`).
///
/// # Examples
/// ```
/// use flowppl::causal::CausalGraph;
/// # fn main() -> flowppl::Result<()> {
/// let names: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
/// let graph = CausalGraph::parse(&names, "x->y, y->z")?;
/// assert_eq!(graph.parents(2), &[1]); // z's parent is y
/// assert!(graph.is_descendant(2, 0)); // z descends from x
/// assert_eq!(graph.order(), vec![0, 1, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CausalGraph {
    names: Vec<String>,
    parents: Vec<Vec<usize>>,
}

impl CausalGraph {
    /// The graph on `names` with the edges of `text`: `"a->b, a->c"` (commas, semicolons or
    /// newlines between edges; `#` starts a comment line). Every name in an edge must be one
    /// of `names`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming an unknown variable, a malformed edge, a self-loop or a
    /// cycle (with its variables).
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["c", "b", "a"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "a->b; a->c\n# a comment\nb->c")?;
    /// assert_eq!(graph.parents(0), &[1, 2]); // c has parents b and a
    /// let cycle = CausalGraph::parse(&names, "a->b, b->a").unwrap_err();
    /// assert!(cycle.to_string().contains("cycle"));
    /// assert!(CausalGraph::parse(&names, "a->w").is_err()); // unknown variable
    /// assert!(CausalGraph::parse(&names, "a-b").is_err()); // malformed edge
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(names: &[String], text: &str) -> Result<Self> {
        let mut graph = CausalGraph::empty(names)?;
        for raw in text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split([',', ';']))
        {
            let edge = raw.trim();
            if edge.is_empty() {
                continue;
            }
            let (from, to) = edge.split_once("->").ok_or_else(|| Error::InvalidConfig {
                what: format!("graph edge `{edge}`"),
                message: "expected `parent->child`".into(),
            })?;
            graph.add_edge(from.trim(), to.trim())?;
        }
        graph.check_acyclic()?;
        Ok(graph)
    }

    /// The graph in which each variable's parents are all the variables before it in `order`
    /// (CAREFL: only a causal order is known).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for an order that is not a permutation of `names`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
    /// let order: Vec<String> = ["z", "x", "y"].map(String::from).to_vec();
    /// let graph = CausalGraph::from_order(&names, &order)?;
    /// assert_eq!(graph.parents(1), &[0, 2]); // y comes after z and x
    /// assert!(graph.parents(2).is_empty()); // z comes first
    /// assert!(CausalGraph::from_order(&names, &order[..2]).is_err()); // not a permutation
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_order(names: &[String], order: &[String]) -> Result<Self> {
        let mut graph = CausalGraph::empty(names)?;
        let mut sorted_order = order.to_vec();
        sorted_order.sort();
        let mut sorted_names = names.to_vec();
        sorted_names.sort();
        if sorted_order != sorted_names {
            return Err(Error::InvalidConfig {
                what: "causal order".into(),
                message: format!(
                    "must list every variable exactly once ({}), got {}",
                    names.join(", "),
                    order.join(", ")
                ),
            });
        }
        for (k, child) in order.iter().enumerate() {
            for parent in &order[..k] {
                graph.add_edge(parent, child)?;
            }
        }
        Ok(graph)
    }

    fn empty(names: &[String]) -> Result<Self> {
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(Error::InvalidConfig {
                    what: format!("variable {}", i + 1),
                    message: "has an empty name".into(),
                });
            }
            if names[..i].contains(name) {
                return Err(Error::InvalidConfig {
                    what: format!("variable `{name}`"),
                    message: "is named twice".into(),
                });
            }
        }
        Ok(CausalGraph {
            names: names.to_vec(),
            parents: vec![Vec::new(); names.len()],
        })
    }

    fn add_edge(&mut self, from: &str, to: &str) -> Result<()> {
        let (a, b) = (self.index(from)?, self.index(to)?);
        if a == b {
            return Err(Error::InvalidConfig {
                what: format!("graph edge `{from}->{to}`"),
                message: "a variable cannot cause itself".into(),
            });
        }
        if !self.parents[b].contains(&a) {
            self.parents[b].push(a);
            self.parents[b].sort_unstable();
        }
        Ok(())
    }

    fn check_acyclic(&self) -> Result<()> {
        if self.topological_order().len() == self.names.len() {
            return Ok(());
        }
        let placed = self.topological_order();
        let cycle: Vec<&str> = (0..self.names.len())
            .filter(|i| !placed.contains(i))
            .map(|i| self.names[i].as_str())
            .collect();
        Err(Error::InvalidConfig {
            what: "causal graph".into(),
            message: format!("has a cycle through {}", cycle.join(", ")),
        })
    }

    /// Kahn's algorithm; ties broken by the variables' order, so the result is deterministic.
    /// On a cyclic graph, the variables that could be placed.
    fn topological_order(&self) -> Vec<usize> {
        let n = self.names.len();
        let mut remaining: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        while let Some(next) = (0..n).find(|&i| !placed[i] && remaining[i] == 0) {
            placed[next] = true;
            order.push(next);
            for (child, parents) in self.parents.iter().enumerate() {
                if parents.contains(&next) {
                    remaining[child] -= 1;
                }
            }
        }
        order
    }

    /// The variables in a causal (topological) order.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["c", "b", "a"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "a->b, b->c")?;
    /// let order: Vec<&str> = graph.order().iter().map(|&i| graph.names()[i].as_str()).collect();
    /// assert_eq!(order, ["a", "b", "c"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn order(&self) -> Vec<usize> {
        self.topological_order()
    }

    /// The variable names.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["age", "dose"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "age->dose")?;
    /// assert_eq!(graph.names(), ["age", "dose"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The parents of variable `i`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "c->b, a->b")?;
    /// assert_eq!(graph.parents(1), &[0, 2]); // sorted indices
    /// assert!(graph.parents(0).is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn parents(&self, i: usize) -> &[usize] {
        &self.parents[i]
    }

    /// The index of `name`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the unknown variable and the known ones.
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["a", "b"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "a->b")?;
    /// assert_eq!(graph.index("b")?, 1);
    /// let error = graph.index("w").unwrap_err();
    /// assert!(error.to_string().contains("is not one of a, b"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::InvalidConfig {
                what: format!("variable `{name}`"),
                message: format!("is not one of {}", self.names.join(", ")),
            })
    }

    /// Whether `descendant` is reachable from `ancestor` along edges (a variable is its own
    /// descendant).
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "a->b, b->c")?;
    /// assert!(graph.is_descendant(2, 0)); // a -> b -> c
    /// assert!(!graph.is_descendant(0, 2));
    /// assert!(graph.is_descendant(1, 1)); // a variable is its own descendant
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_descendant(&self, descendant: usize, ancestor: usize) -> bool {
        if descendant == ancestor {
            return true;
        }
        self.parents[descendant]
            .iter()
            .any(|&p| self.is_descendant(p, ancestor))
    }

    /// The edges as `parent->child` text (the format [`CausalGraph::parse`] reads).
    ///
    /// # Examples
    /// ```
    /// use flowppl::causal::CausalGraph;
    /// # fn main() -> flowppl::Result<()> {
    /// let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    /// let graph = CausalGraph::parse(&names, "b->c; a->c")?;
    /// assert_eq!(graph.to_text(), "a->c, b->c");
    /// assert_eq!(CausalGraph::parse(&names, &graph.to_text())?, graph);
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_text(&self) -> String {
        let mut edges = Vec::new();
        for (child, parents) in self.parents.iter().enumerate() {
            for &p in parents {
                edges.push(format!("{}->{}", self.names[p], self.names[child]));
            }
        }
        edges.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_edges_and_orders_the_variables() {
        let g = CausalGraph::parse(&names(&["c", "b", "a"]), "a->b; a->c, b->c").unwrap();
        let order: Vec<&str> = g.order().iter().map(|&i| g.names()[i].as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(g.parents(0), &[1, 2]);
        assert!(g.is_descendant(0, 2) && !g.is_descendant(2, 0));
        let again = CausalGraph::parse(g.names(), &g.to_text()).unwrap();
        assert_eq!(again, g);
    }

    #[test]
    fn bad_graphs_are_errors_that_name_the_problem() {
        let n = names(&["x", "y", "z"]);
        let cycle = CausalGraph::parse(&n, "x->y, y->z, z->y").unwrap_err();
        assert!(cycle.to_string().contains("cycle through y, z"), "{cycle}");
        let unknown = CausalGraph::parse(&n, "x->w").unwrap_err();
        assert!(unknown.to_string().contains("`w`"), "{unknown}");
        let malformed = CausalGraph::parse(&n, "x-y").unwrap_err();
        assert!(malformed.to_string().contains("x-y"), "{malformed}");
        assert!(CausalGraph::parse(&n, "x->x").is_err());
        assert!(CausalGraph::parse(&names(&["x", "x"]), "").is_err());
        let order = CausalGraph::from_order(&n, &names(&["x", "y"])).unwrap_err();
        assert!(order.to_string().contains("exactly once"), "{order}");
        let full = CausalGraph::from_order(&n, &names(&["z", "x", "y"])).unwrap();
        assert_eq!(full.parents(1), &[0, 2]);
    }
}
