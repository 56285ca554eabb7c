//! [`ParamStore`]: named, runtime-shaped, learnable tensors.

use super::init::Init;
use super::snapshot::{ParamSnapshot, SnapshotEntry};
use crate::backend::{real, Backend, Cpu, Gradients, Graph, Matrix, Real, Rng, Var};
use crate::error::{Error, Result};
use dfdx::shapes::HasShape;
use std::collections::HashMap;

struct Entry<E: Real, D: Backend<E>> {
    name: String,
    tensor: Matrix<E, D>,
    uid: u64,
    /// A fresh number after every change of the values (process-wide unique), so that a host
    /// copy kept elsewhere (the host Adam's) knows whether it is still current.
    version: u64,
    /// The values in host memory, when the host optimizer left them there at the current
    /// version (cleared by every other change), so that host kernels read them without a copy.
    host: Option<std::sync::Arc<crate::backend::HostMirror<E>>>,
}

impl<E: Real, D: Backend<E>> Clone for Entry<E, D> {
    fn clone(&self) -> Self {
        Entry {
            name: self.name.clone(),
            tensor: self.tensor.clone(),
            uid: self.uid,
            version: self.version,
            host: self.host.clone(),
        }
    }
}

/// Named learnable parameters, each a `(rows, columns)` tensor on the store's device.
///
/// ```
/// use flowppl::prelude::*;
/// use flowppl::params::{Init, ParamStore};
/// let mut store = ParamStore::<f32, Cpu>::new(&Cpu::default());
/// let mut rng = flowppl::backend::rng::seeded(0);
/// store.get_or_init("loc", 1, 3, &Init::Zeros, &mut rng).unwrap();
/// let graph = Graph::new(store.device());
/// let loc = store.var(&graph, "loc").unwrap();
/// let loss = (&loc - 1.0).square().sum();
/// let mut grads = loss.backward().unwrap();
/// assert_eq!(store.gradient(&mut grads, "loc").unwrap(), vec![-2.0; 3]);
/// ```
pub struct ParamStore<E: Real = f32, D: Backend<E> = Cpu> {
    device: D,
    entries: Vec<Entry<E, D>>,
    index: HashMap<String, usize>,
    /// When set, no parameter may be created (see [`ParamStore::freeze`]).
    frozen: bool,
}

impl<E: Real, D: Backend<E>> Clone for ParamStore<E, D> {
    /// A copy whose tensors share storage with the original until either is updated
    /// (updates are copy-on-write).
    fn clone(&self) -> Self {
        ParamStore {
            device: self.device.clone(),
            entries: self.entries.clone(),
            index: self.index.clone(),
            frozen: self.frozen,
        }
    }
}

impl<E: Real, D: Backend<E>> ParamStore<E, D> {
    /// An empty store on `device`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// let store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// assert!(store.is_empty());
    /// assert_eq!((store.len(), store.num_values()), (0, 0));
    /// ```
    pub fn new(device: &D) -> Self {
        ParamStore {
            device: device.clone(),
            entries: Vec::new(),
            index: HashMap::new(),
            frozen: false,
        }
    }

