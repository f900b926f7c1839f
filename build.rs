//! Copy the pinned htmx (from npm, see package.json) into the build so the binary serves
//! it itself. `make assets` (run by `make build` and `make test`) installs it with `npm ci`.
//! Also rebuilds the crate when a migration is added or changed.

use std::path::Path;

fn main() -> Result<(), String> {
    let source = Path::new("node_modules/htmx.org/dist/htmx.min.js");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed=package-lock.json");
    // `embed_migrations!` reads these folders at compile time, but cargo does not know:
    // without this a new migration is missing from an incremental build.
    println!("cargo:rerun-if-changed=migrations");
    let out = std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR is not set: {e}"))?;
    let target = Path::new(&out).join("htmx.min.js");
    let bytes = std::fs::read(source).map_err(|e| {
        format!(
            "htmx is missing ({}: {e}). Install the pinned front-end assets first: `make assets` (runs `npm ci`).",
            source.display()
        )
    })?;
    std::fs::write(&target, bytes).map_err(|e| format!("cannot write {}: {e}", target.display()))
}
