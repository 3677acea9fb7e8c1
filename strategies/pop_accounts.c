/*
 * The explicit population (see pop_accounts.h). Built for books of up to millions of
 * accounts read from a file: the list is two flat arrays, and the event hook costs one
 * comparison per event once every account is open (a cursor into the list; while it
 * waits for a mark, one mark lookup).
 */
#include "strategies/pop_accounts.h"

#include <stdlib.h>
#include <string.h>

#include "engine/vec.h"

typedef struct acct_pop {
  bk_population base;
  bk_acctlist l;
  size_t next;        /* the next account to open */
  uint32_t first_id;
} acct_pop;

void bk_acctlist_init(bk_acctlist *l) { memset(l, 0, sizeof *l); }

void bk_acctlist_fini(bk_acctlist *l) {
  free(l->v);
  free(l->pos);
  free(l->names);
  free(l->coll);
  memset(l, 0, sizeof *l);
}

bk_rc bk_acctlist_add(bk_acctlist *l, uint32_t settle, int64_t deposit, uint64_t line) {
  bk_acctlist_spec a = {.settle = settle, .deposit = deposit, .pos = l->npos, .line = line,
                        .coll = l->ncoll};
  bk_acctlist_spec *v = bk_vec_push(l->v, &l->n, &l->cap, &a, sizeof a);
  if (!v) return BK_ENOMEM;
  l->v = v;
  return BK_OK;
}

bk_rc bk_acctlist_name(bk_acctlist *l, const char *id, size_t len) {
  if (l->n == 0) return BK_EUSAGE;
  char *v = bk_vec_grow_from(l->names, &l->namecap, l->nnames + len + 1, 1, 256);
  if (!v) return BK_ENOMEM;
  l->names = v;
  memcpy(l->names + l->nnames, id, len);
  l->names[l->nnames + len] = '\0';
  l->v[l->n - 1].name = l->nnames + 1;
  l->nnames += len + 1;
  return BK_OK;
}

bk_rc bk_acctlist_add_pos(bk_acctlist *l, uint32_t contract, int64_t size, int64_t entry) {
  if (l->n == 0) return BK_EUSAGE;
  bk_acctlist_pos_spec p = {.contract = contract, .size = size, .entry = entry};
  bk_acctlist_pos_spec *v = bk_vec_push(l->pos, &l->npos, &l->poscap, &p, sizeof p);
  if (!v) return BK_ENOMEM;
  l->pos = v;
  l->v[l->n - 1].npos++;
  return BK_OK;
}

bk_rc bk_acctlist_add_coll(bk_acctlist *l, uint32_t asset, int64_t amount) {
  if (l->n == 0) return BK_EUSAGE;
  bk_acctlist_coll_spec c = {.asset = asset, .amount = amount};
  bk_acctlist_coll_spec *v = bk_vec_push(l->coll, &l->ncoll, &l->collcap, &c, sizeof c);
  if (!v) return BK_ENOMEM;
  l->coll = v;
  l->v[l->n - 1].ncoll++;
  return BK_OK;
}

static void acct_free(bk_population *pp) {
  acct_pop *p = (acct_pop *)pp;
  if (!p) return;
  bk_acctlist_fini(&p->l);
  free(p);
}

static bk_rc acct_start(bk_population *pp, bk_sim *s) {
  acct_pop *p = (acct_pop *)pp;
  const bk_sim_config *sc = bk_sim_config_get(s);
  for (size_t i = 0; i < p->l.n; i++) {
    const bk_acctlist_spec *a = &p->l.v[i];
    if (a->settle >= sc->nassets)
      return bk_err_set(&pp->err, BK_ECONFIG, "accounts: account %zu (line %llu): settle asset "
                        "%u is not one of the run's %zu", i, (unsigned long long)a->line,
                        a->settle, sc->nassets);
    for (uint32_t j = 0; j < a->npos; j++) {
      const bk_acctlist_pos_spec *q = &p->l.pos[a->pos + j];
      if (q->contract >= sc->ncontracts)
        return bk_err_set(&pp->err, BK_ECONFIG, "accounts: account %zu (line %llu): contract "
                          "%u is not one of the run's %zu", i, (unsigned long long)a->line,
                          q->contract, sc->ncontracts);
      if (sc->contracts[q->contract].settle != a->settle)
        return bk_err_set(&pp->err, BK_ECONFIG, "accounts: account %zu (line %llu): its "
                          "contract settles in another asset than its deposit", i,
                          (unsigned long long)a->line);
    }
  }
  return BK_OK;
}

/* 1 when every collateral asset of account a has a price for its settle asset. */
static int coll_priced(const acct_pop *p, const bk_sim *s, const bk_acctlist_spec *a) {
  int64_t none;
  for (uint32_t j = 0; j < a->ncoll; j++)
    if (bk_sim_collateral_amount(s, a->settle, p->l.coll[a->coll + j].asset, 0, &none))
      return 0;
  return 1;
}

