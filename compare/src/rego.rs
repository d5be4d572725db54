//! Rego (regorus 0.14) side: `policies/cb1.rego`, with the consent existential in the policy,
//! evaluated by the RVM (compiled program) and by the interpreter (`Engine::eval_rule`).
//!
//! Path B-res (`policies/cb1_res.rego`): the whole store is the `data` document, set once;
//! per request the input holds the request and three ids.
//!
//! Path B, per request: look up subject, exporter and recipient in the native `HashMap` store
//! and copy their records, unfiltered, into the input document (strings come from values
//! interned once, so building is mostly `Arc` clones, `BTreeMap` inserts and number boxing).

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::value::Object;
use regorus::{Engine, Rc, Value};

use crate::workload::{
    CATEGORIES, JURISDICTIONS, MECHS, NApproval, NConsent, NSubject, OPS, Population, Request,
};

/// The Rego policy text.
pub(crate) const POLICY: &str = include_str!("../policies/cb1.rego");
/// The rule the host asks for.
pub(crate) const ENTRY: &str = "data.cb1.allow";
/// Path B-res: the same rules reading the store from `data.store` (`policies/cb1_res.rego`).
pub(crate) const POLICY_RES: &str = include_str!("../policies/cb1_res.rego");
/// The B-res rule the host asks for.
pub(crate) const ENTRY_RES: &str = "data.cb1res.allow";

/// Strings interned once as `Value`s (field names and the vocabulary).
pub(crate) struct Interned {
    jurisdictions: Vec<Value>,
    categories: Vec<Value>,
    ops: Vec<Value>,
    mechs: Vec<Value>,
    f: Fields,
}

struct Fields {
    store: Value,
    subjects: Value,
    exporters: Value,
    recipients: Value,
    request: Value,
    subject: Value,
    exporter: Value,
    recipient: Value,
    category: Value,
    collected_in: Value,
    destination: Value,
    operation: Value,
    at: Value,
    residence: Value,
    consents: Value,
    express: Value,
    categories: Value,
    destinations: Value,
    operations: Value,
    granted_at: Value,
    expires_at: Value,
    withdrawn_at: Value,
    approvals: Value,
    mechanism: Value,
    valid_from: Value,
    valid_until: Value,
    dpf_certified: Value,
}

fn v(s: &str) -> Value {
    Value::from(s)
}

impl Interned {
    pub(crate) fn new() -> Self {
        Interned {
            jurisdictions: JURISDICTIONS.iter().map(|j| v(j)).collect(),
            categories: CATEGORIES.iter().map(|(c, _)| v(c)).collect(),
            ops: OPS.iter().map(|o| v(o)).collect(),
            mechs: MECHS.iter().map(|m| v(m)).collect(),
            f: Fields {
                store: v("store"),
                subjects: v("subjects"),
                exporters: v("exporters"),
                recipients: v("recipients"),
                request: v("request"),
                subject: v("subject"),
                exporter: v("exporter"),
                recipient: v("recipient"),
                category: v("category"),
                collected_in: v("collected_in"),
                destination: v("destination"),
                operation: v("operation"),
                at: v("at"),
                residence: v("residence"),
                consents: v("consents"),
                express: v("express"),
                categories: v("categories"),
                destinations: v("destinations"),
                operations: v("operations"),
                granted_at: v("granted_at"),
                expires_at: v("expires_at"),
                withdrawn_at: v("withdrawn_at"),
                approvals: v("approvals"),
                mechanism: v("mechanism"),
                valid_from: v("valid_from"),
                valid_until: v("valid_until"),
                dpf_certified: v("dpf_certified"),
            },
        }
    }

    fn list(vocab: &[Value], xs: &[u8]) -> Value {
        Value::from(
            xs.iter()
                .map(|&x| vocab[x as usize].clone())
                .collect::<Vec<_>>(),
        )
    }

    fn consent(&self, c: &NConsent) -> Value {
        let f = &self.f;
        let mut o = Object::new();
        o.insert(f.express.clone(), Value::from(c.express));
        o.insert(
            f.categories.clone(),
            Self::list(&self.categories, &c.categories),
        );
        o.insert(
            f.destinations.clone(),
            Self::list(&self.jurisdictions, &c.destinations),
        );
        o.insert(f.operations.clone(), Self::list(&self.ops, &c.operations));
        o.insert(f.granted_at.clone(), Value::from(c.granted_at));
        o.insert(f.expires_at.clone(), Value::from(c.expires_at));
        o.insert(
            f.withdrawn_at.clone(),
            c.withdrawn_at.map_or(Value::Null, Value::from),
        );
        Value::from(o)
    }

    fn approval(&self, a: &NApproval) -> Value {
        let f = &self.f;
        let mut o = Object::new();
        o.insert(
            f.mechanism.clone(),
            self.mechs[a.mechanism as usize].clone(),
        );
        o.insert(
            f.categories.clone(),
            Self::list(&self.categories, &a.categories),
        );
        o.insert(
            f.destinations.clone(),
            Self::list(&self.jurisdictions, &a.destinations),
        );
        o.insert(f.valid_from.clone(), Value::from(a.valid_from));
        o.insert(f.valid_until.clone(), Value::from(a.valid_until));
        Value::from(o)
    }

    /// The request part of the input (both paths).
    fn request(&self, r: &Request) -> Value {
        let f = &self.f;
        let mut req = Object::new();
        req.insert(
            f.category.clone(),
            self.categories[r.category as usize].clone(),
        );
        req.insert(
            f.collected_in.clone(),
            self.jurisdictions[r.collected_in as usize].clone(),
        );
        req.insert(
            f.destination.clone(),
            self.jurisdictions[r.destination as usize].clone(),
        );
        req.insert(f.operation.clone(), self.ops[r.operation as usize].clone());
        req.insert(f.at.clone(), Value::from(r.at));
        Value::from(req)
    }

