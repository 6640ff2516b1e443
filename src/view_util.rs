//! Small presentation helpers shared by the views: colours, number formats and HTML
//! escaping.

use scalelab_engine::format::{fixed, thousands};
use scalelab_engine::{Diagram, Kind, ParamSpec, ParamValue, RequestKind};

/// The badge colour of a component kind (from the engine's catalog).
pub fn kind_color(kind: Kind) -> &'static str {
    kind.info().color
}

/// The dot colour of a request type in the animation.
pub fn request_color(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::PageRead => "#3b82f6",
        RequestKind::ApiRead => "#14b8a6",
        RequestKind::Write => "#f59e0b",
        RequestKind::StaticAsset => "#a855f7",
        RequestKind::Upload => "#ec4899",
        RequestKind::BackgroundJob => "#84cc16",
    }
}

/// A one-line summary of a node's main settings, shown under its name. Choices show
/// their label, numbers their unit.
pub fn node_subtitle(d: &Diagram, id: &str) -> String {
    let Some(node) = d.node(id) else {
        return String::new();
    };
    let mut parts: Vec<String> = Vec::new();
    for key in subtitle_keys(node.kind) {
        let (Some(spec), Some(value)) = (node.kind.param(key), d.param(id, key)) else {
            continue;
        };
        parts.push(match value {
            ParamValue::Text(t) => spec.choice_label(&t).unwrap_or(&t).to_string(),
            ParamValue::Num(n) if spec.unit.is_empty() => format_number(n),
            ParamValue::Num(n) => format!("{} {}", format_number(n), counted(n, spec.unit)),
            ParamValue::Bool(b) => format!("{}: {}", spec.label, if b { "on" } else { "off" }),
        });
    }
    parts.join(" · ")
}

/// A unit after a count: one of a countable unit is singular ("1 instance", "1 user"),
/// while a symbol or a short unit stays as it is ("1 ms", "1 s", "1 req/s").
fn counted(n: f64, unit: &str) -> &str {
    match unit.strip_suffix('s') {
        Some(one) if n == 1.0 && one.len() > 1 && one.bytes().all(|b| b.is_ascii_lowercase()) => {
            one
        }
        _ => unit,
    }
}

/// Which parameters summarise a kind best.
fn subtitle_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        // The count first: the card has room for 18 characters.
        Kind::Users => &["users", "region"],
        Kind::LoadBalancer => &["algorithm"],
        Kind::WebServer => &["size", "instances"],
        Kind::Cache => &["capacity", "eviction"],
        Kind::Database => &["role", "size"],
        Kind::ShardedDatabase => &["shards", "strategy"],
        Kind::Dns => &["routing"],
        _ => &["size"],
    }
}

/// A field's label with its unit in brackets, unless the label already names the unit
/// as a word ("Active users", not "Active users (users)"; but "Answer TTL (s)").
pub fn field_label(spec: &ParamSpec) -> String {
    let unit = spec.unit.trim();
    if unit.is_empty()
        || spec
            .label
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case(unit))
    {
        spec.label.to_string()
    } else {
        format!("{} ({unit})", spec.label)
    }
}

/// `1234.5` → `1,235`; small numbers keep up to two decimals. Anything that rounds
/// to zero shows as "0", never "-0".
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let v = if v.abs() < 0.005 { 0.0 } else { v };
    // The bands go by the value as rounded: 99.96 is "100", not "100.0".
    if v.abs() >= 99.95 {
        // Halves round away from zero (1,234.5 shows as 1,235).
        thousands(v.round())
    } else if v.fract() == 0.0 {
        fixed(v, 0)
    } else if v.abs() >= 9.995 {
        fixed(v, 1)
    } else {
        fixed(v, 2)
    }
}

/// A price in dollars: whole dollars from $100 on, cents below when there are some
/// ("$15.50", not "$15.5").
pub fn format_money(v: f64) -> String {
    // Rounded to the cent first (9.999 is "$10", 99.994 "$99.99"). No `%` on floats:
    // it would bring in a remainder function.
    let c = (v * 100.0).round() / 100.0;
    let shown = if c.abs() < 100.0 && c != c.round() {
        fixed(c, 2)
    } else {
        format_number(c)
    };
    format!("${shown}")
}

/// A number the learner typed: digits with an optional sign, decimal point and
/// exponent (`1.5`, `-2`, `.5`, `2e3`), surrounding spaces allowed; `None` for anything
/// else, and for what is too large to hold. The browser reads it (`parseFloat`, exact
/// like Rust's own reader, once the text is known to be a number): that keeps Rust's
/// number reader and its 10 KB of tables out of the page.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if !is_decimal(t) {
        return None;
    }
    let v = js_sys::parse_float(t);
    v.is_finite().then_some(v)
}

