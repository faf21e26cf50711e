//! The OCOP domain: everything that is true regardless of storage or transport.
//!
//! Nothing in this crate performs IO. Reference data (administrative units,
//! the product classification) is compiled in from `data/` and parsed here so
//! that every binary and every test sees the same validated rules.

pub mod admin_units;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod certificate;
pub mod classification;
pub mod council;
pub mod criteria;
pub mod demo;
pub mod dossier;
pub mod error;
pub mod evidence;
pub mod gs1;
pub mod ids;
pub mod inspection;
pub mod market;
pub mod matching;
pub mod producer;
pub mod product;
pub mod reevaluation;
pub mod round_calendar;
pub mod text;
pub mod trade_event;

pub use error::{FieldError, ValidationErrors};
