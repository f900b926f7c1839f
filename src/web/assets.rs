//! Static assets compiled into the binary and served under content-hashed URLs
//! (`/static/site.<hash>.css`), so they can be cached for a year and never go stale.
//! Bundled fonts ([`FONTS`]) carry their upstream version in their names instead (the
//! stylesheets name them), and are cached the same way.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    ext: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 10] = [
    Asset {
        name: "site",
        ext: "css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/css/site.css"),
    },
    Asset {
        name: "a11y",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/a11y.js"),
    },
    Asset {
        name: "htmx",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!(concat!(env!("OUT_DIR"), "/htmx.min.js")),
    },
    Asset {
        name: "captions",
        ext: "css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/css/captions.css"),
    },
    Asset {
        name: "preview-frame",
        ext: "svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/img/preview-frame.svg"),
    },
    Asset {
        name: "player",
        ext: "css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/css/player.css"),
    },
    Asset {
        name: "player",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/player.js"),
    },
    Asset {
        name: "player-search",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/player-search.js"),
    },
    Asset {
        name: "caption-editor",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/caption-editor.js"),
    },
    Asset {
        name: "player-descriptions",
        ext: "js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/player-descriptions.js"),
    },
];

/// Fonts under fixed, versioned names (static/fonts/, with their licences).
const FONTS: [(&str, &[u8]); 1] = [(
    "atkinson-hyperlegible-5.3.0-latin-400.woff2",
    include_bytes!("../../static/fonts/atkinson-hyperlegible-5.3.0-latin-400.woff2"),
)];

/// `name.<first 12 hex digits of the SHA-256>.ext` for every asset.
static FILE_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash: String = Sha256::digest(a.body)
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{}.{hash}.{}", a.name, a.ext)
        })
        .collect()
});

/// The versioned URLs templates link to.
#[derive(Debug, Clone, Copy)]
pub struct AssetUrls {
    pub css: &'static str,
    pub a11y_js: &'static str,
    pub htmx_js: &'static str,
    pub captions_css: &'static str,
    /// The still frame behind the caption preview on /preferences.
    pub preview_frame: &'static str,
    /// The player's own stylesheet and script (the watch page's player).
    pub player_css: &'static str,
    pub player_js: &'static str,
    /// The transcript search `player.js` uses.
    pub player_search_js: &'static str,
    /// The caption editor's module (`static/js/caption-editor.js`).
    pub caption_editor_js: &'static str,
    /// The player's text descriptions (`static/js/player-descriptions.js`).
    pub player_descriptions_js: &'static str,
}

static URLS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILE_NAMES
        .iter()
        .map(|name| format!("/static/{name}"))
        .collect()
});

pub fn urls() -> AssetUrls {
    AssetUrls {
        css: &URLS[0],
        a11y_js: &URLS[1],
        htmx_js: &URLS[2],
        captions_css: &URLS[3],
        preview_frame: &URLS[4],
        player_css: &URLS[5],
        player_js: &URLS[6],
        player_search_js: &URLS[7],
        caption_editor_js: &URLS[8],
        player_descriptions_js: &URLS[9],
    }
}

/// `GET /static/{file}`: the asset with that exact versioned name, cached for a year.
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let wanted = file.into_inner();
    match FILE_NAMES.iter().position(|n| *n == wanted) {
        Some(i) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, ASSETS[i].content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(ASSETS[i].body),
        None => match FONTS.iter().find(|(name, _)| *name == wanted) {
            Some((_, body)) => HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "font/woff2"))
                .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
                .body(*body),
            None => not_found(),
        },
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_versioned_by_content() {
        let u = urls();
        assert!(u.css.starts_with("/static/site.") && u.css.ends_with(".css"));
        assert!(u.htmx_js.starts_with("/static/htmx."));
        assert_eq!(u.a11y_js.len(), "/static/a11y.".len() + 12 + ".js".len());
        assert!(
            u.captions_css.starts_with("/static/captions.") && u.captions_css.ends_with(".css")
        );
        assert!(u.preview_frame.ends_with(".svg"));
        assert!(u.player_css.starts_with("/static/player.") && u.player_css.ends_with(".css"));
        assert!(u.player_js.starts_with("/static/player.") && u.player_js.ends_with(".js"));
    }

    #[test]
    fn the_caption_stylesheet_names_the_bundled_font() {
        let css = std::str::from_utf8(ASSETS[3].body).unwrap();
        for (name, body) in FONTS {
            assert!(css.contains(&format!("url(\"{name}\")")), "{name}");
            assert_eq!(&body[..4], b"wOF2");
        }
    }
}
