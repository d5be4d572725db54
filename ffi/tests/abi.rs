//! The C ABI from Rust, through the same `extern "C"` functions C calls: the common path and
//! the error paths (the C program in `tests/c/` does the same from C, under valgrind).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use crossborder_ffi::*;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn read(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: a string the library returned, still owned by its handle.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

/// Takes the error out of `err`: (kind, message); frees it.
fn take(err: &mut *mut CbError) -> (String, String) {
    assert!(!err.is_null(), "no error was reported");
    // SAFETY: `*err` is an error this library just stored, freed once, here.
    let out = unsafe { (read(cb_error_kind(*err)), read(cb_error_message(*err))) };
    // SAFETY: as above.
    unsafe { cb_error_free(*err) };
    *err = ptr::null_mut();
    out
}

const ACT: &str = r#"{"operation": "transfer", "destination": "US", "at": "2026-03-01T00:00:00Z",
  "exporter": {"id": "acme-cn", "established_in": ["CN"]},
  "data": {"categories": ["personal.sensitive.health"], "collected_in": "CN",
           "individuals": {"one": {"id": "u-42", "residence": "CN"}}}}"#;

#[test]
fn a_consent_allows_and_its_withdrawal_denies() {
    // SAFETY: every pointer passed is NULL, a CString alive for the call, or a live handle from this library, freed once.
    unsafe {
        let mut err = ptr::null_mut();
        let engine = cb_engine_new(c(r#"{"packs": ["cn-pledge-2015"]}"#).as_ptr(), &mut err);
        assert!(!engine.is_null() && err.is_null());
        let store = cb_store_new(engine, &mut err);
        let consent = c(
            r#"{"id": "c-1", "subject": "u-42", "kind": "express", "granted_at": "2026-01-01T00:00:00Z",
            "scope": {"categories": ["personal.sensitive.health"], "destinations": ["US"], "operations": ["transfer"]}}"#,
        );
        assert_eq!(cb_store_grant(store, consent.as_ptr(), &mut err), 0);
        let transfer = cb_transfer_new(engine, c(ACT).as_ptr(), &mut err);
        assert!(!transfer.is_null());
        assert_eq!(cb_evaluate_effect(engine, transfer, store, &mut err), 1);
        let d = cb_evaluate(engine, transfer, store, &mut err);
        assert_eq!(cb_decision_allowed(d), 1);
        assert!(read(cb_decision_json(d)).contains(r#""effect":"allow""#));
        cb_decision_free(d);
        assert_eq!(
            cb_store_withdraw(
                store,
                c("c-1").as_ptr(),
                c("2026-02-01T00:00:00Z").as_ptr(),
                &mut err
            ),
            0
        );
        let d = cb_evaluate(engine, transfer, store, &mut err);
        assert_eq!(cb_decision_allowed(d), 0);
        assert!(read(cb_decision_text(d)).contains("withdrawn at 2026-02-01T00:00:00Z"));
        cb_decision_free(d);
        cb_transfer_free(transfer);
        cb_store_free(store);
        cb_engine_free(engine);
    }
}

#[test]
fn bad_input_is_an_error_with_a_kind_and_a_message() {
    // SAFETY: every pointer passed is NULL, a CString alive for the call, or a live handle from this library, freed once.
    unsafe {
        let mut err = ptr::null_mut();
        assert!(cb_engine_new(ptr::null(), &mut err).is_null());
        assert_eq!(
            take(&mut err),
            ("null_argument".into(), "`config_json` is NULL".into())
        );
        let invalid = [b'{', 0xff, b'}', 0];
        assert!(cb_engine_new(invalid.as_ptr().cast(), &mut err).is_null());
        assert_eq!(take(&mut err).0, "invalid_utf8");
        assert!(cb_engine_new(c("{").as_ptr(), &mut err).is_null());
        assert_eq!(take(&mut err).0, "invalid_json");
        assert!(cb_engine_new(c(r#"{"packz": []}"#).as_ptr(), &mut err).is_null());
        let (kind, message) = take(&mut err);
        assert_eq!(kind, "invalid_json");
        assert!(message.contains("unknown field `packz`"), "{message}");
        assert!(cb_engine_new(c(r#"{"packs": ["cn-pipI"]}"#).as_ptr(), &mut err).is_null());
        let (kind, message) = take(&mut err);
        assert_eq!(kind, "invalid_engine");
        assert!(message.contains("cn-pipl"), "{message}");
        // A transfer prepared for another engine.
        let a = cb_engine_new(c(r#"{"packs": ["cn-pledge-2015"]}"#).as_ptr(), &mut err);
        let b = cb_engine_new(c(r#"{"packs": ["eu-gdpr"]}"#).as_ptr(), &mut err);
        let t = cb_transfer_new(a, c(ACT).as_ptr(), &mut err);
        assert!(cb_evaluate(b, t, ptr::null(), &mut err).is_null());
        assert_eq!(take(&mut err).0, "engine_mismatch");
        // A NULL error pointer is allowed: the failure is the return value alone.
        assert_eq!(cb_evaluate_effect(b, t, ptr::null(), ptr::null_mut()), -1);
        // The JSON path, and freeing.
        let json = cb_evaluate_json(a, c(ACT).as_ptr(), ptr::null(), &mut err);
        assert!(read(json).contains(r#""effect":"deny""#));
        cb_string_free(json);
        cb_transfer_free(t);
        cb_engine_free(a);
        cb_engine_free(b);
        assert_eq!(read(cb_version()), env!("CARGO_PKG_VERSION"));
    }
}
