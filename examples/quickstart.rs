//! The main job: evaluate a handful of realistic acts against the built-in packs and print each
//! decision with its explanation.
//!
//! Run with `cargo run --release --example quickstart`.

use chrono::{DateTime, TimeZone, Utc};
use crossborder::{
    Approval, Consent, ConsentKind, DataItem, Effect, Engine, MemoryEvidence, Operation,
    OperationSet, Party, Role, Scope, Subject, Transfer,
};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compile once: the 2015 pledge is voluntary, so it is enabled explicitly by id.
    let engine = Engine::builder().enable("cn-pledge-2015").build()?;
    println!("engine: {engine:?}\n");

    // The host's evidence: one user's express consent, and a CAC approval held by the exporter.
    let evidence = MemoryEvidence::new();
    evidence.grant(
        Consent::new(
            "consent-7".parse()?,
            "u-42".parse()?,
            ConsentKind::Express,
            Scope::new(
                ["personal.sensitive.health".parse()?],
                "US".parse()?,
                [Operation::Transfer, Operation::Process].into(),
            )?,
            at(2026, 1, 10),
        )?
        .expiring(at(2027, 1, 10))?,
    )?;
    evidence.add_approval(
        Approval::new(
            "cac-sa-2025-118".parse()?,
            "CN-CAC".parse()?,
            "security_assessment".parse()?,
            "acme-cn".parse()?,
            Scope::new(
                ["personal.sensitive".parse()?],
                "US".parse()?,
                OperationSet::all(),
            )?,
            at(2025, 4, 1),
        )?
        .valid_until(at(2028, 4, 1))?,
    )?;

    let user = Subject::new("u-42".parse()?).resident_in("CN".parse()?);
    let exporter = Party::new("acme-cn".parse()?).established_in("CN".parse()?);
    let recipient = Party::new("acme-us".parse()?)
        .established_in("US".parse()?)
        .with_role(Role::Processor);
    let health = || -> Result<DataItem, crossborder::ModelError> {
        Ok(DataItem::of_subject(
            user.clone(),
            ["personal.sensitive.health".parse()?],
            "CN".parse()?,
        ))
    };
    let act = |id: &str, op: Operation, dest: &str, data: DataItem, exp: &Party, when| {
        // Values and transfers fail at different stages; `crossborder::Error` takes both.
        let transfer = Transfer::builder()
            .id(id.parse()?)
            .operation(op)
            .destination(dest.parse()?)
            .data(data)
            .exporter(exp.clone())
            .recipient(recipient.clone())
            .at(when)
            .build(&engine)?;
        Ok::<_, crossborder::Error>(transfer)
    };

    let cases: Vec<(&str, Transfer, Effect)> = vec![
        (
            "The seed's case: a Chinese user's health record sent to the US with the user's express permission",
            act(
                "t-1",
                Operation::Transfer,
                "US",
                health()?,
                &exporter,
                at(2026, 3, 1),
            )?,
            Effect::Allow,
        ),
        (
            "The same record stored in Hong Kong: the consent names the US only, and Hong Kong is outside China",
            act(
                "t-2",
                Operation::Store,
                "HK",
                health()?,
                &exporter,
                at(2026, 3, 1),
            )?,
            Effect::Deny,
        ),
        (
            "US engineers query the Chinese database: remote access from abroad, lifted by the CAC assessment",
            act(
                "t-3",
                Operation::RemoteAccess,
                "US",
                health()?,
                &exporter,
                at(2026, 3, 1),
            )?,
            Effect::Allow,
        ),
        (
            "A reseller without an approval sends the record to the US after the consent expired",
            act(
                "t-4",
                Operation::Transfer,
                "US",
                health()?,
                &Party::new("reseller-cn".parse()?).established_in("CN".parse()?),
                at(2027, 2, 1),
            )?,
            Effect::Deny,
        ),
        (
            "Contact details only: not sensitive, so the pledge does not apply",
            act(
                "t-5",
                Operation::Transfer,
                "US",
                DataItem::of_subject(user.clone(), ["personal.contact".parse()?], "CN".parse()?),
                &exporter,
                at(2026, 3, 1),
            )?,
            Effect::Allow,
        ),
    ];

    for (title, transfer, expected) in &cases {
        let decision = engine.evaluate(transfer, &evidence);
        // Explained with the evidence: a deny also says what is held and why it does not count.
        println!("== {title}\n{}\n", decision.explain(&evidence));
        assert_eq!(
            decision.effect(),
            *expected,
            "unexpected decision for {title}"
        );
    }

    // The user withdraws consent: the act is now denied, while a decision as of an earlier
    // instant is unchanged.
    evidence.withdraw(&"consent-7".parse()?, at(2026, 4, 1))?;
    // The clinic holds no CAC assessment, so the consent alone decided for it.
    let clinic = Party::new("clinic-cn".parse()?).established_in("CN".parse()?);
    let before = act(
        "t-6",
        Operation::Transfer,
        "US",
        health()?,
        &clinic,
        at(2026, 3, 31),
    )?;
    let later = act(
        "t-7",
        Operation::Transfer,
        "US",
        health()?,
        &clinic,
        at(2026, 4, 2),
    )?;
    let decision = engine.evaluate(&later, &evidence);
    let explained = decision.explain(&evidence);
    println!("== After the user withdrew consent on 2026-04-01\n{explained}\n");
    assert_eq!(decision.effect(), Effect::Deny);
    assert!(engine.evaluate(&before, &evidence).is_allowed());

    println!("== The same decision as JSON, for machines and audit logs");
    println!("{}", serde_json::to_string_pretty(&explained)?);

    laws()
}