/// Whether `t` is a whole decimal number: `[+-]digits[.digits][(e|E)[+-]digits]`, with
/// at least one digit before the exponent (either side of the point).
fn is_decimal(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut n = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The shortest text that reads back as `x` (`0.25`, `1000000`), written by the
/// browser: for values the learner typed and reads again in a field. Rust's own float
/// formatting stays out of the page (see ARCHITECTURE.md, "Bundle size").
pub fn plain(x: f64) -> String {
    js_sys::Number::from(x)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// A number in a sentence: as [`plain`], with separators in a whole number from 1,000
/// on ("1,000,000" rather than "1000000").
pub fn plain_read(x: f64) -> String {
    if x >= 1000.0 && x.fract() == 0.0 {
        thousands(x)
    } else {
        plain(x)
    }
}

/// Milliseconds with a sensible precision.
pub fn format_ms(ms: f64) -> String {
    // As rounded: 999.96 ms is "1.00 s"; a tiny negative is "0.0 ms", not "-0.0 ms".
    let ms = if ms.abs() < 0.05 { 0.0 } else { ms };
    if !ms.is_finite() {
        "–".into()
    } else if ms >= 999.5 {
        format!("{} s", fixed(ms / 1000.0, 2))
    } else if ms >= 9.95 {
        format!("{} ms", fixed(ms, 0))
    } else {
        format!("{} ms", fixed(ms, 1))
    }
}

/// `s` with the characters that mean something in HTML escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_card_leads_with_how_many_users() {
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        d.set_param(&u, "users", ParamValue::Num(2500.0)).unwrap();
        d.set_param(&u, "region", ParamValue::Text("europe".into()))
            .unwrap();
        assert_eq!(node_subtitle(&d, &u), "2,500 users · Europe");
    }

    #[test]
    fn one_of_a_countable_unit_is_singular() {
        assert_eq!(counted(1.0, "instances"), "instance");
        assert_eq!(counted(1.0, "users"), "user");
        assert_eq!(counted(2.0, "instances"), "instances");
        assert_eq!(counted(0.5, "keys"), "keys");
        assert_eq!(counted(1.0, "ms"), "ms");
        assert_eq!(counted(1.0, "s"), "s");
        assert_eq!(counted(1.0, "req/s"), "req/s");
        assert_eq!(counted(1.0, "GB"), "GB");
    }

    #[test]
    fn numbers_get_thousands_separators_and_sane_precision() {
        assert_eq!(format_number(1234.5), "1,235");
        assert_eq!(format_number(-1_000_000.0), "-1,000,000");
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(12.34), "12.3");
        assert_eq!(format_number(0.123), "0.12");
        // At the edge of a band the rounded value decides.
        assert_eq!(format_number(99.96), "100");
        assert_eq!(format_number(-99.96), "-100");
        assert_eq!(format_number(99.94), "99.9");
        assert_eq!(format_number(9.996), "10.0");
        assert_eq!(format_number(9.994), "9.99");
        assert_eq!(format_ms(999.96), "1.00 s");
        assert_eq!(format_ms(999.4), "999 ms");
        assert_eq!(format_ms(9.96), "10 ms");
        assert_eq!(format_ms(9.94), "9.9 ms");
        assert_eq!(format_ms(-0.0), "0.0 ms");
        assert_eq!(format_ms(-0.01), "0.0 ms");
        assert_eq!(format_ms(1500.0), "1.50 s");
        assert_eq!(format_ms(85.4), "85 ms");
        assert_eq!(format_ms(2.345), "2.3 ms");
    }

    #[test]
    fn only_whole_decimal_numbers_are_read() {
        for ok in [
            "1", "-2", "+3", "1.5", ".5", "5.", "2e3", "2E-3", "1.5e+2", "007",
        ] {
            assert!(is_decimal(ok), "{ok} is a number");
        }
        for bad in [
            "", "-", ".", "e3", "1e", "1e+", "1.2.3", "1-2", "0x10", "inf", "NaN", "1 2", "--1",
            "1e5.5",
        ] {
            assert!(!is_decimal(bad), "{bad} is not a number");
        }
    }

    #[test]
    fn zero_never_shows_a_minus_sign() {
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-0.001), "0");
        assert_eq!(format_money(Diagram::default().monthly_cost()), "$0");
    }

    #[test]
    fn prices_show_whole_cents_below_a_hundred_dollars() {
        assert_eq!(format_money(15.5), "$15.50");
        assert_eq!(format_money(70.25), "$70.25");
        assert_eq!(format_money(99.9), "$99.90");
        assert_eq!(format_money(0.001), "$0");
        assert_eq!(format_money(9.999), "$10");
        assert_eq!(format_money(40.004), "$40");
        assert_eq!(format_money(99.994), "$99.99");
        assert_eq!(format_money(99.996), "$100");
        assert_eq!(format_money(1.25), "$1.25");
        assert_eq!(format_money(40.0), "$40");
        assert_eq!(format_money(2422.4), "$2,422");
    }

    #[test]
    fn a_unit_the_label_already_names_is_not_repeated() {
        let users = Kind::Users.param("users").unwrap();
        assert_eq!(field_label(users), "Active users");
        let lag = Kind::Database.param("replication_lag_ms").unwrap();
        assert_eq!(field_label(lag), "Replication lag (ms)");
        // A unit that is only part of a word in the label is still shown.
        let ttl = Kind::Dns.param("ttl_s").unwrap();
        assert_eq!(field_label(ttl), "Answer TTL (s)");
        let check = Kind::WebServer.param("check_interval_s").unwrap();
        assert_eq!(field_label(check), "Scaling check interval (s)");
        // Every field whose unit is a single letter or symbol shows it.
        for kind in Kind::ALL {
            for spec in kind.params() {
                if spec.unit.trim().len() == 1 {
                    assert!(
                        field_label(spec).ends_with(&format!("({})", spec.unit.trim())),
                        "{}",
                        spec.label
                    );
                }
            }
        }
    }
}
