//! Copy the pinned htmx (from npm, see package.json) into the build so the binary serves
//! it itself. `make assets` (run by `make build` and `make test`) installs it with `npm ci`.

use std::path::Path;

fn main() {
    let source = Path::new("node_modules/htmx.org/dist/htmx.min.js");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed=package-lock.json");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = Path::new(&out).join("htmx.min.js");
    match std::fs::read(source) {
        Ok(bytes) => {
            std::fs::write(&target, bytes).expect("write htmx.min.js to OUT_DIR");
        }
        Err(e) => panic!(
            "htmx is missing ({}: {e}). Install the pinned front-end assets first: `make assets` (runs `npm ci`).",
            source.display()
        ),
    }
}
