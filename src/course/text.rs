//! The little markup of lesson text: `**bold**` and `` `code` ``, nothing else. A
//! marker without its closing partner is plain text. Text-heavy parts of the chapter
//! panel are rendered as escaped HTML strings (see `panels::chapter` for why).

use crate::view_util::escape;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span<'a> {
    Text(&'a str),
    Bold(&'a str),
    Code(&'a str),
}

/// Splits a paragraph into plain, bold and code runs.
pub fn spans(p: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut rest = p;
    let mut plain_from = 0;
    let mut pos = 0;
    while pos < rest.len() {
        let tail = &rest[pos..];
        let found = if let Some(after) = tail.strip_prefix("**") {
            after.find("**").map(|end| (2, end, true))
        } else if let Some(after) = tail.strip_prefix('`') {
            after.find('`').map(|end| (1, end, false))
        } else {
            None
        };
        match found {
            Some((marker, len, bold)) if len > 0 => {
                if pos > plain_from {
                    out.push(Span::Text(&rest[plain_from..pos]));
                }
                let inner = &tail[marker..marker + len];
                out.push(if bold {
                    Span::Bold(inner)
                } else {
                    Span::Code(inner)
                });
                rest = &tail[marker + len + marker..];
                pos = 0;
                plain_from = 0;
            }
            _ => pos += tail.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_from < rest.len() {
        out.push(Span::Text(&rest[plain_from..]));
    }
    out
}

/// A paragraph's runs as HTML (escaped, bold as `<strong>`, code as `<code>`).
pub fn inline_html(p: &str) -> String {
    let mut out = String::new();
    for s in spans(p) {
        match s {
            Span::Text(t) => out.push_str(&escape(t)),
            Span::Bold(t) => {
                out.push_str("<strong>");
                out.push_str(&escape(t));
                out.push_str("</strong>");
            }
            Span::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape(t));
                out.push_str("</code>");
            }
        }
    }
    out
}

/// Each item as `<tag>…</tag>`, its markup rendered.
pub fn items_html<S: AsRef<str>>(tag: &str, items: &[S]) -> String {
    items
        .iter()
        .map(|i| format!("<{tag}>{}</{tag}>", inline_html(i.as_ref())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_markup_rendered() {
        assert_eq!(
            inline_html("Use `<b>` & **\"quotes\"**"),
            "Use <code>&lt;b&gt;</code> &amp; <strong>&quot;quotes&quot;</strong>"
        );
        assert_eq!(
            items_html("li", &["a", "**b**"]),
            "<li>a</li><li><strong>b</strong></li>"
        );
        assert_eq!(escape("it's"), "it&#39;s");
    }

    #[test]
    fn bold_and_code_are_the_only_markup() {
        assert_eq!(
            spans("Add a **load balancer** in front of `web-1` now."),
            vec![
                Span::Text("Add a "),
                Span::Bold("load balancer"),
                Span::Text(" in front of "),
                Span::Code("web-1"),
                Span::Text(" now."),
            ]
        );
        assert_eq!(spans("**p95**"), vec![Span::Bold("p95")]);
    }

    #[test]
    fn unclosed_or_empty_markers_stay_plain() {
        assert_eq!(spans("2 ** 3 is 8"), vec![Span::Text("2 ** 3 is 8")]);
        assert_eq!(spans("a ` b"), vec![Span::Text("a ` b")]);
        assert_eq!(spans("****"), vec![Span::Text("****")]);
        assert_eq!(
            spans("café **é**"),
            vec![Span::Text("café "), Span::Bold("é")]
        );
        assert_eq!(spans(""), vec![]);
    }
}
