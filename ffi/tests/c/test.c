/*
 * Exercises every function of crossborder.h, every error path (NULL, invalid UTF-8, invalid
 * JSON, unknown pack, a transfer prepared for another engine) and evaluation from several
 * threads at once. Run under valgrind by CI: no errors, no definitely-lost bytes.
 *
 *   cc -Wall -Wextra -Werror -std=c11 -pthread -I ffi/include ffi/tests/c/test.c \
 *      -L target/debug -lcrossborder_ffi -o target/ffi-test && \
 *   LD_LIBRARY_PATH=target/debug target/ffi-test
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crossborder.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* Expects `err` to hold an error of `kind` whose message contains `part`; frees it. */
static void expect_error(CbError *err, const char *kind, const char *part) {
  CHECK(err != NULL);
  if (err == NULL) return;
  const char *k = cb_error_kind(err);
  const char *m = cb_error_message(err);
  if (strcmp(k, kind) != 0 || strstr(m, part) == NULL) {
    fprintf(stderr, "expected %s containing \"%s\", got %s: %s\n", kind, part, k, m);
    failures++;
  }
  cb_error_free(err);
}

static const char *ACT =
    "{\"operation\": \"transfer\", \"destination\": \"US\", \"data\": {\"categories\": "
    "[\"personal.sensitive.health\"], \"collected_in\": \"CN\", \"individuals\": {\"one\": "
    "{\"id\": \"u-42\", \"residence\": \"CN\"}}}, \"exporter\": {\"id\": \"acme-cn\", "
    "\"established_in\": [\"CN\"]}, \"at\": \"2026-03-01T00:00:00Z\"}";

static const char *CONSENT =
    "{\"id\": \"c-1\", \"subject\": \"u-42\", \"kind\": \"express\", \"granted_at\": "
    "\"2026-01-01T00:00:00Z\", \"scope\": {\"categories\": [\"personal.sensitive.health\"], "
    "\"destinations\": [\"US\"], \"operations\": [\"transfer\"]}}";

struct shared {
  const CbEngine *engine;
  const CbTransfer *transfer;
  const CbStore *store;
  int allowed;
};

static void *worker(void *arg) {
  struct shared *s = arg;
  int allowed = 0;
  for (int i = 0; i < 200; i++) {
    CbError *err = NULL;
    int effect = cb_evaluate_effect(s->engine, s->transfer, s->store, &err);
    if (effect == 1) allowed++;
    if (err != NULL) cb_error_free(err);
    if (i % 50 == 0) {
      CbDecision *d = cb_evaluate(s->engine, s->transfer, s->store, NULL);
      if (d != NULL && cb_decision_allowed(d) == 1) allowed += 0;
      cb_decision_free(d);
    }
  }
  s->allowed = allowed;
  return NULL;
}

