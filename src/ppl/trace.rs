//! [`Trace`]: the sites of one run of a model, in order.

use super::data_cache::DataCache;
use super::site::{Site, SiteKind};
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// The record of one run: every site that reached the trace handler, in execution order.
pub struct Trace<E: Real, D: Backend<E>> {
    sites: Vec<Site<E, D>>,
}

impl<E: Real, D: Backend<E>> Default for Trace<E, D> {
    fn default() -> Self {
        Trace { sites: Vec::new() }
    }
}

impl<E: Real, D: Backend<E>> Clone for Trace<E, D> {
    fn clone(&self) -> Self {
        Trace {
            sites: self.sites.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> std::fmt::Debug for Trace<E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.sites).finish()
    }
}

impl<E: Real, D: Backend<E>> Trace<E, D> {
    /// Appends a site.
    ///
    /// # Errors
    /// [`Error::Model`] when a site of that name is already recorded: site names must be unique
    /// within one run (use an indexed name such as `format!("x{i}")` inside loops).
    pub fn push(&mut self, site: Site<E, D>) -> Result<()> {
        if self.get(&site.name).is_some() {
            return Err(Error::Model {
                model: "trace".into(),
                message: format!(
                    "site `{}` appears twice in one run; site names must be unique",
                    site.name
                ),
            });
        }
        self.sites.push(site);
        Ok(())
    }

    /// The site called `name`.
    pub fn get(&self, name: &str) -> Option<&Site<E, D>> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The value of site `name`.
    pub fn value(&self, name: &str) -> Option<&Var<E, D>> {
        self.get(name).and_then(|s| s.value.as_ref())
    }

    /// All sites in execution order.
    pub fn sites(&self) -> &[Site<E, D>] {
        &self.sites
    }

    /// Site names in execution order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sites.iter().map(|s| s.name.as_str())
    }

    /// The latent sites: sampled, not observed, not intervened.
    pub fn latent_sites(&self) -> impl Iterator<Item = &Site<E, D>> {
        self.sites.iter().filter(|s| s.is_latent())
    }

    /// The deterministic sites.
    pub fn deterministic_sites(&self) -> impl Iterator<Item = &Site<E, D>> {
        self.sites
            .iter()
            .filter(|s| s.kind == SiteKind::Deterministic)
    }

    /// `ln p` of the whole run, one entry per particle: the sum of every site's scaled, masked
    /// log-density (intervened sites excluded), `(rows, 1)`; `(1, 1)` zero when nothing counts.
    ///
    /// # Errors
    /// A site's shape error, naming the site.
    pub fn log_joint(&self) -> Result<Var<E, D>> {
        self.log_joint_with(None)
    }

    /// [`Trace::log_joint`] with observed data from `cache` checked against its support once
    /// per run ([`Site::log_density_with`]).
    ///
    /// # Errors
    /// A site's shape error, naming the site.
    pub fn log_joint_with(&self, cache: Option<&DataCache<E, D>>) -> Result<Var<E, D>> {
        let mut total: Option<Var<E, D>> = None;
        for site in &self.sites {
            if let Some(term) = site.log_density_with(cache)? {
                total = Some(match total {
                    None => term,
                    Some(t) => t.add(&term).map_err(|e| Error::Site {
                        site: site.name.clone(),
                        source: Box::new(e),
                    })?,
                });
            }
        }
        match total {
            Some(t) => Ok(t),
            None => Err(Error::Model {
                model: "trace".into(),
                message: "no site contributes to the log joint".into(),
            }),
        }
    }
}
