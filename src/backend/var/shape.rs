//! Shape operations: transpose, reshape, slices, concatenation and row or column selection.

use super::Var;
use crate::backend::device::Backend;
use crate::backend::real::Real;
use crate::error::{Error, Result};
use dfdx::prelude::{Axes2, Axis, GatherTo, PermuteTo, ReshapeTo, SelectTo, TryConcatAlong};
use dfdx::tensor::Tensor;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// The transpose.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let t = x.transpose();
    /// assert_eq!(t.shape(), (3, 2));
    /// assert_eq!(t.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn transpose(&self) -> Self {
        let (r, c) = self.shape();
        self.record(|t| {
            let permuted = t.permute::<(usize, usize), Axes2<1, 0>>();
            // Reshape makes the data contiguous again, so later reshapes see row-major order.
            permuted.reshape_like(&(c, r))
        })
    }

    /// The same values, row-major, as `(rows, columns)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the sizes differ.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let r = x.reshape(3, 2)?;
    /// assert_eq!(r.shape(), (3, 2));
    /// assert_eq!(r.to_vec(), x.to_vec()); // same row-major order
    /// assert!(matches!(x.reshape(4, 2), Err(Error::InvalidShape { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn reshape(&self, rows: usize, columns: usize) -> Result<Self> {
        let (r, c) = self.shape();
        if r * c != rows * columns {
            return Err(Error::invalid_shape(
                "reshape",
                format!("cannot reshape {r}x{c} into {rows}x{columns}"),
            ));
        }
        Ok(self.record(|t| t.reshape_like(&(rows, columns))))
    }

    /// Columns `start..end`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the range is empty or out of bounds.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// assert_eq!(x.slice_columns(1, 3)?.to_vec(), vec![2.0, 3.0, 5.0, 6.0]);
    /// assert!(x.slice_columns(2, 4).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn slice_columns(&self, start: usize, end: usize) -> Result<Self> {
        let c = self.columns();
        if start >= end || end > c {
            return Err(Error::invalid_shape(
                "slice_columns",
                format!("columns {start}..{end} of a value with {c} columns"),
            ));
        }
        // dfdx 0.13's slice backward *assigns* the output gradient into the input's gradient
        // (`tensor_ops/slice/cpu_kernel.rs`: `view[i] = *o`) instead of adding to it, which
        // erases gradients the input receives from its other uses. Slicing a fresh copy
        // (`t * 1`, whose backward adds) keeps the overwrite confined to that copy.
        Ok(self.record(|t| (t * E::one()).slice((.., start..end))))
    }

    /// Rows `start..end`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the range is empty or out of bounds.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])?);
    /// let middle = x.slice_rows(1, 2)?;
    /// assert_eq!(middle.to_vec(), vec![3.0, 4.0]);
    /// assert_eq!(middle.sum().backward()?.of(&x)?, vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// assert!(x.slice_rows(2, 2).is_err()); // empty range
    /// # Ok(())
    /// # }
    /// ```
    pub fn slice_rows(&self, start: usize, end: usize) -> Result<Self> {
        let r = self.rows();
        if start >= end || end > r {
            return Err(Error::invalid_shape(
                "slice_rows",
                format!("rows {start}..{end} of a value with {r} rows"),
            ));
        }
        // See `slice_columns`: slice a fresh copy so dfdx's assigning backward loses nothing.
        Ok(self.record(|t| (t * E::one()).slice((start..end, ..))))
    }

    /// Side-by-side concatenation of values with equal row counts.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for an empty list or unequal row counts;
    /// [`Error::GraphMismatch`] for values of two graphs.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0], [2.0]])?;
    /// let b = Var::<f64, Cpu>::from_rows(&dev, &[[3.0, 4.0], [5.0, 6.0]])?;
    /// let c = Var::concat_columns(&[&a, &b])?;
    /// assert_eq!((c.shape(), c.to_vec()), ((2, 3), vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]));
    /// assert!(Var::concat_columns(&[&a, &Var::zeros(&dev, 3, 1)]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn concat_columns(parts: &[&Self]) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid_shape("concat_columns", "nothing to concatenate"))?;
        let rows = first.rows();
        if let Some(bad) = parts.iter().find(|p| p.rows() != rows) {
            return Err(Error::shape_mismatch(
                "concat_columns",
                first.shape(),
                bad.shape(),
            ));
        }
        Self::record_many("concat_columns", parts, |taped| {
            let mut iter = taped.into_iter();
            let mut acc = iter.next().expect("checked non-empty above");
            for next in iter {
                acc = (acc, next).concat_along(Axis::<1>);
            }
            acc
        })
    }

    /// Stacked concatenation of values with equal column counts.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for an empty list or unequal column counts;
    /// [`Error::GraphMismatch`] for values of two graphs.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let a = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0]])?;
    /// let b = Var::<f64, Cpu>::from_rows(&dev, &[[3.0, 4.0], [5.0, 6.0]])?;
    /// let c = Var::concat_rows(&[&a, &b])?;
    /// assert_eq!((c.shape(), c.to_vec()), ((3, 2), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    /// assert!(Var::<f64, Cpu>::concat_rows(&[]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn concat_rows(parts: &[&Self]) -> Result<Self> {
        let first = parts
            .first()
            .ok_or_else(|| Error::invalid_shape("concat_rows", "nothing to concatenate"))?;
        let columns = first.columns();
        if let Some(bad) = parts.iter().find(|p| p.columns() != columns) {
            return Err(Error::shape_mismatch(
                "concat_rows",
                first.shape(),
                bad.shape(),
            ));
        }
        Self::record_many("concat_rows", parts, |taped| {
            let mut iter = taped.into_iter();
            let mut acc = iter.next().expect("checked non-empty above");
            for next in iter {
                acc = (acc, next).concat_along(Axis::<0>);
            }
            acc
        })
    }

    /// The rows listed in `indices`, in that order (repeats allowed): `(indices.len(), columns)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when an index is out of bounds or the list is empty.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let graph = Graph::new(&dev);
    /// let x = graph.watch(&Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0], [3.0, 4.0]])?);
    /// let g = x.gather_rows(&[1, 1, 0])?;
    /// assert_eq!(g.to_vec(), vec![3.0, 4.0, 3.0, 4.0, 1.0, 2.0]);
    /// assert_eq!(g.sum().backward()?.of(&x)?, vec![1.0, 1.0, 2.0, 2.0]); // row 1 used twice
    /// assert!(x.gather_rows(&[2]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gather_rows(&self, indices: &[usize]) -> Result<Self> {
        let r = self.rows();
        if indices.is_empty() || indices.iter().any(|&i| i >= r) {
            return Err(Error::invalid_shape(
                "gather_rows",
                format!("row indices must be non-empty and below {r}"),
            ));
        }
        let n = indices.len();
        if let (None, Some(host)) = (&self.tape, &self.host) {
            // A constant with a host mirror (model data): gather on the host, O(n columns),
            // and keep a mirror of the result for the fused kernels that read it next.
            let c = self.columns();
            let values: Vec<E> = indices
                .iter()
                .flat_map(|&i| host.values[i * c..(i + 1) * c].iter().copied())
                .collect();
            return Var::constant_with_mirror(&self.device(), values, n, c);
        }
        let index: Tensor<(usize,), usize, D> =
            self.device().tensor_from_vec(indices.to_vec(), (n,));
        Ok(self.record(|t| t.gather(index)))
    }

    /// The columns listed in `indices`, in that order: `(rows, indices.len())`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when an index is out of bounds or the list is empty.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let g = x.gather_columns(&[2, 0])?;
    /// assert_eq!((g.shape(), g.to_vec()), ((2, 2), vec![3.0, 1.0, 6.0, 4.0]));
    /// assert!(x.gather_columns(&[3]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gather_columns(&self, indices: &[usize]) -> Result<Self> {
        if let (None, Some(host)) = (&self.tape, &self.host) {
            let (r, c) = self.shape();
            if indices.is_empty() || indices.iter().any(|&j| j >= c) {
                return Err(Error::invalid_shape(
                    "gather_columns",
                    format!("column indices must be non-empty and below {c}"),
                ));
            }
            let values: Vec<E> = (0..r)
                .flat_map(|i| indices.iter().map(move |&j| host.values[i * c + j]))
                .collect();
            return Var::constant_with_mirror(&self.device(), values, r, indices.len());
        }
        self.transpose().gather_rows(indices).map(|g| g.transpose())
    }

    /// One column per row: entry `i` of the result is `self[i, indices[i]]`, as `(rows, 1)`.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the lengths differ or an index is out of bounds.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let x = Var::<f64, Cpu>::from_rows(&dev, &[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
    /// let picked = x.pick_per_row(&[2, 0])?;
    /// assert_eq!((picked.shape(), picked.to_vec()), ((2, 1), vec![3.0, 4.0]));
    /// assert!(x.pick_per_row(&[0]).is_err()); // one index per row
    /// # Ok(())
    /// # }
    /// ```
    pub fn pick_per_row(&self, indices: &[usize]) -> Result<Self> {
        let (r, c) = self.shape();
        if indices.len() != r || indices.iter().any(|&i| i >= c) {
            return Err(Error::invalid_shape(
                "pick_per_row",
                format!("need {r} column indices, each below {c}"),
            ));
        }
        let index: Tensor<(usize,), usize, D> =
            self.device().tensor_from_vec(indices.to_vec(), (r,));
        Ok(self.record(|t| {
            let picked: Tensor<(usize,), E, D, _> = t.select(index);
            picked.reshape_like(&(r, 1))
        }))
    }
}
