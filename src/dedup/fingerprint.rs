//! MinHash fingerprints of article texts (work in progress).