/* Opens account a, with its positions and collateral; *id gets its index. */
static bk_rc open_one(const acct_pop *p, bk_sim *s, const bk_acctlist_spec *a, uint32_t *id) {
  bk_rc rc = bk_sim_open_cross(s, a->settle, a->deposit, &p->l.pos[a->pos], a->npos, id);
  for (uint32_t j = 0; !rc && j < a->ncoll; j++)
    rc = bk_sim_post_collateral(s, *id, p->l.coll[a->coll + j].asset,
                                p->l.coll[a->coll + j].amount);
  return rc;
}

/* Index of the first position of account a whose contract has no mark yet (npos when
 * every one has). */
static uint32_t unmarked(const acct_pop *p, const bk_sim *s, const bk_acctlist_spec *a) {
  uint32_t j = 0;
  while (j < a->npos && bk_sim_mark(s, p->l.pos[a->pos + j].contract) > 0) j++;
  return j;
}

static bk_rc acct_event(bk_population *pp, bk_sim *s, const bk_event *ev) {
  acct_pop *p = (acct_pop *)pp;
  (void)ev;
  while (p->next < p->l.n) {
    const bk_acctlist_spec *a = &p->l.v[p->next];
    if (unmarked(p, s, a) < a->npos || !coll_priced(p, s, a)) return BK_OK; /* wait */
    uint32_t id;
    bk_rc rc = open_one(p, s, a, &id);
    if (rc) {
      const bk_err *e = bk_sim_err(s);
      return bk_err_set(&pp->err, rc, "accounts: account %zu (line %llu) could not be "
                        "opened: %s", p->next, (unsigned long long)a->line,
                        e && e->msg[0] ? e->msg : bk_rc_name(rc));
    }
    if (a->name && (rc = bk_sim_label(s, id, p->l.names + a->name - 1)))
      return bk_err_set(&pp->err, rc, "accounts: no memory for account ids");
    if (p->next == 0) p->first_id = id;
    p->next++;
  }
  return BK_OK;
}

static bk_rc acct_finish(bk_population *pp, bk_sim *s) {
  acct_pop *p = (acct_pop *)pp;
  if (p->next < p->l.n) {
    const bk_acctlist_spec *a = &p->l.v[p->next];
    if (unmarked(p, s, a) == a->npos)
      return bk_err_set(&pp->err, BK_ECONFIG, "accounts: %zu account(s) never opened: "
                        "account %zu (line %llu) waits for a price of its collateral, which "
                        "the data never gave", p->l.n - p->next, p->next,
                        (unsigned long long)a->line);
    return bk_err_set(&pp->err, BK_ECONFIG, "accounts: %zu account(s) never opened: account "
                      "%zu (line %llu) waits for a mark of contract %u, which the data never "
                      "gave", p->l.n - p->next, p->next, (unsigned long long)a->line,
                      p->l.pos[a->pos + unmarked(p, s, a)].contract);
  }
  return BK_OK;
}

bk_rc bk_pop_accounts_new(bk_acctlist *l, bk_population **out, bk_err *err) {
  *out = NULL;
  bk_acctlist mine = *l;
  bk_acctlist_init(l);
  for (size_t i = 0; i < mine.n; i++) {
    const bk_acctlist_spec *a = &mine.v[i];
    const char *bad = NULL;
    if (a->deposit < 0) bad = "a negative deposit";
    for (uint32_t j = 0; !bad && j < a->npos; j++) {
      const bk_acctlist_pos_spec *q = &mine.pos[a->pos + j];
      if (q->size == 0) bad = "a position of size 0";
      else if (q->entry <= 0) bad = "an entry price that is not positive";
      for (uint32_t h = 0; !bad && h < j; h++)
        if (mine.pos[a->pos + h].contract == q->contract)
          bad = "two positions on one contract (write their sum as one)";
    }
    for (uint32_t j = 0; !bad && j < a->ncoll; j++)
      if (mine.coll[a->coll + j].amount <= 0) bad = "collateral that is not positive";
    if (bad) {
      bk_err_set(err, BK_ECONFIG, "accounts: account %zu (line %llu) has %s", i,
                 (unsigned long long)a->line, bad);
      bk_acctlist_fini(&mine);
      return BK_ECONFIG;
    }
  }
  acct_pop *p = calloc(1, sizeof *p);
  if (!p) {
    bk_acctlist_fini(&mine);
    return bk_err_set(err, BK_ENOMEM, "accounts: no memory");
  }
  p->l = mine;
  p->base.name = "accounts";
  p->base.start = acct_start;
  p->base.event = acct_event;
  p->base.finish = acct_finish;
  p->base.free = acct_free;
  *out = &p->base;
  return BK_OK;
}

size_t bk_pop_accounts_opened(const bk_population *pp, uint32_t *first_id) {
  const acct_pop *p = (const acct_pop *)pp;
  if (!p) return 0;
  if (first_id) *first_id = p->first_id;
  return p->next;
}
