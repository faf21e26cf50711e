//! Templates: minijinja, compiled into the binary (no files needed at run time).

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value};

/// Every template, by name. A page added here is rendered by the page tests.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "producers/list.html",
        include_str!("../templates/producers/list.html"),
    ),
    (
        "producers/form.html",
        include_str!("../templates/producers/form.html"),
    ),
    (
        "producers/show.html",
        include_str!("../templates/producers/show.html"),
    ),
    (
        "products/list.html",
        include_str!("../templates/products/list.html"),
    ),
    (
        "products/form.html",
        include_str!("../templates/products/form.html"),
    ),
    (
        "products/show.html",
        include_str!("../templates/products/show.html"),
    ),
    ("import.html", include_str!("../templates/import.html")),
    (
        "users/list.html",
        include_str!("../templates/users/list.html"),
    ),
    (
        "users/show.html",
        include_str!("../templates/users/show.html"),
    ),
    ("account.html", include_str!("../templates/account.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("api_docs.html", include_str!("../templates/api_docs.html")),
    (
        "criteria/index.html",
        include_str!("../templates/criteria/index.html"),
    ),
    (
        "criteria/sheet.html",
        include_str!("../templates/criteria/sheet.html"),
    ),
    ("verify.html", include_str!("../templates/verify.html")),
    (
        "statistics.html",
        include_str!("../templates/statistics.html"),
    ),
    ("catalog.html", include_str!("../templates/catalog.html")),
    (
        "markets/list.html",
        include_str!("../templates/markets/list.html"),
    ),
    (
        "markets/show.html",
        include_str!("../templates/markets/show.html"),
    ),
    (
        "markets/directory.html",
        include_str!("../templates/markets/directory.html"),
    ),
    (
        "events/list.html",
        include_str!("../templates/events/list.html"),
    ),
    (
        "events/show.html",
        include_str!("../templates/events/show.html"),
    ),
    (
        "matching/demands.html",
        include_str!("../templates/matching/demands.html"),
    ),
    (
        "matching/demand.html",
        include_str!("../templates/matching/demand.html"),
    ),
    (
        "matching/offers.html",
        include_str!("../templates/matching/offers.html"),
    ),
    (
        "matching/agreements.html",
        include_str!("../templates/matching/agreements.html"),
    ),
    (
        "matching/agreement.html",
        include_str!("../templates/matching/agreement.html"),
    ),
    (
        "criteria/tree.html",
        include_str!("../templates/criteria/tree.html"),
    ),
    (
        "dossiers/list.html",
        include_str!("../templates/dossiers/list.html"),
    ),
    (
        "dossiers/form.html",
        include_str!("../templates/dossiers/form.html"),
    ),
    (
        "dossiers/show.html",
        include_str!("../templates/dossiers/show.html"),
    ),
    (
        "rounds/list.html",
        include_str!("../templates/rounds/list.html"),
    ),
    (
        "rounds/show.html",
        include_str!("../templates/rounds/show.html"),
    ),
    (
        "rounds/score.html",
        include_str!("../templates/rounds/score.html"),
    ),
    (
        "open_data.html",
        include_str!("../templates/open_data.html"),
    ),
    (
        "public_product.html",
        include_str!("../templates/public_product.html"),
    ),
    (
        "public_producer.html",
        include_str!("../templates/public_producer.html"),
    ),
];

const CSS: &str = include_str!("../static/app.css");
const SEARCH_JS: &str = include_str!("../static/search.js");

pub struct Templates {
    env: Environment<'static>,
}

fn date_filter(v: Value) -> String {
    let s = v.to_string();
    // Accept YYYY-MM-DD or an RFC 3339 timestamp; show dd/mm/yyyy (and hh:mm for timestamps, in UTC+7).
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s) {
        let local =
            t.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset"));
        return local.format("%d/%m/%Y %H:%M").to_string();
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        return d.format("%d/%m/%Y").to_string();
    }
    s
}

fn thousands(v: Value) -> String {
    match i64::try_from(v.clone()) {
        Ok(n) => ocop_domain::text::group_thousands(n),
        Err(_) => v.to_string(),
    }
}

/// `72.0` → `72`, `35.5` → `35,5` (Vietnamese decimal comma).
fn decimal(v: Value) -> String {
    match f64::try_from(v.clone()) {
        Ok(f) if f.fract() == 0.0 => format!("{}", f as i64),
        Ok(f) => format!("{f}").replace('.', ","),
        Err(_) => v.to_string(),
    }
}

fn stars(v: Value) -> String {
    match i64::try_from(v) {
        Ok(n) if (1..=5).contains(&n) => "★".repeat(n as usize),
        _ => String::new(),
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .expect("templates parse (tested)");
        }
        env.add_filter("date", date_filter);
        env.add_filter("thousands", thousands);
        env.add_filter("stars", stars);
        env.add_filter("decimal", decimal);
        env.add_filter("kind_label", |k: String| {
            ocop_domain::producer::ProducerKind::parse(&k)
                .map(|k| k.label())
                .unwrap_or("")
                .to_string()
        });
        env.add_filter("set_name", |s: String| {
            ocop_domain::classification::product_set(&s)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        });
        env.add_filter("role_label", |s: String| {
            ocop_domain::auth::label_of(&s).to_string()
        });
        env.add_filter("urlencode_q", |s: String| crate::session::urlencode(&s));
        Self { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// Render to an HTML response, or a plain 500 if the template fails.
pub fn html(t: &Templates, name: &str, ctx: Value) -> Response {
    match t.render(name, ctx) {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi hiển thị trang.",
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// The search box's suggestions (the only script of the site; pages work without it).
pub async fn search_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SEARCH_JS,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    /// Every file under `templates/` is registered (an unregistered one would
    /// only fail when its page is requested).
    #[test]
    fn every_template_file_is_registered() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(
                        p.strip_prefix(root)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        files.sort();
        let mut registered: Vec<String> = super::TEMPLATES
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        registered.sort();
        assert_eq!(files, registered);
        // And they all parse.
        let _ = super::Templates::new();
    }

    /// The CSP allows no inline styles or scripts: templates must not carry any
    /// (JSON-LD data blocks excepted, which browsers never execute; scripts
    /// load from our own /static/ with an empty element).
    #[test]
    fn no_inline_styles_or_scripts() {
        for (name, src) in super::TEMPLATES {
            assert!(!src.contains("style=\""), "{name} has an inline style");
            for part in src.split("<script").skip(1) {
                let external = part.starts_with(" src=\"/static/")
                    && part
                        .split_once('>')
                        .is_some_and(|(_, rest)| rest.starts_with("</script>"));
                assert!(
                    part.starts_with(" type=\"application/ld+json\"") || external,
                    "{name} has an inline script"
                );
            }
        }
    }
}
