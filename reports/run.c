/*
 * Views of a finished simulation for the report writers (see run.h): the only file
 * of reports/ that calls engine/sim.h's functions, so the writers themselves can be fed
 * scripted risk states in tests. Small arrays, built once per run.
 */
#include "reports/run.h"

#include <stdlib.h>
#include <string.h>

bk_rc bk_report_run_from_sim(const bk_sim *s, const bk_report_ctx *ctx, bk_report_run *run) {
  memset(run, 0, sizeof *run);
  const bk_sim_config *c = bk_sim_config_get(s);
  size_t np = bk_sim_npolicies(s), nc = c->ncontracts;
  bk_report_policy *pol = calloc(np ? np : 1, sizeof *pol);
  uint32_t *instr = malloc((nc ? nc : 1) * sizeof *instr);
  int *src = malloc((nc ? 2 * nc : 1) * sizeof *src);
  if (!pol || !instr || !src) {
    free(pol);
    free(instr);
    free(src);
    return BK_ENOMEM;
  }
  for (size_t k = 0; k < nc; k++) {
    instr[k] = UINT32_MAX;
    src[k] = bk_sim_mark_source(s, (uint32_t)k);
    src[nc + k] = bk_sim_book_source(s, (uint32_t)k);
  }
  /* the instrument of a contract: invert contract_of, the lowest id wins */
  for (size_t id = c->ninstruments; id-- > 0;)
    if (c->contract_of && c->contract_of[id] < nc) instr[c->contract_of[id]] = (uint32_t)id;
  for (size_t p = 0; p < np; p++) {
    pol[p].risk = bk_sim_risk(s, p);
    pol[p].shadow = bk_sim_shadow(s, p) != NULL;
    for (uint32_t a = 0; a < c->nassets && a < BK_LEDGER_ASSETS; a++) {
      pol[p].samples[a] = bk_sim_samples(s, p, a, &pol[p].nsamples[a]);
      pol[p].safe_fund[a] = pol[p].shadow ? bk_sim_safe_fund(s, p, a) : -1;
    }
    for (uint32_t k = 0; k < BK_POOLS; k++)
      pol[p].pool_safe_fund[k] = pol[p].shadow ? bk_risk_pool_safe_fund(bk_sim_shadow(s, p), k) : -1;
  }
  run->ctx = *ctx;
  run->policies = run->own_policies = pol;
  run->npolicies = np;
  run->assets = c->assets;
  run->nassets = c->nassets;
  run->contract_instr = run->own_instr = instr;
  run->ncontracts = nc;
  run->own_src = src;
  run->mark_source = src;
  run->book_source = src + nc;
  run->market = bk_sim_market(s);
  run->sim = s;
  run->sample_us = c->sample_us;
  return BK_OK;
}

void bk_report_run_fini(bk_report_run *run) {
  free(run->own_policies);
  free(run->own_instr);
  free(run->own_src);
  memset(run, 0, sizeof *run);
}
