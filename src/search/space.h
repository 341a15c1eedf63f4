/* TinyNAS's search space: MobileNetV2-style inverted-residual stages whose
 * blocks choose their kernel and expansion, whose stages choose their
 * depth, under a global width multiplier and input resolution (MCUNet's
 * space). A space is a JSON file a user can edit (docs/search.md); the
 * built-in default suits small grayscale inputs such as Fashion-MNIST's
 * 28x28, whose first stage keeps the full resolution instead of an
 * ImageNet stem's stride 2.
 *
 * A subnet is one choice of everything. It becomes a float net through the
 * model builder's own MCUNet JSON reader (tfg_subnet_json, tfg_subnet_net),
 * so the search prices, trains and exports exactly the nets the rest of
 * tinyforge builds from such files. */
#ifndef TFG_SEARCH_SPACE_H
#define TFG_SEARCH_SPACE_H

#include <stddef.h>

#include "ir/ir.h"
#include "nn/net.h"

#define TFG_SPACE_MAX_STAGES 8
#define TFG_SPACE_MAX_DEPTH 6
#define TFG_SPACE_MAX_CHOICES 12

typedef struct {
    int channels; /* output channels at width 1 */
    int stride;   /* of the stage's first block */
    int n_depths, depths[TFG_SPACE_MAX_CHOICES];
    int n_kernels, kernels[TFG_SPACE_MAX_CHOICES]; /* this stage's choices (the space's by default) */
    int n_expands, expands[TFG_SPACE_MAX_CHOICES];
} tfg_space_stage_t;

typedef struct {
    char name[64];
    int n_res, res[TFG_SPACE_MAX_CHOICES]; /* input resolutions (the dataset's images are resized) */
    int n_width;
    double width[TFG_SPACE_MAX_CHOICES]; /* width multipliers */
    int stem_channels, stem_kernel, stem_stride;
    int first_channels; /* a 3x3 block without expansion after the stem (0: none) */
    int n_stages;
    tfg_space_stage_t stages[TFG_SPACE_MAX_STAGES];
    int mix_channels;         /* a 1x1 conv before the pool (0: none), scaled by width */
    int in_channels, classes; /* set from the dataset */
} tfg_space_t;

/* One network of a space: width and resolution by index, then per stage
 * its depth and each block's kernel size and expansion ratio (values). */
typedef struct {
    int width, res;
    int depth[TFG_SPACE_MAX_STAGES];
    int kernel[TFG_SPACE_MAX_STAGES][TFG_SPACE_MAX_DEPTH];
    int expand[TFG_SPACE_MAX_STAGES][TFG_SPACE_MAX_DEPTH];
} tfg_subnet_t;

/* The built-in space's JSON text. */
const char *tfg_space_default_json(void);

/* Parse a space (name is for messages). Every field is checked and an
 * unknown key is an error naming it (a misspelt key would otherwise be
 * ignored). in_channels and classes start at 1 and 10. */
tfg_status_t tfg_space_parse(const char *text, size_t len, const char *name, tfg_space_t *s, tfg_diag_t *d);
/* A space from a file, or the default for NULL or "default". */
tfg_status_t tfg_space_load(const char *path, tfg_space_t *s, tfg_diag_t *d);

/* Channels of a layer with `base` channels at width 1 under width index w:
 * base * width rounded to a multiple of 8 (never below 8, never more than
 * 10% below the exact product: MobileNet's rule). */
int tfg_space_channels(const tfg_space_t *s, int w, int base);

/* A uniformly random subnet at width index w and resolution index r. */
void tfg_subnet_sample(const tfg_space_t *s, int w, int r, tfg_rng_t *rng, tfg_subnet_t *n);
/* The largest and smallest subnets (every choice at its maximum or minimum). */
void tfg_subnet_extreme(const tfg_space_t *s, int w, int r, int largest, tfg_subnet_t *n);

/* The subnet as MCUNet architecture JSON (malloc'd, NUL-terminated; NULL
 * when out of memory), with the dataset's in_channels and classes. */
char *tfg_subnet_json(const tfg_space_t *s, const tfg_subnet_t *n);
/* The subnet as a float net, built from that JSON by the model builder. */
tfg_status_t tfg_subnet_net(const tfg_space_t *s, const tfg_subnet_t *n, tfg_net_t *net, tfg_diag_t *d);

/* A subnet's choices as one line of JSON: {"width": 0.5, "resolution": 36,
 * "stages": [{"depth": 2, "kernels": [3, 5], "expands": [4, 6]}, ...]}
 * (malloc'd; NULL when out of memory), and back: every value must be one
 * of the space's choices. */
char *tfg_subnet_choices(const tfg_space_t *s, const tfg_subnet_t *n);
tfg_status_t tfg_subnet_choices_parse(const tfg_space_t *s, const char *text, const char *name,
                                      tfg_subnet_t *n, tfg_diag_t *d);

#endif
