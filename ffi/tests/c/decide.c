/*
 * The C test program of libpactum_c: built with `cc` and run (under valgrind when it is
 * installed) by ffi/tests/c_program.rs.
 *
 *   decide RULES_DIR DATA_DIR RECORDS_JSONL BROKEN_RULES_DIR
 *
 * BROKEN_RULES_DIR is a copy of the pack with a script syntax error in
 * scripts/partner_active.rhai. Exits 0 only when every check passed; prints each failed
 * check to stderr.
 */
#include "pactum.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 5

static int failures = 0;
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *what, const char *got) {
    pthread_mutex_lock(&failures_lock);
    failures++;
    fprintf(stderr, "FAILED: %s\n  got: %s\n", what, got ? got : "(NULL)");
    pthread_mutex_unlock(&failures_lock);
}

/* Checks that `text` holds every one of the NULL-terminated `needles`. */
static void expect(const char *what, const char *text, const char *const needles[]) {
    if (text == NULL) {
        fail(what, NULL);
        return;
    }
    for (size_t i = 0; needles[i] != NULL; i++) {
        if (strstr(text, needles[i]) == NULL) {
            fail(what, text);
            return;
        }
    }
}

/* The example data's stories, each with what its decision must say. */
struct story {
    const char *name;
    const char *record;
    const char *const expected[4];
};

static const struct story stories[] = {
    {"a sale 10% below list price from P-SI-07 is held for price.min-list",
     "{\"id\":\"S-0702\",\"kind\":\"sale\",\"date\":\"2026-03-14\",\"partner\":\"P-SI-07\","
     "\"customer\":\"C-88\",\"lines\":[{\"sku\":\"SEAL-200\",\"qty\":40,\"unit_price\":\"81.00\","
     "\"currency\":\"USD\",\"source\":\"oem\"}],\"documents\":[{\"kind\":\"purchase_order\","
     "\"ref\":\"PO-7702\",\"signed\":true}]}",
     {"\"verdict\":\"hold\"", "\"price.min-list\"", "\"record\":\"S-0702\"", NULL}},
    {"a clean pipeline update from P-SA-06 is accepted",
     "{\"id\":\"PU-SA-06-01\",\"kind\":\"pipeline_update\",\"date\":\"2026-01-08\","
     "\"partner\":\"P-SA-06\",\"opportunity\":\"OPP-601\",\"stage\":\"qualified\"}",
     {"\"verdict\":\"accept\"", "\"findings\":[]", "\"record\":\"PU-SA-06-01\"", NULL}},
    {"a clean sale at list price from P-DE-04 is accepted",
     "{\"id\":\"S-0401\",\"kind\":\"sale\",\"date\":\"2026-01-05\",\"partner\":\"P-DE-04\","
     "\"customer\":\"C-12\",\"lines\":[{\"sku\":\"SEAL-200\",\"qty\":4,\"unit_price\":\"90.00\","
     "\"currency\":\"USD\",\"source\":\"oem\"}],\"documents\":[{\"kind\":\"purchase_order\","
     "\"ref\":\"PO-4401\",\"signed\":true}]}",
     {"\"verdict\":\"accept\"", "\"findings\":[]", NULL}},
    {"garbage bytes are rejected", "\xff\xfe{not json at all",
     {"\"verdict\":\"reject\"", "\"record\":null", NULL}},
};
#define STORIES (sizeof stories / sizeof stories[0])

static void decide_story(pactum_engine *engine, const struct story *s) {
    char *decision = pactum_decide(engine, s->record, strlen(s->record));
    expect(s->name, decision, s->expected);
    pactum_string_free(decision);
}

