//! Copy the pinned htmx (from npm, see package.json) into the build so the binary serves
//! it itself. `make assets` (run by `make build` and `make test`) installs it with `npm ci`.

use std::path::Path;

fn main() -> Result<(), String> {
    let source = Path::new("node_modules/htmx.org/dist/htmx.min.js");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed=package-lock.json");
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
