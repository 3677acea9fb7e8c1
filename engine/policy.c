/*
 * Policy defaults and validation (see policy.h). Validation runs once per policy when a
 * scenario is loaded; it names the field so the loader can point at the JSON key.
 */
#include "engine/policy.h"

#include "engine/fixed.h"

#include <string.h>

void bk_policy_default(bk_policy *p) {
  memset(p, 0, sizeof *p);
  strcpy(p->name, "default");
  p->maker_fee = BK_FX(2) / 10000;  /* 0.02 % */
  p->taker_fee = BK_FX(5) / 10000;  /* 0.05 % */
  p->fund_share = 0;
  p->penalty_mode = BK_PEN_FEE;
  p->penalty = BK_FX(1) / 100;
  p->participation = BK_FX(1);
  p->price_limit = BK_LIMIT_BANKRUPTCY;
  p->fillable_ba = BK_FX(1);
  p->fillable_smmr = BK_FX(1) / 10;
  p->remainder = BK_REM_TAKEOVER;
  p->slice_share = BK_FX(1) / 5;
  p->slice_cooldown_us = 30 * INT64_C(1000000);
  p->size_mode = BK_SIZE_ALL;
  p->health_buffer = BK_FX(1);
  p->health_lot = 1;
  p->slice_above = 0;
  p->halflife_us = 0;
  p->loss_cap = 0;
  p->loss_period_us = INT64_C(1000000);
  p->offload = BK_OFFLOAD_HOLD;
  p->offload_share = BK_FX(1) / 10;
  p->wf_trigger = BK_WF_NEGATIVE;
  p->dd_share = BK_FX(30) / 100;
  p->dd_window_us = 8 * 3600 * INT64_C(1000000);
  p->netpos_cap = BK_FX(1);
  p->wf_action = BK_WF_ADL;
  p->adl_rank = BK_ADL_BITMEX;
  p->social_base = BK_SOC_PROFIT;
  p->seed = 1;
  p->adl_rule = BK_ADLR_QUEUE;
  p->adl_cap = BK_FX(1);
  p->spread_fund_share = BK_FX(1);
  p->adl_round_gap_us = 60 * INT64_C(1000000);
  p->spread_horizon_us = 5 * INT64_C(1000000);
}

int bk_policy_captures(const bk_policy *p) {
  return p->spread_taker_share > 0 || p->spread_liquidation;
}

bk_rc bk_policy_set_fund(bk_policy *p, const char *asset, int64_t amount, bk_err *err) {
  if (!asset) asset = "";
  if (strlen(asset) >= sizeof p->fund_initial[0].asset)
    return bk_err_set(err, BK_ECONFIG, "fund.initial: asset name \"%.20s...\" too long", asset);
  size_t i = 0;
  while (i < p->nfund_initial && strcmp(p->fund_initial[i].asset, asset) != 0) i++;
  if (i == BK_LEDGER_ASSETS)
    return bk_err_set(err, BK_ECONFIG, "fund.initial: at most %d assets", BK_LEDGER_ASSETS);
  strcpy(p->fund_initial[i].asset, asset);
  p->fund_initial[i].amount = amount;
  if (i == p->nfund_initial) p->nfund_initial++;
  return BK_OK;
}

#define CHECK(cond, field, what)                                                         \
  do {                                                                                     \
    if (!(cond)) return bk_err_set(err, BK_ECONFIG, "%s: %s", field, what);               \
  } while (0)

static bk_rc adaptive_check(const bk_adaptive_margin *am, bk_err *err) {
  const int64_t one = BK_FX(1);
  if (!am->sample_us && !am->halflife_us && !am->vol_ref && !am->floor && !am->cap &&
      !am->ramp)
    return BK_OK;
  CHECK(am->sample_us > 0, "adaptive_margin.sample_s", "must be > 0");
  CHECK(am->halflife_us > 0 && am->halflife_us % am->sample_us == 0 &&
            am->halflife_us / am->sample_us <= 100000,
        "adaptive_margin.halflife_s", "must be 1 to 100,000 whole samples (sample_s)");
  CHECK(am->vol_ref > 0, "adaptive_margin.vol_ref", "must be > 0");
  CHECK(am->floor > 0 && am->floor <= am->cap, "adaptive_margin.floor",
        "must be > 0 and at most the cap");
  CHECK(am->cap <= 10 * one, "adaptive_margin.cap", "must be at most 10");
  CHECK(am->ramp > 0, "adaptive_margin.ramp", "must be > 0");
  return BK_OK;
}