/// The same kind of acts under binding law: every built-in law pack enabled at once, each act
/// judged by every regime that governs it.
fn laws() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Engine::builder();
    for id in crossborder::pack::BUILTIN_IDS {
        if crossborder::PolicyPack::builtin(id)
            .is_some_and(|p| p.kind() == crossborder::pack::PackKind::Law)
        {
            builder = builder.enable(id);
        }
    }
    let engine = builder.build()?;
    println!("\n######## Under the law: {engine:?}\n");
    let evidence = MemoryEvidence::new();
    let dpf = crossborder::Certification::new(
        "dpf-77".parse()?,
        "eu-us-dpf".parse()?,
        at(2024, 1, 1),
        None,
    )?;
    let us_importer = Party::new("fulfil-us".parse()?)
        .established_in("US".parse()?)
        .with_role(Role::Controller)
        .with_certification(dpf);
    let act = |id: &str,
               op: Operation,
               dest: &str,
               data: DataItem,
               exporter: Party,
               recipient: Option<Party>,
               purpose: Option<&str>| {
        let mut b = Transfer::builder()
            .id(id.parse()?)
            .operation(op)
            .destination(dest.parse()?)
            .data(data)
            .exporter(exporter)
            .at(at(2026, 3, 1));
        if let Some(r) = recipient {
            b = b.recipient(r);
        }
        if let Some(p) = purpose {
            b = b.purpose(p.parse()?);
        }
        Ok::<_, Box<dyn std::error::Error>>(b.build(&engine)?)
    };
    let shop_cn = Party::new("shop-cn".parse()?).established_in("CN".parse()?);
    let in_germany = Subject::new("u-9".parse()?)
        .resident_in("DE".parse()?)
        .located_at_collection("DE".parse()?);
    let cases: Vec<(&str, Transfer, Effect)> = vec![
        (
            "A Chinese shop sends a German customer's order to a DPF-listed US fulfiller: PIPL (contract necessity, exempt volume) and the GDPR (art. 3(2), EU-US DPF) both allow",
            act(
                "l-1",
                Operation::Transfer,
                "US",
                DataItem::of_subject(
                    in_germany.clone(),
                    ["personal.contact".parse()?],
                    "CN".parse()?,
                ),
                shop_cn.clone(),
                Some(us_importer.clone()),
                Some("contract_necessity"),
            )?,
            Effect::Allow,
        ),
        (
            "An Australian clinic's My Health Record data processed in Singapore: MHR Act s 77 prohibits it, whatever the evidence",
            act(
                "l-2",
                Operation::Process,
                "SG",
                DataItem::of_subject(
                    Subject::new("p-1".parse()?),
                    ["health_record.mhr".parse()?],
                    "AU".parse()?,
                ),
                Party::new("clinic-au".parse()?).established_in("AU".parse()?),
                None,
                None,
            )?,
            Effect::Deny,
        ),
        (
            "Indian payment data stored in the US: the RBI directive prohibits storage abroad",
            act(
                "l-3",
                Operation::Store,
                "US",
                DataItem::of_subject(
                    Subject::new("c-1".parse()?),
                    ["payment.transaction".parse()?],
                    "IN".parse()?,
                ),
                Party::new("pay-in".parse()?).established_in("IN".parse()?),
                None,
                None,
            )?,
            Effect::Deny,
        ),
    ];
    for (title, transfer, expected) in &cases {
        let decision = engine.evaluate(transfer, &evidence);
        // Explained with the evidence: a deny also says what is held and why it does not count.
        println!("== {title}\n{}\n", decision.explain(&evidence));
        assert_eq!(
            decision.effect(),
            *expected,
            "unexpected decision for {title}"
        );
    }
    Ok(())
}