static void *decider(void *arg) {
    pactum_engine *engine = arg;
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < STORIES; i++) {
            decide_story(engine, &stories[(i + round) % STORIES]);
        }
    }
    return NULL;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s RULES_DIR DATA_DIR RECORDS_JSONL BROKEN_RULES_DIR\n", argv[0]);
        return 2;
    }
    const char *rules = argv[1], *data = argv[2], *records = argv[3], *broken = argv[4];

    /* A broken pack does not load: NULL, and an error naming the file with line and column. */
    char *error = NULL;
    pactum_engine *none = pactum_engine_new(broken, data, &error);
    if (none != NULL) {
        fail("an engine on the broken pack is NULL", "an engine");
        pactum_engine_free(none);
    }
    expect("the load error names the script with its line and column", error,
           (const char *const[]){"partner_active.rhai:", NULL});
    pactum_string_free(error);
    /* error may be NULL. */
    if (pactum_engine_new(broken, data, NULL) != NULL) {
        fail("an engine on the broken pack, error NULL, is NULL", "an engine");
    }

    error = (char *)"not touched";
    pactum_engine *engine = pactum_engine_new(rules, data, &error);
    if (engine == NULL) {
        fail("the shipped pack loads", error);
        pactum_string_free(error);
        return 1;
    }
    if (error != NULL) {
        fail("a successful load sets *error to NULL", error);
    }

    /* Four threads decide the stories while the main thread reloads the same pack. */
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        if (pthread_create(&threads[i], NULL, decider, engine) != 0) {
            fail("a thread starts", NULL);
            return 1;
        }
    }
    error = NULL;
    int status = pactum_reload(engine, rules, data, &error);
    if (status != PACTUM_OK || error != NULL) {
        fail("a reload of a good pack while deciding succeeds", error);
    }
    pactum_string_free(error);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }

    /* The batch: the report of `pactum check --format json`. */
    size_t len = 0;
    char *batch = read_file(records, &len);
    if (batch == NULL) {
        fail("the records file is read", records);
        return 1;
    }
    char *report = pactum_check_batch(engine, batch, len, NULL);
    expect("the batch report lists the stories", report,
           (const char *const[]){"\"summary\"", "\"read\": 83", "\"price.min-list\"",
                                 "\"parts.genuine\"", "\"pipeline.cadence\"", NULL});
    if (report != NULL && strstr(report, "\"error\"") == report + 1) {
        fail("the batch report is not an error", report);
    }
    pactum_string_free(report);
    report = pactum_check_batch(engine, batch, len, "2026-04-01");
    expect("the batch report at an as-of date", report,
           (const char *const[]){"\"as_of\": \"2026-04-01\"", NULL});
    pactum_string_free(report);
    report = pactum_check_batch(engine, batch, len, "30/06/2026");
    expect("a bad as-of date is an error object", report,
           (const char *const[]){"{\"error\":", "as_of", NULL});
    pactum_string_free(report);
    free(batch);

    /* Callers' mistakes give error objects, never NULL, never a crash. */
    char *oops = pactum_decide(NULL, "{}", 2);
    expect("a NULL engine gives an error object", oops,
           (const char *const[]){"{\"error\":", "engine", NULL});
    pactum_string_free(oops);
    oops = pactum_decide(engine, NULL, 0);
    expect("a NULL record gives an error object", oops,
           (const char *const[]){"{\"error\":", "record_json", NULL});
    pactum_string_free(oops);

    /* A broken reload is refused with every problem; the pack in force keeps deciding. */
    error = NULL;
    status = pactum_reload(engine, broken, data, &error);
    if (status == PACTUM_OK) {
        fail("a reload of the broken pack fails", "PACTUM_OK");
    }
    expect("the reload error names the script with its line and column", error,
           (const char *const[]){"the one in use is kept", "partner_active.rhai:", NULL});
    pactum_string_free(error);
    if (pactum_reload(engine, broken, data, NULL) != PACTUM_ERR_REFUSED) {
        fail("a refused reload with error NULL returns PACTUM_ERR_REFUSED", NULL);
    }
    decide_story(engine, &stories[0]);
    decide_story(engine, &stories[1]);

    /* A good reload after a bad one. */
    error = NULL;
    if (pactum_reload(engine, rules, data, &error) != PACTUM_OK) {
        fail("a good reload after a broken one succeeds", error);
    }
    pactum_string_free(error);
    decide_story(engine, &stories[0]);

    pactum_engine_free(engine);
    pactum_engine_free(NULL);
    pactum_string_free(NULL);

    int total = THREADS * ROUNDS * (int)STORIES + 3;
    if (failures != 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("ok: %d decisions from %d threads, 3 batch checks, 3 reloads\n", total, THREADS);
    return 0;
}
