//! Rebuilds the crate when a migration changes, so the embedded migrations are never stale, and exposes a
//! fingerprint of the PostgreSQL migrations (`ARES_PG_MIGRATIONS_HASH`) that names the test template database.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    let mut hasher = DefaultHasher::new();
    hash_dir(Path::new("../../migrations/postgres"), &mut hasher);
    println!("cargo:rustc-env=ARES_PG_MIGRATIONS_HASH={:016x}", hasher.finish());
}

fn hash_dir(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        path.file_name().hash(hasher);
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else if let Ok(bytes) = fs::read(&path) {
            bytes.hash(hasher);
        }
    }
}
