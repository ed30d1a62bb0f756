//! Print-ready HTML pages built on the server. Every piece of user text goes through [`escape`];
//! the pages carry a Content-Security-Policy that allows no scripts and no outside resources.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::HttpResponse;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The inline style sheet is the only thing the page may load (the site-wide headers of
/// `web::headers` add frame denial, nosniff and the referrer policy).
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'none'";

/// Results pages also load the font shipped in `web/fonts/` from this server; still no
/// scripts and nothing from elsewhere.
pub const PRINT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/// A whole page: `title` is escaped here; `css` and `body` must be trusted markup built with
/// [`escape`]. Not cached: these pages hold what the public must not see.
pub fn page(title: &str, css: &str, body: &str) -> HttpResponse {
    page_with_policy(title, css, body, CSP)
}

/// [`page`] for pages that use the shipped font.
pub fn print_page(title: &str, css: &str, body: &str) -> HttpResponse {
    page_with_policy(title, css, body, PRINT_CSP)
}

fn page_with_policy(title: &str, css: &str, body: &str, policy: &'static str) -> HttpResponse {
    let mut html = String::with_capacity(body.len() + css.len() + 256);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("星火队"), "星火队");
    }
}
