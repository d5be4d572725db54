# Benchmark workload cb-1 (benches/cb1/README.md), rules R1-R3, in Rego (v1 syntax), for path
# B-res: the whole store is loaded into the engine once, as `data.store`, and per request the
# input names only the request and the ids of its subject, exporter and recipient.
#
# data.store = {
#   "subjects":   {id: {"residence": string, "consents": [consent as in cb1.rego]}},
#   "exporters":  {id: {"approvals": [approval as in cb1.rego]}},
#   "recipients": {id: {"dpf_certified": bool}}
# }
# input = {"request": {"category", "collected_in", "destination", "operation", "at"},
#          "subject": id, "exporter": id, "recipient": id}
# Ids are numbers. The rules are those of cb1.rego, reading the records from data.store.
package cb1res

eea := {"DE", "FR", "IE"}

adequate := {"JP", "GB", "CH", "KR"}

sensitive := {"health", "biometric", "financial", "location", "minor"}

cn_routes := {"cac_assessment", "cn_standard_contract", "pip_certification"}

subject := data.store.subjects[input.subject]

exporter := data.store.exporters[input.exporter]

recipient := data.store.recipients[input.recipient]

# All applicable rules must allow; no applicable rule -> allow.
default allow := false

allow if {
	not r1_denies
	not r2_denies
	not r3_denies
}

# Some express consent of the subject covers category, destination and operation and is
# valid at the request time (granted, not expired, not withdrawn).
covering_consent if {
	some c in subject.consents
	c.express == true
	input.request.category in c.categories
	input.request.destination in c.destinations
	input.request.operation in c.operations
	c.granted_at <= input.request.at
	input.request.at < c.expires_at
	not withdrawn(c)
}

withdrawn(c) if {
	c.withdrawn_at != null
	c.withdrawn_at <= input.request.at
}

# R1 (China)
r1_applies if {
	input.request.collected_in == "CN"
	input.request.category in sensitive
	input.request.destination != "CN"
}

r1_allowed if covering_consent

r1_allowed if {
	some a in exporter.approvals
	a.mechanism in cn_routes
	input.request.category in a.categories
	input.request.destination in a.destinations
	a.valid_from <= input.request.at
	input.request.at < a.valid_until
}

r1_denies if {
	r1_applies
	not r1_allowed
}

# R2 (GDPR)
r2_applies if {
	subject.residence in eea
	not input.request.destination in eea
}

r2_applies if {
	input.request.collected_in in eea
	not input.request.destination in eea
}

r2_allowed if input.request.destination in adequate

r2_allowed if {
	input.request.destination == "US"
	recipient.dpf_certified == true
}

# An SCC covering the destination (its categories are not tested).
r2_allowed if {
	some a in exporter.approvals
	a.mechanism == "scc"
	input.request.destination in a.destinations
	a.valid_from <= input.request.at
	input.request.at < a.valid_until
}

r2_allowed if covering_consent

r2_denies if {
	r2_applies
	not r2_allowed
}

# R3 (Australia): no exception.
r3_denies if {
	input.request.category == "health_record"
	input.request.collected_in == "AU"
	input.request.destination != "AU"
}
