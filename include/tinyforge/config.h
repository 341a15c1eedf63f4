/* Optional kernel variants the runtime is built with.
 *
 * The library builds every variant. `tinyforge compile` writes its own copy
 * of this file next to the generated code, enabling only what the model
 * runs, so a model that never needs the low-memory variants (depthwise
 * STRIP, conv NARROW: see kernels.h) does not carry their code in flash. */
#ifndef TINYFORGE_CONFIG_H
#define TINYFORGE_CONFIG_H

#ifndef TFG_WITH_DW_STRIP
#define TFG_WITH_DW_STRIP 1
#endif
#ifndef TFG_WITH_CONV_NARROW
#define TFG_WITH_CONV_NARROW 1
#endif

#endif