    /// Forbids (or allows again) creating parameters: with a frozen store, initialising a model
    /// checks that every parameter it needs is present with its shape, without allocating
    /// anything. Loaders freeze the store they restored from a file, so that a file claiming
    /// a huge architecture is refused instead of allocated.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[1.0])?;
    /// store.freeze(true);
    /// store.insert("w", 1, 1, &[2.0])?; // present parameters can still change
    /// assert!(matches!(store.insert("new", 1, 1, &[0.0]), Err(Error::UnknownParameter { .. })));
    /// store.freeze(false);
    /// assert!(store.insert("new", 1, 1, &[0.0]).is_ok());
    /// # Ok(())
    /// # }
    /// ```
    pub fn freeze(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// The device parameters live on.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[1.0])?;
    /// let graph = Graph::new(store.device()); // a graph on the parameters' device
    /// assert!(store.var(&graph, "w")?.is_recorded());
    /// # Ok(())
    /// # }
    /// ```
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Number of parameters.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 2, 3, &[0.0; 6])?;
    /// store.insert("b", 1, 3, &[0.0; 3])?;
    /// assert_eq!(store.len(), 2); // parameters, not entries
    /// # Ok(())
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store is empty.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// assert!(store.is_empty());
    /// store.insert("w", 1, 1, &[0.0])?;
    /// assert!(!store.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total number of scalar entries over all parameters.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 2, 3, &[0.0; 6])?;
    /// store.insert("b", 1, 3, &[0.0; 3])?;
    /// assert_eq!(store.num_values(), 9);
    /// # Ok(())
    /// # }
    /// ```
    pub fn num_values(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.tensor.shape().0 * e.tensor.shape().1)
            .sum()
    }

    /// Parameter names in insertion order.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[0.0])?;
    /// store.insert("b", 1, 1, &[0.0])?;
    /// assert_eq!(store.names().collect::<Vec<_>>(), ["w", "b"]); // insertion order
    /// # Ok(())
    /// # }
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// Whether `name` is present.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[0.0])?;
    /// assert!(store.contains("w"));
    /// assert!(!store.contains("b"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The shape of parameter `name`.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 2, 3, &[0.0; 6])?;
    /// assert_eq!(store.shape("w")?, (2, 3));
    /// assert!(matches!(store.shape("b"), Err(Error::UnknownParameter { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn shape(&self, name: &str) -> Result<(usize, usize)> {
        Ok(*self.entry(name)?.tensor.shape())
    }

    /// Creates `name` with `init` unless it exists; an existing parameter keeps its values.
    ///
    /// # Errors
    /// [`Error::ParameterShape`] when it exists with another shape; errors of `init`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// let mut rng = flowppl::backend::rng::seeded(0);
    /// store.get_or_init("w", 2, 2, &Init::Constant(3.0), &mut rng)?;
    /// store.get_or_init("w", 2, 2, &Init::Zeros, &mut rng)?; // present: keeps its values
    /// assert_eq!(store.values("w")?, vec![3.0; 4]);
    /// assert!(matches!(
    ///     store.get_or_init("w", 1, 4, &Init::Zeros, &mut rng),
    ///     Err(Error::ParameterShape { .. })
    /// ));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_or_init(
        &mut self,
        name: &str,
        rows: usize,
        columns: usize,
        init: &Init,
        rng: &mut Rng,
    ) -> Result<()> {
        if let Some(&i) = self.index.get(name) {
            let found = *self.entries[i].tensor.shape();
            if found != (rows, columns) {
                return Err(Error::ParameterShape {
                    name: name.to_string(),
                    expected: found,
                    found: (rows, columns),
                });
            }
            return Ok(());
        }
        self.refuse_if_frozen(name)?;
        let values = init.values(name, rows, columns, rng)?;
        self.insert(name, rows, columns, &values)
    }

    /// Sets `name` to `values` (row-major), creating it if needed.
    ///
    /// # Errors
    /// [`Error::ParameterShape`] when it exists with another shape; [`Error::InvalidShape`] for a
    /// wrong number of values; [`Error::NonFinite`] for NaN or infinite values.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// store.insert("w", 1, 2, &[3.0, 4.0])?; // overwrites in place
    /// assert_eq!(store.values("w")?, vec![3.0, 4.0]);
    /// assert!(matches!(store.insert("w", 2, 1, &[0.0, 0.0]), Err(Error::ParameterShape { .. })));
    /// assert!(matches!(store.insert("v", 1, 2, &[0.0]), Err(Error::InvalidShape { .. })));
    /// assert!(matches!(store.insert("v", 1, 1, &[f64::NAN]), Err(Error::NonFinite { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn insert(
        &mut self,
        name: &str,
        rows: usize,
        columns: usize,
        values: &[f64],
    ) -> Result<()> {
        if rows.checked_mul(columns) != Some(values.len()) {
            return Err(Error::invalid_shape(
                "ParamStore::insert",
                format!(
                    "parameter `{name}`: {} values for {rows}x{columns}",
                    values.len()
                ),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: format!("initial values of parameter `{name}`"),
            });
        }
        let data: Vec<E> = values.iter().map(|&v| real(v)).collect();
        match self.index.get(name) {
            Some(&i) => {
                let found = *self.entries[i].tensor.shape();
                if found != (rows, columns) {
                    return Err(Error::ParameterShape {
                        name: name.to_string(),
                        expected: found,
                        found: (rows, columns),
                    });
                }
                // In place: the tensor keeps its identity.
                self.entries[i].tensor.copy_from(&data);
                self.entries[i].version = crate::backend::var_uid();
                self.entries[i].host = None;
            }
            None => {
                self.refuse_if_frozen(name)?;
                let tensor = self.device.tensor_from_vec(data, (rows, columns));
                self.index.insert(name.to_string(), self.entries.len());
                self.entries.push(Entry {
                    name: name.to_string(),
                    tensor,
                    uid: crate::backend::var_uid(),
                    version: crate::backend::var_uid(),
                    host: None,
                });
            }
        }
        Ok(())
    }

    fn refuse_if_frozen(&self, name: &str) -> Result<()> {
        if self.frozen {
            return Err(Error::UnknownParameter {
                name: name.to_string(),
                hint: "; the loaded parameters do not include it: the file does not fit the \
                       architecture it describes"
                    .into(),
            });
        }
        Ok(())
    }

    /// Removes `name`, returning whether it was present.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[0.0])?;
    /// store.insert("b", 1, 1, &[1.0])?;
    /// assert!(store.remove("w"));
    /// assert!(!store.remove("w")); // already gone
    /// assert_eq!(store.names().collect::<Vec<_>>(), ["b"]);
    /// assert_eq!(store.values("b")?, vec![1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(i) = self.index.remove(name) else {
            return false;
        };
        self.entries.remove(i);
        for (j, e) in self.entries.iter().enumerate().skip(i) {
            self.index.insert(e.name.clone(), j);
        }
        true
    }

    fn entry(&self, name: &str) -> Result<&Entry<E, D>> {
        self.index
            .get(name)
            .map(|&i| &self.entries[i])
            .ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> Error {
        let mut known: Vec<&str> = self.names().collect();
        known.sort_unstable();
        let hint = if known.is_empty() {
            "; the store is empty".to_string()
        } else {
            format!("; known parameters: {}", known.join(", "))
        };
        Error::UnknownParameter {
            name: name.to_string(),
            hint,
        }
    }

    /// Parameter `name` recorded on `graph`, so its gradient can be read after backward.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, -2.0])?;
    /// let graph = Graph::new(store.device());
    /// let w = store.var(&graph, "w")?;
    /// let mut grads = (&w * &w).sum().backward()?;
    /// assert_eq!(grads.of(&w)?, vec![2.0, -4.0]); // d/dw sum(w^2) = 2w
    /// assert!(store.var(&graph, "b").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn var(&self, graph: &Graph<E, D>, name: &str) -> Result<Var<E, D>> {
        let e = self.entry(name)?;
        let mut leaf = graph.leaf(&e.tensor, e.uid);
        leaf.host = e.host.clone();
        Ok(leaf)
    }

    /// Parameter `name` recorded on `graph` when there is one, else its value as a constant.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 1, &[1.5])?;
    /// let graph = Graph::new(store.device());
    /// assert!(store.read("w", Some(&graph))?.is_recorded());
    /// let constant = store.read("w", None)?;
    /// assert!(!constant.is_recorded());
    /// assert_eq!(constant.to_vec(), vec![1.5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn read(&self, name: &str, graph: Option<&Graph<E, D>>) -> Result<Var<E, D>> {
        match graph {
            Some(g) => self.var(g, name),
            None => self.value(name),
        }
    }

    /// The current value of `name` as a constant: a copy under a new tensor id, so using it
    /// in a recorded computation never sends gradient to the parameter (see [`Var::detach`]).
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// let w = store.value("w")?;
    /// assert_eq!(w.to_vec(), vec![1.0, 2.0]);
    /// assert!(!w.is_recorded()); // a constant: no gradient reaches the parameter
    /// # Ok(())
    /// # }
    /// ```
    pub fn value(&self, name: &str) -> Result<Var<E, D>> {
        Ok(Var::constant(self.entry(name)?.tensor.clone() * E::one()))
    }

    /// The current values of `name`, row-major, on the host.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 2, 2, &[1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(store.values("w")?, vec![1.0, 2.0, 3.0, 4.0]); // row-major
    /// assert!(store.values("b").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn values(&self, name: &str) -> Result<Vec<E>> {
        Ok(crate::backend::host_copy(&self.entry(name)?.tensor))
    }

    /// The gradient of `name` in `grads`, row-major, on the host (zeros if it was unused).
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] when absent.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// store.insert("unused", 1, 1, &[0.0])?;
    /// let graph = Graph::new(store.device());
    /// let loss = store.var(&graph, "w")?.mul_scalar(3.0).sum();
    /// let mut grads = loss.backward()?;
    /// assert_eq!(store.gradient(&mut grads, "w")?, vec![3.0, 3.0]);
    /// assert_eq!(store.gradient(&mut grads, "unused")?, vec![0.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn gradient(&self, grads: &mut Gradients<E, D>, name: &str) -> Result<Vec<E>> {
        let e = self.entry(name)?;
        Ok(grads.of_tensor(&e.tensor)?.as_vec())
    }

    /// Runs `update(index, name, parameter)` for every parameter in insertion order; the
    /// optimizer updates the tensor in place, which keeps its identity.
    pub(crate) fn for_each_mut(
        &mut self,
        mut update: impl FnMut(usize, &str, &mut Matrix<E, D>) -> Result<()>,
    ) -> Result<()> {
        for (i, e) in self.entries.iter_mut().enumerate() {
            update(i, &e.name, &mut e.tensor)?;
            e.version = crate::backend::var_uid();
            e.host = None;
        }
        Ok(())
    }

    /// [`ParamStore::for_each_mut`] that also tells `update` the parameter's version before
    /// the update and the one it will have after it (see `Entry::version`), so that a host
    /// copy of the values can be trusted when nothing else changed them in between. `update`
    /// may return that copy as the parameter's host mirror (see `Entry::host`).
    pub(crate) fn for_each_versioned_mut(
        &mut self,
        mut update: impl FnMut(
            usize,
            &str,
            &mut Matrix<E, D>,
            u64,
            u64,
        ) -> Result<Option<std::sync::Arc<crate::backend::HostMirror<E>>>>,
    ) -> Result<()> {
        for (i, e) in self.entries.iter_mut().enumerate() {
            let next = crate::backend::var_uid();
            e.host = None;
            e.host = update(i, &e.name, &mut e.tensor, e.version, next)?;
            e.version = next;
        }
        Ok(())
    }

    /// Every parameter's gradient copied to the host, in insertion order, on devices with host
    /// buffers (`None` elsewhere).
    pub(crate) fn host_gradients(
        &self,
        grads: &mut Gradients<E, D>,
    ) -> Result<Option<Vec<Vec<E>>>> {
        let mut all = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            match grads.host_values(&e.tensor)? {
                Some(values) => all.push(values),
                None => return Ok(None),
            }
        }
        Ok(Some(all))
    }

    /// Gradient tensors of every parameter, in insertion order.
    pub(crate) fn gradient_tensors(
        &self,
        grads: &mut Gradients<E, D>,
    ) -> Result<Vec<Matrix<E, D>>> {
        self.entries
            .iter()
            .map(|e| grads.of_tensor(&e.tensor))
            .collect()
    }

    /// A host copy of every parameter.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// store.insert("b", 1, 1, &[3.0])?;
    /// let snapshot = store.snapshot();
    /// let names: Vec<&str> = snapshot.entries.iter().map(|e| e.name.as_str()).collect();
    /// assert_eq!(names, ["w", "b"]);
    /// assert_eq!(snapshot.get("w").unwrap().values, vec![1.0, 2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn snapshot(&self) -> ParamSnapshot {
        ParamSnapshot {
            entries: self
                .entries
                .iter()
                .map(|e| {
                    let (rows, columns) = *e.tensor.shape();
                    SnapshotEntry {
                        name: e.name.clone(),
                        rows,
                        columns,
                        values: e.tensor.as_vec().into_iter().map(Real::to_f64).collect(),
                    }
                })
                .collect(),
        }
    }

    /// Loads every entry of `snapshot` (creating missing parameters, overwriting present ones).
    /// All entries are validated before any is written, so a bad snapshot changes nothing.
    ///
    /// # Errors
    /// [`Error::ParameterShape`] for an entry whose shape disagrees with the store;
    /// [`Error::InvalidShape`] or [`Error::NonFinite`] for malformed values.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut store = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// store.insert("w", 1, 2, &[1.0, 2.0])?;
    /// let mut copy = ParamStore::<f64, Cpu>::new(&Cpu::default());
    /// copy.restore(&store.snapshot())?;
    /// assert_eq!(copy.values("w")?, vec![1.0, 2.0]);
    /// // A snapshot with a wrong shape is refused and changes nothing.
    /// let mut bad = store.snapshot();
    /// (bad.entries[0].rows, bad.entries[0].columns) = (2, 1);
    /// assert!(copy.restore(&bad).is_err());
    /// assert_eq!(copy.shape("w")?, (1, 2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn restore(&mut self, snapshot: &ParamSnapshot) -> Result<()> {
        for entry in &snapshot.entries {
            if entry.rows.checked_mul(entry.columns) != Some(entry.values.len()) {
                return Err(Error::invalid_shape(
                    "ParamStore::restore",
                    format!(
                        "parameter `{}`: {} values for {}x{}",
                        entry.name,
                        entry.values.len(),
                        entry.rows,
                        entry.columns
                    ),
                ));
            }
            if entry.values.iter().any(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("snapshot values of parameter `{}`", entry.name),
                });
            }
            if let Ok(found) = self.shape(&entry.name) {
                if found != (entry.rows, entry.columns) {
                    return Err(Error::ParameterShape {
                        name: entry.name.clone(),
                        expected: found,
                        found: (entry.rows, entry.columns),
                    });
                }
            }
        }
        for entry in &snapshot.entries {
            self.insert(&entry.name, entry.rows, entry.columns, &entry.values)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::rng::seeded;

    fn store() -> ParamStore<f64, Cpu> {
        ParamStore::new(&Cpu::default())
    }

    #[test]
    fn init_keeps_existing_values_and_checks_shape() {
        let mut s = store();
        let mut rng = seeded(1);
        s.get_or_init("w", 2, 2, &Init::Constant(3.0), &mut rng)
            .unwrap();
        s.get_or_init("w", 2, 2, &Init::Zeros, &mut rng).unwrap();
        assert_eq!(s.values("w").unwrap(), vec![3.0; 4]);
        let error = s
            .get_or_init("w", 1, 4, &Init::Zeros, &mut rng)
            .unwrap_err();
        assert!(error.to_string().contains("`w`"), "{error}");
    }

    #[test]
    fn host_mirrors_follow_the_values_and_go_with_any_other_change() {
        use crate::params::{Adam, Optimizer};
        let mut s = store();
        s.insert("w", 1, 3, &[1.0, -2.0, 0.5]).unwrap();
        let mirror = |s: &ParamStore<f64, Cpu>| {
            let graph = Graph::new(s.device());
            s.var(&graph, "w").unwrap().host.map(|m| m.values.clone())
        };
        assert_eq!(mirror(&s), None);
        let mut adam = Adam::new(0.1).unwrap();
        for step in 0..3 {
            let graph = Graph::new(s.device());
            let w = s.var(&graph, "w").unwrap();
            let mut grads = w.square().sum().backward().unwrap();
            drop(w);
            adam.step(&mut s, &mut grads).unwrap();
            // The mirror the next step's layers read is the tensor, entry for entry.
            assert_eq!(mirror(&s), Some(s.values("w").unwrap()), "step {step}");
        }
        s.insert("w", 1, 3, &[4.0, 5.0, 6.0]).unwrap();
        assert_eq!(mirror(&s), None);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let mut s = store();
        s.insert("alpha", 1, 1, &[1.0]).unwrap();
        let error = s.values("alhpa").unwrap_err().to_string();
        assert!(
            error.contains("alhpa") && error.contains("alpha"),
            "{error}"
        );
    }

    #[test]
    fn snapshot_round_trips_and_bad_restore_changes_nothing() {
        let mut s = store();
        s.insert("a", 1, 2, &[1.0, 2.0]).unwrap();
        s.insert("b", 2, 1, &[3.0, 4.0]).unwrap();
        let snap = s.snapshot();
        let json = serde_json::to_string(&snap).unwrap();
        let back: ParamSnapshot = serde_json::from_str(&json).unwrap();
        let mut t = store();
        t.restore(&back).unwrap();
        assert_eq!(t.snapshot(), snap);

        let mut bad = snap.clone();
        bad.entries[0].values = vec![9.0, 9.0];
        bad.entries[1].rows = 1;
        bad.entries[1].columns = 2;
        assert!(t.restore(&bad).is_err());
        assert_eq!(
            t.values("a").unwrap(),
            vec![1.0, 2.0],
            "nothing was written"
        );
    }

    #[test]
    fn insert_rejects_non_finite() {
        let mut s = store();
        assert!(s.insert("x", 1, 1, &[f64::NAN]).is_err());
        assert!(!s.contains("x"));
    }
}
