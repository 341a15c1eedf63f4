/* The batched float forward pass: evaluation (calibration, float accuracy)
 * and training (batch statistics, dropout), over a tape that keeps what the
 * backward pass (src/train/backward.c) needs.
 *
 * A batch is NHWC: image b of layer i starts at out[i] + b * h*w*c. In
 * training mode a `bn` layer keeps its conv output before normalization
 * (pre) and the batch mean and 1/sqrt(var + eps) of each channel; an FC with
 * dropout keeps its masked input. Work is split into tasks by image (or by
 * fixed groups of images), and every reduction over the batch sums per-image
 * partials in image order, so results are bit-identical for any thread
 * count (parallel.h). */
#ifndef TFG_NN_FORWARD_H
#define TFG_NN_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/bigmem.h"
#include "nn/net.h"
#include "nn/parallel.h"

/* The elementwise loops of training run over every activation several
 * times a step. On x86-64 they are compiled twice, for AVX2 and for the
 * baseline, and the loader picks one (GCC/clang function multiversioning).
 * Both compute the same bits: C11 mode does not contract a * b + c into
 * FMA, and these loops vectorize across channels, never by reassociating a
 * sum. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TFG_NN_VECTOR __attribute__((target_clones("avx2", "default")))
#else
#define TFG_NN_VECTOR
#endif

/* Inlined into its (cloned) caller even when large, so that the caller's
 * constant arguments specialize its loops and they use the caller's ISA. */
#if defined(__GNUC__) || defined(__clang__)
#define TFG_NN_INLINE inline __attribute__((always_inline))
#else
#define TFG_NN_INLINE inline
#endif

/* Images per task in the row-parallel loops (pointwise convs, elementwise
 * layers). Fixed, so that the split never depends on the thread count. */
#define TFG_NN_GROUP 8

typedef struct {
    int cap;    /* images the buffers hold */
    int batch;  /* images in the last forward pass */
    bool train; /* the tape was made for training */
    int n_layers;
    float *slab;    /* out, pre and fc_in are slices of it */
    bool slab_kept; /* it is borrowed (tfg_nn_tape_init_in), not freed with the tape */
    float **out;    /* [layer] cap * h*w*c; NULL for a recomputed layer (tfg_nn_acts) */
    float **pre;    /* [layer] bn layers in training: the conv output before batch norm */
    float **mean;   /* [layer] bn layers in training: batch mean per channel */
    float **invstd;
    float **fc_in; /* [layer] FC with dropout in training: its input times the mask / (1 - p) */
    int threads;
    float **col; /* [thread] im2col scratch */
    size_t col_floats;
    float **xs; /* [thread] two slots of xs_floats: recomputed activations (tfg_nn_acts) */
    size_t xs_floats;
    float *partial; /* [cap][2 * widest channel count]: per-image statistics (mean, squared deviations) */
    int widest;
    uint64_t dropout_seed; /* of the last training-mode pass (the backward pass redraws the masks) */
} tfg_nn_tape_t;

/* Buffers for batches of up to cap images; train adds what training needs.
 * -1 when out of memory (the tape is then empty; free is still safe).
 *
 * A training tape keeps only the conv output (pre) of a layer with batch
 * norm whose readers are all convs or elementwise layers: its activated
 * output is recomputed from pre, mean and invstd by each reader, a group of
 * images at a time (tfg_nn_acts). Writing that output for the whole batch
 * and reading it back from memory cost more than recomputing it in cache,
 * and the tape is smaller. A training tape therefore serves training-mode
 * passes only. */
int tfg_nn_tape_init(tfg_nn_tape_t *t, const tfg_net_t *n, int cap, int threads, bool train);
/* The same with the batch buffers in `keep` (bigmem.h), which must outlive
 * the tape and serve one tape at a time. */
int tfg_nn_tape_init_in(tfg_nn_tape_t *t, const tfg_net_t *n, int cap, int threads, bool train,
                        tfg_nn_keep_t *keep);
void tfg_nn_tape_free(tfg_nn_tape_t *t);

/* Forward `batch` (<= cap) images, NHWC floats. In training mode (the tape
 * must have been made for it) bn layers normalize with the batch's
 * statistics and dropout draws its masks from dropout_seed; in evaluation
 * mode bn layers use their running statistics and dropout is off. The net is
 * not modified (tfg_nn_update_running folds the batch statistics in). */
void tfg_nn_forward(const tfg_net_t *n, tfg_nn_tape_t *t, tfg_pool_t *pool, const float *input, int batch,
                    bool train, uint64_t dropout_seed);

