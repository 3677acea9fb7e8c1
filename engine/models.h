/*
 * The market models of one replay: per contract, where its mark comes from (the data's
 * marks, or the median of its trades: engine/derived_mark.h) and the depth model that
 * stands in for a book the data does not have (engine/depth_model.h), with the reference
 * instrument whose depth the model breathes with. They follow the market alone, never the
 * accounts, so every simulation of one market with the same parameters would compute the
 * same models: the draws of an uncertainty run share one (engine/sim.h, bk_sim_attach_set),
 * while each draw keeps its own view of the depth its liquidations consumed
 * (engine/overlay.h, in its risk state).
 *
 * An event reaches the models in two halves around the simulations that read them:
 * bk_models_before (the derived-mark buckets that ended by the event's time close and give
 * their marks; a mark event makes the data the contract's mark source), then every
 * simulation (which asks bk_models_book for the book under a new mark), then
 * bk_models_after (the trade joins the derived mark's window, the depth model's tape and
 * the warm-up volume; the reference's depth is followed).
 * So a simulation reads the models as a simulation alone would, whichever simulations
 * read them before it: bk_models_book is idempotent within an event (same mark, same
 * `now`: no rebuild, the same band).
 *
 * Sharing is keyed by parameters: two models are interchangeable when their parameters
 * are equal (bk_models_same). A per-draw depth scale could not be applied to a
 * shared book on read exactly (the model rounds each level's quantity down after scaling
 * its depth), so it belongs in the parameters, where unequal scales get models of their
 * own.
 *
 * Ownership: the parameters' contracts are borrowed for the models' life; the market
 * state handed to bk_models_book for the call; the books handed out stay valid until the
 * next call for that contract or bk_models_free.
 */
#ifndef BK_MODELS_H
#define BK_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/book.h"
#include "engine/depth_model.h"
#include "engine/derived_mark.h"
#include "engine/error.h"
#include "engine/event.h"
#include "engine/market.h"

/* Where a contract's mark and book come from (for reports). */
enum { BK_SRC_DATA = 0, BK_SRC_TRADES = 1, BK_SRC_MODEL = 2 };

/* What the models depend on. */
typedef struct bk_models_params {
  const bk_contract *contracts; /* ncontracts, borrowed */
  size_t ncontracts;
  int64_t from;               /* the window's start, µs (INT64_MIN when open): the
                                 warm-up's volume is the trades before it */
  int64_t mark_window_us;     /* derived marks: trailing window, > 0 */
  int64_t mark_step_us;       /* derived marks: bucket, > 0 */
  bk_depth_spec depth;        /* the depth model, checked */
} bk_models_params;

typedef struct bk_models bk_models;

/* Models with no trade seen yet: every mark from trades, every book modelled. NULL when
 * out of memory. */
bk_models *bk_models_new(const bk_models_params *p);
void bk_models_free(bk_models *m);

/* 1 when m was made with parameters equal to p (the same numbers; contracts byte-equal),
 * so that m may stand for models made from p; else 0. */
int bk_models_same(const bk_models *m, const bk_models_params *p);

/* The first half of an event on contract k (k >= ncontracts: on no contract): every
 * derived-mark bucket that ended at or before the event's time closes, whatever the
 * event (bk_models_closed); a mark event makes the data k's mark source. */
void bk_models_before(bk_models *m, uint32_t k, const bk_event *ev);

/* A derived mark that a bucket's close gave. */
typedef struct bk_models_mark {
  uint32_t contract;
  int64_t mark; /* the lower median of the bucket's window */
  int64_t at;   /* the bucket's end, µs: the mark's time, at or before the event's */
} bk_models_mark;

/* The marks the event's time closed (*n of them, perhaps 0), in contract order; their
 * buckets all end at one time (models.c, close_due). Valid between bk_models_before and
 * bk_models_after of the event. */
const bk_models_mark *bk_models_closed(const bk_models *m, size_t *n);

/* The second half, once the market has applied the event: a depth profile of the
 * reference instrument becomes the reference's depth; a trade on contract k joins its
 * derived mark's window (while k is marked from trades) and its depth model's tape, and
 * its volume the warm-up's while the event is before the window.
 * BK_ENOMEM, or BK_ERANGE when the warm-up notional overflows (nothing counted). */
bk_rc bk_models_after(bk_models *m, uint32_t k, const bk_event *ev, const bk_market *mk);

/* The book contract k trades against under mark at now: st's replayed book once the data
 * gave it a snapshot (st may be NULL: no instrument), else the depth model's (rebuilt when
 * due). BK_ENOMEM, BK_ERANGE or the book's error when a build fails (*out untouched). */
bk_rc bk_models_book(bk_models *m, uint32_t k, int64_t mark, int64_t now,
                     const bk_instr_state *st, const bk_book **out);

/* Sources of contract k's mark (BK_SRC_DATA / BK_SRC_TRADES) and book (BK_SRC_DATA /
 * BK_SRC_MODEL), as found so far. */
int bk_models_mark_source(const bk_models *m, uint32_t k);
int bk_models_book_source(const bk_models *m, uint32_t k);

/* Contract k's traded notional in the warm-up so far (settle units). */
int64_t bk_models_warmup_notional(const bk_models *m, uint32_t k);

#endif