int main(void) {
  CbError *err = NULL;
  CHECK(strcmp(cb_version(), "0.1.0") == 0);

  /* An engine on a built-in pack. */
  CbEngine *engine = cb_engine_new("{\"packs\": [\"cn-pledge-2015\"]}", &err);
  CHECK(engine != NULL && err == NULL);

  /* A consent, a prepared transfer, a decision: allowed on the consent. */
  CbStore *store = cb_store_new(engine, &err);
  CHECK(store != NULL && err == NULL);
  CHECK(cb_store_grant(store, CONSENT, &err) == 0 && err == NULL);
  CbTransfer *transfer = cb_transfer_new(engine, ACT, &err);
  CHECK(transfer != NULL && err == NULL);
  CbDecision *decision = cb_evaluate(engine, transfer, store, &err);
  CHECK(decision != NULL && err == NULL);
  CHECK(cb_decision_allowed(decision) == 1);
  CHECK(strstr(cb_decision_json(decision), "\"effect\":\"allow\"") != NULL);
  CHECK(strstr(cb_decision_text(decision), "ALLOW") != NULL);
  cb_decision_free(decision);
  CHECK(cb_evaluate_effect(engine, transfer, store, NULL) == 1);

  /* Withdrawn: denied, and the explanation names the consent that no longer counts. */
  CHECK(cb_store_withdraw(store, "c-1", "2026-02-01T00:00:00Z", &err) == 0);
  decision = cb_evaluate(engine, transfer, store, &err);
  CHECK(decision != NULL && cb_decision_allowed(decision) == 0);
  CHECK(strstr(cb_decision_text(decision), "withdrawn at 2026-02-01T00:00:00Z") != NULL);
  cb_decision_free(decision);

  /* JSON in, JSON out; no evidence at all. */
  char *json = cb_evaluate_json(engine, ACT, NULL, &err);
  CHECK(json != NULL && strstr(json, "\"effect\":\"deny\"") != NULL);
  cb_string_free(json);

  /* Approvals, in a store bound to no engine (names unchecked): added, then revoked. */
  CbStore *loose = cb_store_new(NULL, &err);
  CHECK(loose != NULL && err == NULL);
  CHECK(cb_store_add_approval(loose,
                              "{\"id\": \"a-1\", \"authority\": \"CN-CAC\", \"mechanism\": "
                              "\"security_assessment\", \"holder\": \"acme-cn\", \"valid_from\": "
                              "\"2026-01-01T00:00:00Z\", \"scope\": {\"categories\": "
                              "[\"personal\"], \"destinations\": [\"US\"], \"operations\": "
                              "[\"transfer\"]}}",
                              &err) == 0 && err == NULL);
  CHECK(cb_store_revoke_approval(loose, "a-1", "2026-02-01T00:00:00Z", &err) == 0 && err == NULL);
  cb_store_free(loose);
  /* A ledger record; an import of JSON lines. */
  CHECK(cb_store_record(store, engine, transfer, &err) == 0 && err == NULL);
  CHECK(cb_store_import(store,
                        "{\"consent\": {\"id\": \"c-2\", \"subject\": \"u-7\", \"kind\": "
                        "\"express\", \"granted_at\": \"2026-01-01T00:00:00Z\", \"scope\": "
                        "{\"categories\": [\"personal\"], \"destinations\": [\"US\"], "
                        "\"operations\": [\"transfer\"]}}}\n",
                        &err) == 0 && err == NULL);
  CHECK(cb_store_revoke_approval(store, "no-such-approval", "2026-02-01T00:00:00Z", &err) == -1);
  expect_error(err, "store", "no-such-approval");

  /* Error paths. NULL arguments: */
  CHECK(cb_engine_new(NULL, &err) == NULL);
  expect_error(err, "null_argument", "config_json");
  CHECK(cb_transfer_new(NULL, ACT, &err) == NULL);
  expect_error(err, "null_argument", "engine");
  CHECK(cb_evaluate(engine, NULL, store, &err) == NULL);
  expect_error(err, "null_argument", "transfer");
  CHECK(cb_store_grant(NULL, CONSENT, &err) == -1);
  expect_error(err, "null_argument", "store");
  CHECK(cb_decision_allowed(NULL) == -1);
  CHECK(cb_decision_json(NULL) == NULL && cb_error_message(NULL) == NULL);
  /* Invalid UTF-8: */
  CHECK(cb_transfer_new(engine, "{\"operation\": \"\xff\"}", &err) == NULL);
  expect_error(err, "invalid_utf8", "offset 15");
  /* Invalid JSON: */
  CHECK(cb_engine_new("{\"packs\": [", &err) == NULL);
  expect_error(err, "invalid_json", "config_json");
  CHECK(cb_transfer_new(engine, "{\"operation\": \"teleport\"}", &err) == NULL);
  expect_error(err, "invalid_input", "teleport");
  CHECK(cb_store_grant(store, "{\"id\": \"c-3\"", &err) == -1);
  expect_error(err, "invalid_input", "EOF while parsing");
  /* An unknown pack, with the closest name: */
  CHECK(cb_engine_new("{\"packs\": [\"cn-pipI\"]}", &err) == NULL);
  expect_error(err, "invalid_engine", "cn-pipl");
  /* A transfer prepared for another engine: */
  CbEngine *other = cb_engine_new("{\"packs\": [\"eu-gdpr\"]}", &err);
  CHECK(other != NULL);
  CHECK(cb_evaluate(other, transfer, NULL, &err) == NULL);
  expect_error(err, "engine_mismatch", "another engine");
  CHECK(cb_evaluate_effect(other, transfer, NULL, &err) == -1);
  expect_error(err, "engine_mismatch", "another engine");
  cb_engine_free(other);
  /* A pack given as text, with an option: */
  CbEngine *texts = cb_engine_new(
      "{\"packs\": [\"cn-pledge-2015\"], \"options\": "
      "{\"cn-pledge-2015.sensitive_as_pipl_art28\": false}, \"pack_texts\": []}",
      &err);
  CHECK(texts != NULL && err == NULL);
  cb_engine_free(texts);
  CHECK(cb_engine_new("{\"pack_texts\": [\"format = 1\"]}", &err) == NULL);
  expect_error(err, "invalid_pack", "pack_texts[0]");
  /* A durable store, reopened: the consent is still there. */
  char path[] = "target/cb-ffi-test-XXXXXX"; /* CI runs from the repository root */
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  remove(path);
  CbStore *durable = cb_store_open(path, engine, &err);
  CHECK(durable != NULL && err == NULL);
  CHECK(cb_store_grant(durable, CONSENT, &err) == 0);
  CHECK(cb_store_open(path, engine, &err) == NULL);
  expect_error(err, "store", "locked");
  cb_store_free(durable);
  durable = cb_store_open(path, NULL, &err);
  CHECK(durable != NULL);
  CHECK(cb_evaluate_effect(engine, transfer, durable, NULL) == 1);
  cb_store_free(durable);
  remove(path);

  /* Several threads deciding with one engine, one store and one transfer. */
  CHECK(cb_store_grant(store,
                       "{\"id\": \"c-9\", \"subject\": \"u-42\", \"kind\": \"express\", "
                       "\"granted_at\": \"2026-02-15T00:00:00Z\", \"scope\": {\"categories\": "
                       "[\"personal.sensitive.health\"], \"destinations\": [\"US\"], "
                       "\"operations\": [\"transfer\"]}}",
                       &err) == 0);
  enum { THREADS = 4 };
  pthread_t threads[THREADS];
  struct shared shared[THREADS];
  for (int i = 0; i < THREADS; i++) {
    shared[i] = (struct shared){engine, transfer, store, 0};
    CHECK(pthread_create(&threads[i], NULL, worker, &shared[i]) == 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK(shared[i].allowed == 200);
  }

  cb_transfer_free(transfer);
  cb_store_free(store);
  cb_engine_free(engine);
  cb_engine_free(NULL);
  cb_store_free(NULL);
  cb_transfer_free(NULL);
  cb_decision_free(NULL);
  cb_error_free(NULL);
  cb_string_free(NULL);

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("crossborder C ABI: all checks passed\n");
  return 0;
}