/* Layer i's output for images [b0, b1) of the last forward pass: a pointer
 * into out[i], or for a recomputed layer its values written into `scratch`
 * (xs_floats floats; tfg_nn_scratch), the same bits a stored output would
 * have. */
const float *tfg_nn_acts(const tfg_net_t *n, const tfg_nn_tape_t *t, int i, int b0, int b1, float *scratch);
/* The same for image b, written at (top, left) of a padded buffer of row
 * width pw pixels (tfg_nn_pad_copy). */
void tfg_nn_acts_padded(const tfg_net_t *n, const tfg_nn_tape_t *t, int i, int b, float *dst, size_t pw,
                        size_t top, size_t left);
static inline float *tfg_nn_scratch(const tfg_nn_tape_t *t, int thread, int slot)
{
    return t->xs[thread] ? t->xs[thread] + (size_t)slot * t->xs_floats
                         : NULL; /* NULL: nothing is recomputed */
}

/* Activation ranges for quantization: widens mins[i]..maxs[i] (the caller
 * starts them, e.g. at 0) to every value layer i outputs for the n images x
 * in evaluation mode, in batches. pool may be NULL. -1 when out of memory. */
int tfg_nn_ranges(const tfg_net_t *n, const float *x, int count, tfg_pool_t *pool, float *mins, float *maxs);

/* After a training-mode forward: running = (1 - m) running + m batch, with
 * the unbiased batch variance (as PyTorch; training uses
 * TFG_NN_BN_MOMENTUM). m = 1 / (k + 1) over batches k = 0, 1, ... makes the
 * running statistics the plain mean of the batches' (BN recalibration). */
void tfg_nn_update_running(tfg_net_t *n, const tfg_nn_tape_t *t, float m);

/* Dropout's keep/drop draw for element e of layer i's input: a hash of
 * (seed, i, e), so a mask does not depend on the order elements are visited. */
bool tfg_nn_dropout_keep(uint64_t seed, int i, size_t e, float p);

/* A layer normalizes when the builder gave it batch norm and the trainer its
 * parameters (a synthetic net has its batch norm folded already). */
static inline bool tfg_nn_has_bn(const tfg_nn_layer_t *l)
{
    return l->bn && l->bn_params;
}

/* Per-channel reductions over an image's pixels (batch statistics, their
 * gradients) run over a block of channels at a time, widest first: the
 * block's sums live in registers for the whole pass, where a loop over all
 * channels kept them in memory and each pixel's add waited on the previous
 * pixel's store. Each channel still adds its pixels in order, so the result
 * is the plain loop's to the bit. */
#define TFG_NN_BLOCK_MAX 16
static inline size_t tfg_nn_block(size_t left)
{
    return left >= 16 ? 16 : left >= 8 ? 8 : 1;
}

/* Passes over data that has left the caches (a layer's saved conv output or
 * its gradient, read back a group of images at a time) ask for it 16 KiB
 * ahead, a line at a time: on one core here the hardware prefetcher alone
 * streams such a pass at about 20 GB/s, and at 30 with the hint. Called once
 * per pixel with the pixel's n floats at p; lim is the end of the buffer,
 * which the hint never passes. */
#define TFG_NN_AHEAD 4096 /* floats */
static inline void tfg_nn_prefetch(const float *p, const float *lim, size_t n)
{
    if (lim - p <= TFG_NN_AHEAD) return;
    const float *q = p + TFG_NN_AHEAD, *end = (size_t)(lim - q) < n ? lim : q + n;
    for (; q < end; q += 16) __builtin_prefetch(q);
}

/* Per-channel reductions over the batch run as tasks of this many channels. */
#define TFG_NN_CHANNELS 16
static inline int tfg_nn_channel_tasks(int c)
{
    return (c + TFG_NN_CHANNELS - 1) / TFG_NN_CHANNELS;
}

/* Images [*b0, *b1) of group `task` of a batch. */
static inline void tfg_nn_group(int task, int batch, int *b0, int *b1)
{
    *b0 = task * TFG_NN_GROUP;
    *b1 = *b0 + TFG_NN_GROUP < batch ? *b0 + TFG_NN_GROUP : batch;
}
static inline int tfg_nn_groups(int batch)
{
    return (batch + TFG_NN_GROUP - 1) / TFG_NN_GROUP;
}

/* Batch norm in training, before the activation: gamma * (z - mean) *
 * invstd + beta. The forward pass's recomputation and the backward pass's
 * activation mask both take it from here, in this one order, so the mask is
 * read off the same bits the forward pass activated. */
static inline float tfg_nn_bn_value(float gamma, float z, float mean, float inv, float beta)
{
    return gamma * (z - mean) * inv + beta;
}

