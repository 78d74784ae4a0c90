//! Topic queries over the stored articles: `newshound search`, and the articles `rematch`
//! applies topics to. Only reads.
//!
//! # Layout
//! - [`plan`] turns a query into the search index query that narrows its candidates, and the
//!   languages whose articles are read whole.
//! - [`run`] reads the candidates, matches each with the real matcher on all cores, and folds
//!   the matches into stories.

pub mod plan;
pub mod run;

pub use plan::{Narrowing, narrowing};
pub use run::{
    Count, EXACT_CANDIDATES, Estimate, Found, Match, Request, best_copy, by_story, find, story_hits,
};

#[cfg(test)]
mod tests;