    /// Host work for one request on path B-res: the request part and the three ids only (the
    /// records are in `data.store`, loaded once by [`Self::store`]).
    pub(crate) fn request_input(&self, r: &Request) -> Value {
        let f = &self.f;
        let mut input = Object::new();
        input.insert(f.request.clone(), self.request(r));
        input.insert(f.subject.clone(), Value::from(u64::from(r.subject)));
        input.insert(f.exporter.clone(), Value::from(u64::from(r.exporter)));
        input.insert(f.recipient.clone(), Value::from(u64::from(r.recipient)));
        Value::from(input)
    }

    /// The whole native store as the `data` document of path B-res (built once).
    pub(crate) fn store(&self, pop: &Population) -> Value {
        let f = &self.f;
        let mut subjects = Object::new();
        for (id, s) in &pop.subjects {
            subjects.insert(Value::from(u64::from(*id)), self.subject(s));
        }
        let mut exporters = Object::new();
        for (id, approvals) in &pop.exporters {
            exporters.insert(Value::from(u64::from(*id)), self.exporter(approvals));
        }
        let mut recipients = Object::new();
        for (id, dpf) in &pop.recipients {
            recipients.insert(Value::from(u64::from(*id)), self.recipient(*dpf));
        }
        let mut store = Object::new();
        store.insert(f.subjects.clone(), Value::from(subjects));
        store.insert(f.exporters.clone(), Value::from(exporters));
        store.insert(f.recipients.clone(), Value::from(recipients));
        let mut data = Object::new();
        data.insert(f.store.clone(), Value::from(store));
        Value::from(data)
    }

    fn subject(&self, subject: &NSubject) -> Value {
        let f = &self.f;
        let mut subj = Object::new();
        subj.insert(
            f.residence.clone(),
            self.jurisdictions[subject.residence as usize].clone(),
        );
        subj.insert(
            f.consents.clone(),
            Value::from(
                subject
                    .consents
                    .iter()
                    .map(|c| self.consent(c))
                    .collect::<Vec<_>>(),
            ),
        );
        Value::from(subj)
    }

    fn exporter(&self, approvals: &[NApproval]) -> Value {
        let f = &self.f;
        let mut exp = Object::new();
        exp.insert(
            f.approvals.clone(),
            Value::from(
                approvals
                    .iter()
                    .map(|a| self.approval(a))
                    .collect::<Vec<_>>(),
            ),
        );

        Value::from(exp)
    }

    fn recipient(&self, dpf: bool) -> Value {
        let mut rec = Object::new();
        rec.insert(self.f.dpf_certified.clone(), Value::from(dpf));
        Value::from(rec)
    }

    /// Host work for one request on path B: look-ups and the whole input document.
    pub(crate) fn input(&self, pop: &Population, r: &Request) -> Value {
        let f = &self.f;
        let mut input = Object::new();
        input.insert(f.request.clone(), self.request(r));
        input.insert(f.subject.clone(), self.subject(&pop.subjects[&r.subject]));
        input.insert(
            f.exporter.clone(),
            self.exporter(&pop.exporters[&r.exporter]),
        );
        input.insert(
            f.recipient.clone(),
            self.recipient(pop.recipients[&r.recipient]),
        );
        Value::from(input)
    }
}

/// The interpreter: an `Engine` with the policy added, reused across requests.
pub(crate) fn interpreter() -> Result<Engine, String> {
    let mut engine = Engine::new();
    engine
        .add_policy("cb1.rego".to_owned(), POLICY.to_owned())
        .map_err(|e| e.to_string())?;
    Ok(engine)
}

/// The RVM: the policy compiled for the entry point, then to an RVM program, loaded in a VM
/// reused across requests.
pub(crate) fn rvm() -> Result<(RegoVM, Arc<Program>), String> {
    let mut engine = interpreter()?;
    let entry: Rc<str> = ENTRY.into();
    let compiled = engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())?;
    let program = Compiler::compile_from_policy(&compiled, &[ENTRY]).map_err(|e| e.to_string())?;
    let mut vm = RegoVM::new();
    vm.load_program(program.clone());
    Ok((vm, program))
}

/// Interpreter evaluation of one input.
pub(crate) fn eval_interpreter(engine: &mut Engine, input: Value) -> Result<bool, String> {
    engine.set_input(input);
    let out = engine
        .eval_rule(ENTRY.to_owned())
        .map_err(|e| e.to_string())?;
    out.as_bool().copied().map_err(|e| format!("{e}: {out}"))
}

/// Path B-res: the B-res policy compiled to an RVM program, with the store set as `data` once.
pub(crate) fn rvm_res(data: Value) -> Result<RegoVM, String> {
    let mut engine = Engine::new();
    engine
        .add_policy("cb1_res.rego".to_owned(), POLICY_RES.to_owned())
        .map_err(|e| e.to_string())?;
    let entry: Rc<str> = ENTRY_RES.into();
    let compiled = engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())?;
    let program =
        Compiler::compile_from_policy(&compiled, &[ENTRY_RES]).map_err(|e| e.to_string())?;
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_data(data).map_err(|e| e.to_string())?;
    Ok(vm)
}

/// RVM evaluation of one input.
pub(crate) fn eval_rvm(vm: &mut RegoVM, input: Value) -> Result<bool, String> {
    vm.set_input(input);
    let out = vm.execute().map_err(|e| e.to_string())?;
    out.as_bool().copied().map_err(|e| format!("{e}: {out}"))
}
