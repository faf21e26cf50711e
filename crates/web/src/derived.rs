//! Figures derived from a whole table or more (the public statistics, the
//! points-of-sale network), kept until what they are derived from changes or
//! the day turns (which moves certificates' statuses).
//!
//! One computation at a time. While one runs, other requests are answered
//! with the figures already there for the day (a moment old) instead of
//! queueing behind it: under a steady stream of writes the data changes
//! faster than the figures can be computed, and every waiting request would
//! otherwise hold a connection for a whole computation. A request that finds
//! no computation running computes, so a read after one's own write (with
//! nobody else computing) sees it.

use chrono::NaiveDate;
use std::future::Future;

pub struct Derived<T> {
    /// The day, the version of the data (it only grows) and the figures.
    last: std::sync::RwLock<Option<(NaiveDate, u64, T)>>,
    computing: tokio::sync::Mutex<()>,
}

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Self {
            last: Default::default(),
            computing: Default::default(),
        }
    }
}

impl<T: Clone> Derived<T> {
    /// The figures for `today`, if computed at `version` or later, or at any
    /// version when `stale` is allowed.
    fn get(&self, today: NaiveDate, version: u64, stale: bool) -> Option<T> {
        match self.last.read().expect("derived figures lock").as_ref() {
            Some((day, v, f)) if *day == today && (stale || *v >= version) => Some(f.clone()),
            _ => None,
        }
    }

    /// The figures for `today` as of `version` of the data: kept ones, the
    /// day's last ones while another request computes, or `compute`'s.
    pub async fn get_or_compute<E, Fut>(
        &self,
        today: NaiveDate,
        version: u64,
        compute: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(f) = self.get(today, version, false) {
            return Ok(f);
        }
        let _computing = match self.computing.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.get(today, version, true) {
                Some(f) => return Ok(f),
                None => self.computing.lock().await,
            },
        };
        // Computed by the one this request waited for?
        if let Some(f) = self.get(today, version, false) {
            return Ok(f);
        }
        let figures = compute().await?;
        *self.last.write().expect("derived figures lock") = Some((today, version, figures.clone()));
        Ok(figures)
    }
}
