//! Out-of-band updates of the layout's two live regions, `#status` (polite) and `#alerts`
//! (assertive), by htmx's `hx-swap-oob`. One template
//! (`templates/components/live_regions.html`) writes them: the page fragments include it
//! (see `fragment.html`), and the fragments that are not pages (a poll of the video
//! list or of a video's status, the feedback form) append it with [`LiveRegions`].
//! Messages are escaped by askama like any other text.

use askama::Template;

use crate::web::errors::PageError;

/// What to announce in each live region; a region left `None` is not touched.
#[derive(Debug, Clone, Copy, Default, Template)]
#[template(path = "components/live_regions.html")]
pub struct LiveRegions<'a> {
    /// Text for `#status` (read out politely).
    pub announce: Option<&'a str>,
    /// Text for `#alerts` (read out at once).
    pub alert: Option<&'a str>,
}

impl<'a> LiveRegions<'a> {
    /// Announce `message` in `#status`; nothing when it is empty.
    pub fn announce(message: &'a str) -> Self {
        LiveRegions {
            announce: Some(message).filter(|m| !m.is_empty()),
            alert: None,
        }
    }

    /// Announce `message` in `#alerts`; nothing when it is empty.
    pub fn alert(message: &'a str) -> Self {
        LiveRegions {
            announce: None,
            alert: Some(message).filter(|m| !m.is_empty()),
        }
    }

    /// Append the updates to a rendered fragment (nothing at all when there are none).
    pub fn append_to(&self, body: &mut String) -> Result<(), PageError> {
        if self.announce.is_none() && self.alert.is_none() {
            return Ok(());
        }
        self.render_into(body).map_err(PageError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appended(regions: LiveRegions) -> String {
        let mut body = String::from("<p>x</p>");
        regions.append_to(&mut body).unwrap();
        body
    }

    #[test]
    fn each_region_is_written_only_when_it_has_something_to_say() {
        assert_eq!(appended(LiveRegions::default()), "<p>x</p>");
        assert_eq!(appended(LiveRegions::announce("")), "<p>x</p>");
        assert_eq!(appended(LiveRegions::alert("")), "<p>x</p>");
        assert_eq!(
            appended(LiveRegions::announce("Saved")),
            "<p>x</p><div id=\"status\" hx-swap-oob=\"innerHTML\">Saved</div>\n"
        );
        assert_eq!(
            appended(LiveRegions::alert("Wrong")),
            "<p>x</p>\n<div id=\"alerts\" hx-swap-oob=\"innerHTML\">Wrong</div>"
        );
    }

    #[test]
    fn messages_are_escaped_by_askama() {
        assert_eq!(
            appended(LiveRegions::announce("<b>&'\"")),
            "<p>x</p><div id=\"status\" hx-swap-oob=\"innerHTML\">&#60;b&#62;&#38;&#39;&#34;</div>\n"
        );
    }
}
