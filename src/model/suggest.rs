//! Did-you-mean: the declared name closest to one that was refused, so that every "unknown
//! name" message can say what was probably meant.

/// The candidate closest to `name`, if one is close enough to be a plausible typo: the same
/// name in another case, the same last segment of a dotted name (`personal.biometric` →
/// `personal.sensitive.biometric`), a name the candidate starts with (`min` → `min_kind`), or
/// an edit distance of at most a third of the name's
/// length (at least 1, at most 3).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).to_owned();
    let name_last = last(name);
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = if c.eq_ignore_ascii_case(name) {
            0
        } else if (name.contains('.') && last(c) == name_last)
            || (name.len() >= 3 && c.starts_with(name))
        {
            1
        } else {
            let d = strsim::damerau_levenshtein(name, c);
            if d > limit {
                continue;
            }
            d + 1
        };
        if best.is_none_or(|(s, b)| score < s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `"; did you mean `x`?"` when a candidate is close to `name`, else nothing.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

/// A serde message about an unknown field or variant (`unknown field `colour`, expected one of
/// `a`, `b`` or `… expected `a` or `b``), with the closest expected name put first:
/// `unknown field `destinaton_not_in`: did you mean `destination_not_in`? (expected one of …)`.
/// Other messages come back unchanged.
pub(crate) fn hint_unknown_name(message: &str) -> String {
    let message = &without_rust_types(message);
    let Some(rest) = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))
    else {
        return message.to_owned();
    };
    let mut quoted = rest.split('`').skip(1).step_by(2);
    let Some(name) = quoted.next() else {
        return message.to_owned();
    };
    let expected: Vec<&str> = quoted.collect();
    let Some(best) = closest(name, expected.iter().copied()) else {
        return message.to_owned();
    };
    match message.split_once(", expected") {
        Some((head, tail)) => format!("{head}: did you mean `{best}`? (expected{tail})"),
        None => format!("{message}: did you mean `{best}`?"),
    }
}

/// serde's "expected struct variant Individuals::Bulk" or "expected struct Scope", in the
/// input's words: "expected a table of fields" (messages name no Rust type).
fn without_rust_types(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("expected struct ") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        out.push_str("expected a table of fields");
        let tail = &tail["expected struct ".len()..];
        let tail = tail.strip_prefix("variant ").unwrap_or(tail);
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_no_rust_type() {
        assert_eq!(
            hint_unknown_name(
                "invalid type: integer `5000`, expected struct variant Individuals::Bulk"
            ),
            "invalid type: integer `5000`, expected a table of fields"
        );
        assert_eq!(
            hint_unknown_name("invalid type: string \"x\", expected struct Scope at line 1"),
            "invalid type: string \"x\", expected a table of fields at line 1"
        );
    }

    #[test]
    fn typos_case_and_moved_segments_are_suggested() {
        let cats = [
            "personal.contact",
            "personal.sensitive.biometric",
            "personal",
        ];
        assert_eq!(closest("personal.contacts", cats), Some("personal.contact"));
        assert_eq!(
            closest("personal.biometric", cats),
            Some("personal.sensitive.biometric")
        );
        assert_eq!(closest("Personal", cats), Some("personal"));
        assert_eq!(closest("financial", cats), None);
        assert_eq!(
            closest("marketting", ["marketing", "hr"]),
            Some("marketing")
        );
        assert_eq!(closest("x", ["y", "hr"]), Some("y"));
        assert_eq!(did_you_mean("hx", ["hr"]), "; did you mean `hr`?");
        assert_eq!(did_you_mean("zzzz", ["hr"]), "");
    }

    #[test]
    fn unknown_fields_and_variants_lead_with_the_closest_name() {
        assert_eq!(
            hint_unknown_name(
                "unknown field `destinaton_not_in`, expected one of `origin_in`, `destination_not_in`"
            ),
            "unknown field `destinaton_not_in`: did you mean `destination_not_in`? (expected one of `origin_in`, `destination_not_in`)"
        );
        assert_eq!(
            hint_unknown_name("unknown variant `explict`, expected `explicit` or `express`"),
            "unknown variant `explict`: did you mean `explicit`? (expected `explicit` or `express`)"
        );
        let far = "unknown field `colour`, expected `id` or `title`";
        assert_eq!(hint_unknown_name(far), far);
        assert_eq!(
            hint_unknown_name("invalid type: integer"),
            "invalid type: integer"
        );
    }
}