/* The activation a layer applies, and its derivative from the activated
 * output y (ReLU: y > 0; ReLU6: 0 < y < 6): 1 or 0. */
static inline float tfg_nn_act(float v, tfg_act_t a)
{
    if (a == TFG_ACT_RELU || a == TFG_ACT_RELU6) v = v > 0.0f ? v : 0.0f;
    if (a == TFG_ACT_RELU6) v = v < 6.0f ? v : 6.0f;
    if (a == TFG_ACT_RELU_N1_TO_1) v = v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    return v;
}
static inline float tfg_nn_act_grad(float y, tfg_act_t a)
{
    switch (a) {
    case TFG_ACT_RELU: return y > 0.0f ? 1.0f : 0.0f;
    case TFG_ACT_RELU6: return y > 0.0f && y < 6.0f ? 1.0f : 0.0f;
    case TFG_ACT_RELU_N1_TO_1: return y > -1.0f && y < 1.0f ? 1.0f : 0.0f;
    default: return 1.0f;
    }
}

/* SAME-padding geometry of a CONV or DWCONV layer. */
typedef struct tfg_nn_geom_s {
    int ih, iw, ic, oh, ow, oc, kh, kw, s, pt, pl;
    int k; /* column length: kh * kw * ic (CONV) */
} tfg_nn_geom_t;
tfg_nn_geom_t tfg_nn_geom(const tfg_net_t *n, int i);
/* The output columns [*lo, *hi) whose kernel column kx lands inside the
 * input (ox * s - pl + kx in [0, iw)); empty when *lo >= *hi. */
static inline void tfg_nn_tap_columns(const struct tfg_nn_geom_s *g, int kx, int *lo, int *hi)
{
    const int first = g->pl - kx, last = g->iw - 1 + g->pl - kx; /* ox * s must lie in [first, last] */
    *lo = first > 0 ? (first + g->s - 1) / g->s : 0;
    *hi = last < 0 ? 0 : last / g->s + 1; /* C division truncates: a negative bound is no column */
    if (*hi > g->ow) *hi = g->ow;
}

/* Eight floats as one vector (GCC/clang vector extension; one ymm register
 * in the AVX2 clones), for loops whose sums must stay in registers across
 * taps, which plain loops over a float array do not reliably get. Loads
 * and stores go through memcpy: unaligned moves. A float operand is
 * broadcast. */
typedef float tfg_v8 __attribute__((vector_size(32)));
#define TFG_V8_LOAD(v, p) memcpy(&(v), (p), sizeof(tfg_v8))
#define TFG_V8_STORE(p, v) memcpy((p), &(v), sizeof(tfg_v8))

/* A conv's input zero-padded so that output pixel (oy, ox)'s tap (ky, kx)
 * reads padded pixel (oy s + ky, ox s + kx): h rows of w pixels, the image
 * at (pt, pl). Kernels over it test no edges. */
typedef struct {
    size_t h, w;
} tfg_nn_pad_t;
tfg_nn_pad_t tfg_nn_padded(const struct tfg_nn_geom_s *g);
/* Copy an h x w image of c channels to (top, left) of a padded buffer of
 * row width pw pixels (its border is left as it is: zero it once). */
void tfg_nn_pad_copy(const float *src, size_t h, size_t w, size_t c, float *dst, size_t pw, size_t top,
                     size_t left);

/* A 1x1 stride-1 conv reads its columns straight from the input. */
static inline bool tfg_nn_direct(const tfg_nn_geom_t *g)
{
    return g->kh == 1 && g->kw == 1 && g->s == 1;
}
/* A k x k conv on at most this many input channels (a grayscale or colour
 * stem) multiplies directly, output channels in vector registers: as a
 * matrix product its columns would be a few floats long, and im2col and the
 * BLAS's packing cost more than the multiply. */
#define TFG_NN_FEW_INPUTS 4
static inline bool tfg_nn_few_inputs(const tfg_nn_geom_t *g)
{
    return g->ic <= TFG_NN_FEW_INPUTS && !tfg_nn_direct(g);
}
/* Its scratch: the padded image, then the weights tap-major ([k][oc]). */
size_t tfg_nn_few_floats(const tfg_nn_geom_t *g);
void tfg_nn_few_weights(const tfg_nn_geom_t *g, const float *w, float *wt);

/* One image's columns: col[oh*ow][kh*kw*ic], zeros where the kernel hangs
 * over the edge. */
void tfg_nn_im2col(const tfg_nn_geom_t *g, const float *in, float *col);

#endif
