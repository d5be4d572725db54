//! Per-call overhead of the C ABI against the Rust call, in the same run on the same act
//! (PERFORMANCE.md, "C ABI"): `Engine::evaluate` on a prepared transfer; `cb_evaluate_effect`
//! on a prepared transfer (the fast path); `cb_evaluate` (a decision with its explained report
//! as JSON and text); `cb_evaluate_json` (JSON in, JSON out: parse, prepare, decide, explain,
//! serialise). Medians of 20 passes. `cargo bench -p crossborder-ffi`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "bench code"
)]

use std::ffi::CString;
use std::hint::black_box;
use std::ptr;
use std::time::Instant;

use crossborder::{Engine, MemoryEvidence, TransferBuilder};
use crossborder_ffi::*;

const ACT: &str = r#"{"operation": "transfer", "destination": "US", "at": "2026-03-01T00:00:00Z",
  "exporter": {"id": "acme-cn", "established_in": ["CN"]},
  "data": {"categories": ["personal.sensitive.health"], "collected_in": "CN",
           "individuals": {"one": {"id": "u-42", "residence": "CN"}}}}"#;
const CONSENT: &str = r#"{"id": "c-1", "subject": "u-42", "kind": "express", "granted_at": "2026-01-01T00:00:00Z",
  "scope": {"categories": ["personal.sensitive.health"], "destinations": ["US"], "operations": ["transfer"]}}"#;

/// Median nanoseconds per call of `f` over 20 passes of `n` calls.
fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let mut passes: Vec<f64> = (0..20)
        .map(|_| {
            let a = Instant::now();
            for _ in 0..n {
                f();
            }
            a.elapsed().as_nanos() as f64 / f64::from(n)
        })
        .collect();
    passes.sort_by(f64::total_cmp);
    passes.get(passes.len() / 2).copied().unwrap_or_default()
}

fn main() {
    // SAFETY: every pointer passed is NULL, a CString alive for the call, or a live handle from this library, freed once.
    unsafe {
        let engine = Engine::builder().enable("cn-pledge-2015").build().unwrap();
        let store = MemoryEvidence::new();
        store
            .grant(crossborder::Consent::from_json_str(CONSENT).unwrap())
            .unwrap();
        let transfer = TransferBuilder::from_json_str(ACT)
            .unwrap()
            .build(&engine)
            .unwrap();
        let rust = per_call(100_000, || {
            black_box(engine.evaluate(black_box(&transfer), &store).is_allowed());
        });
        let rust_json = per_call(10_000, || {
            let t = TransferBuilder::from_json_str(black_box(ACT))
                .unwrap()
                .build(&engine)
                .unwrap();
            let d = engine.evaluate(&t, &store);
            black_box(serde_json::to_string(&d.explain(&store)).unwrap());
        });

        let mut err = ptr::null_mut();
        let config = CString::new(r#"{"packs": ["cn-pledge-2015"]}"#).unwrap();
        let e = cb_engine_new(config.as_ptr(), &mut err);
        let s = cb_store_new(e, &mut err);
        let consent = CString::new(CONSENT).unwrap();
        assert_eq!(cb_store_grant(s, consent.as_ptr(), &mut err), 0);
        let act = CString::new(ACT).unwrap();
        let t = cb_transfer_new(e, act.as_ptr(), &mut err);
        let effect = per_call(100_000, || {
            black_box(cb_evaluate_effect(e, black_box(t), s, ptr::null_mut()));
        });
        let decision = per_call(10_000, || {
            let d = cb_evaluate(e, black_box(t), s, ptr::null_mut());
            black_box(cb_decision_allowed(d));
            cb_decision_free(d);
        });
        let json = per_call(10_000, || {
            let out = cb_evaluate_json(e, black_box(act.as_ptr()), s, ptr::null_mut());
            cb_string_free(black_box(out));
        });
        println!("C ABI per call (median of 20 passes; the Rust call in the same run):");
        println!("  Rust Engine::evaluate, prepared transfer        {rust:8.0} ns");
        println!(
            "  cb_evaluate_effect, prepared transfer            {effect:8.0} ns  ({:.2}x the Rust call)",
            effect / rust
        );
        println!("  cb_evaluate, decision + explained report          {decision:8.0} ns");
        println!("  Rust JSON in/out (parse, prepare, decide, explain) {rust_json:7.0} ns");
        println!(
            "  cb_evaluate_json, JSON in/out                     {json:8.0} ns  ({:.2}x the Rust JSON path)",
            json / rust_json
        );
        cb_transfer_free(t);
        cb_store_free(s);
        cb_engine_free(e);
    }
}
