//! The lake's SQL, shared by the example (`main.rs`) and the tests (`tests/lake.rs`).

/// The act, in the struct form: every column of the log crossborder reads.
pub const ACT: &str = "named_struct(\
    'operation', operation, 'destination', destination, 'categories', categories, \
    'collected_in', collected_in, 'subject', subject, 'subject_residence', subject_residence, \
    'subject_location', subject_location, 'exporter', exporter, \
    'exporter_established', exporter_established, 'recipient', recipient, \
    'recipient_established', recipient_established, 'recipient_role', recipient_role, \
    'purposes', purposes, 'tags', tags, 'transfer_id', transfer_id, 'at', at)";

/// The audit: denials, one row per deciding rule (a denial by two rules counts under both).
pub fn audit_sql() -> String {
    format!(
        "WITH decided AS (SELECT destination, crossborder_decide({ACT}) AS d FROM access_log), \
         denied AS (SELECT destination, unnest(string_to_array(d['rules'], ',')) AS rule \
                    FROM decided WHERE d['effect'] = 'deny') \
         SELECT rule, destination, count(*) AS acts FROM denied \
         GROUP BY rule, destination ORDER BY acts DESC, rule, destination"
    )
}

/// Every row's decision, keyed by `transfer_id`.
pub fn decide_sql() -> String {
    format!(
        "SELECT transfer_id, d['effect'] AS effect, d['rules'] AS rules, \
         d['explanation'] AS explanation, d['error'] AS error \
         FROM (SELECT transfer_id, crossborder_decide({ACT}) AS d FROM access_log)"
    )
}