bk_rc bk_policy_check(const bk_policy *p, bk_err *err) {
  const int64_t one = BK_FX(1);
  CHECK(p->maker_fee >= 0 && p->maker_fee < one, "fees.maker", "must be in [0, 1)");
  CHECK(p->taker_fee >= 0 && p->taker_fee < one, "fees.taker", "must be in [0, 1)");
  CHECK(p->fund_share >= 0 && p->fund_share <= one, "fees.fund_share", "must be in [0, 1]");
  CHECK(p->penalty_mode == BK_PEN_FEE || p->penalty_mode == BK_PEN_REMAINING,
        "liquidation.penalty_mode", "must be fee or remaining_margin");
  CHECK(p->penalty >= 0 && p->penalty < one, "liquidation.penalty", "must be in [0, 1)");
  CHECK(p->participation > 0 && p->participation <= one, "liquidation.participation",
        "must be in (0, 1]");
  CHECK(p->price_limit >= BK_LIMIT_BANKRUPTCY && p->price_limit <= BK_LIMIT_NONE,
        "liquidation.price_limit", "must be bankruptcy, fillable or none");
  CHECK(p->fillable_ba >= 0 && p->fillable_smmr >= 0, "liquidation.fillable",
        "ba and smmr must be >= 0");
  CHECK(p->remainder >= BK_REM_SLICE && p->remainder <= BK_REM_WATERFALL,
        "liquidation.remainder", "must be slice, takeover or waterfall");
  CHECK(p->slice_share > 0 && p->slice_share <= one, "liquidation.slice_share",
        "must be in (0, 1]");
  CHECK(p->slice_cooldown_us >= 0, "liquidation.slice_cooldown_s", "must be >= 0");
  CHECK(p->size_mode == BK_SIZE_ALL || p->size_mode == BK_SIZE_HEALTH, "liquidation.size",
        "must be all or to_health");
  CHECK(p->health_buffer >= one && p->health_buffer <= 10 * one, "liquidation.health_buffer",
        "must be in [1, 10]");
  CHECK(p->health_lot > 0, "liquidation.health_lot", "must be > 0");
  CHECK(p->slice_above >= 0, "liquidation.slice_above", "must be >= 0");
  CHECK(p->loss_cap >= 0, "fund.loss_cap", "must be >= 0");
  CHECK(p->loss_period_us > 0, "fund.loss_period_s", "must be > 0");
  CHECK(p->halflife_us >= 0, "liquidation.consumed_halflife_s", "must be >= 0");
  CHECK(p->vol_window_us >= 0, "liquidation.vol_window_s", "must be >= 0");
  CHECK(p->penalty_vol_k >= 0 && p->penalty_vol_k <= 1000 * one, "liquidation.penalty_vol_k",
        "must be in [0, 1000]");
  CHECK(p->penalty_vol_k == 0 || p->vol_window_us > 0, "liquidation.penalty_vol_k",
        "needs liquidation.vol_window_s");
  CHECK(p->depth_ref >= 0, "liquidation.depth_ref", "must be >= 0");
  CHECK(p->nfund_initial <= BK_LEDGER_ASSETS, "fund.initial", "too many assets");
  for (size_t i = 0; i < p->nfund_initial; i++)
    CHECK(p->fund_initial[i].amount >= 0, "fund.initial", "must be >= 0");
  CHECK(p->backstop_mm >= 0 && p->backstop_mm <= one, "liquidation.backstop_mm",
        "must be in [0, 1]");
  CHECK(p->offload >= BK_OFFLOAD_HOLD && p->offload <= BK_OFFLOAD_GRADUAL, "fund.offload",
        "must be hold, immediate or gradual");
  CHECK(p->offload_share > 0 && p->offload_share <= one, "fund.offload_share",
        "must be in (0, 1]");
  CHECK(p->wf_trigger >= BK_WF_NEGATIVE && p->wf_trigger <= BK_WF_NEVER, "waterfall.trigger",
        "must be negative_equity, drawdown, net_position or never");
  CHECK(p->dd_share > 0 && p->dd_share <= one, "waterfall.drawdown", "must be in (0, 1]");
  CHECK(p->dd_window_us > 0, "waterfall.window_s", "must be > 0");
  CHECK(p->netpos_cap > 0 && p->netpos_cap <= BK_FX(1000000), "waterfall.net_position_cap",
        "must be in (0, 1000000]");
  CHECK(p->wf_action == BK_WF_ADL || p->wf_action == BK_WF_SOCIALIZE, "waterfall.action",
        "must be adl or socialize");
  CHECK(p->adl_rank >= BK_ADL_BITMEX && p->adl_rank <= BK_ADL_DYDX, "waterfall.adl_ranking",
        "must be bitmex, hyperliquid or dydx");
  CHECK(p->social_base == BK_SOC_PROFIT || p->social_base == BK_SOC_OI,
        "waterfall.socialize_over", "must be profit or open_interest");
  CHECK(p->npools <= BK_POOLS, "fund.pools", "too many pools");
  for (size_t i = 0; i < p->npools; i++)
    CHECK(p->pools[i].nassets > 0 && p->pools[i].currency[0] && p->pools[i].initial >= 0,
          "fund.pools", "each pool needs assets, a currency and an initial amount >= 0");
  CHECK(p->reins_share >= 0 && p->reins_share < one, "reinsurance.premium_share",
        "must be in [0, 1)");
  CHECK(p->reins_limit >= 0, "reinsurance.limit", "must be >= 0");
  CHECK(p->reins_share == 0 || p->reins_currency[0], "reinsurance.currency",
        "is needed with a premium");
  CHECK(p->adl_rule >= BK_ADLR_QUEUE && p->adl_rule <= BK_ADLR_LEVEL, "waterfall.adl_rule",
        "must be queue, pro_rata, capped_pro_rata, risk_pro_rata, contract_pro_rata or "
        "leverage_fill");
  CHECK(p->adl_cap > 0 && p->adl_cap <= one, "waterfall.adl_cap", "must be in (0, 1]");
  /* a cap another rule would ignore is a policy that does not do what it says */
  CHECK(p->adl_cap == one || p->adl_rule == BK_ADLR_CAPPED || p->adl_rule == BK_ADLR_RISK,
        "waterfall.adl_cap", "is used only by the capped_pro_rata and risk_pro_rata rules "
        "(waterfall.adl_rule)");
  CHECK(p->spread_taker_share >= 0 && p->spread_taker_share <= one,
        "fees.spread_capture.taker_share", "must be in [0, 1]");
  CHECK(p->spread_fund_share >= 0 && p->spread_fund_share <= one,
        "fees.spread_capture.fund_share", "must be in [0, 1]");
  CHECK(p->adl_round_gap_us > 0, "waterfall.adl_round_gap_s", "must be > 0");
  CHECK(p->spread_horizon_us >= 0, "fees.spread_capture.liquidation_horizon_s", "must be >= 0");
  return adaptive_check(&p->am, err);
}
