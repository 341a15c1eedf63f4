/* Residual fusion, a pass over the lowered program (see passes.h). */
#include <string.h>

#include "passes/passes.h"

/* Fuse residual ADDs into the convolution that feeds them: ADD(X, conv(E))
 * (either operand order) becomes conv(E) with a residual epilogue writing
 * in place over X (runtime/conv.c), so the conv's own output is never
 * stored. In an inverted-residual block that buffer is as large as the
 * block's input; MobileNetV2's 28x28 blocks drop from X + E + Y to X + E.
 * Safe when the conv output Y feeds only the ADD, X is computed before the
 * conv and read by nothing after the ADD (nor by a view), nothing between
 * the conv and the ADD reads X, and the conv does not read X's buffer itself. `groups` is the current plan's
 * buffer of each tensor. Returns the number of fusions. */
int tfg_fuse_residuals(tfg_graph_t *g, tfg_program_t *pr, const int *groups, tfg_diag_t *d, tfg_status_t *st)
{
    int fused = 0;
    for (int a = 0; a < pr->n_steps; a++) {
        tfg_step_t *A = &pr->steps[a];
        if (A->kernel != TFG_K_ADD || A->n_in != 2 || A->in_const[0] || A->in_const[1]) continue;
        const tfg_tensor_t *yo = &g->tensors[A->out];
        if (tfg_tensor_elems(&g->tensors[A->in[0]]) != tfg_tensor_elems(yo) ||
            tfg_tensor_elems(&g->tensors[A->in[1]]) != tfg_tensor_elems(yo))
            continue;
        for (int j = 0; j < 2; j++) {
            const int y = A->in[j], x = A->in[1 - j];
            /* Who writes y and x, and how many steps read y. */
            int pstep = -1, xstep = -1, readers = 0;
            for (int k = 0; k < pr->n_steps; k++) {
                if (pr->steps[k].out == y) pstep = k;
                if (pr->steps[k].out == x) xstep = k;
                for (int q = 0; q < pr->steps[k].n_in; q++)
                    readers += !pr->steps[k].in_const[q] && pr->steps[k].in[q] == y;
            }
            /* y feeds only the ADD, and x already holds its value when the conv runs. */
            if (pstep < 0 || pstep >= a || readers != 1 || xstep >= pstep) continue;
            tfg_step_t *P = &pr->steps[pstep];
            if (P->kernel != TFG_K_CONV || P->p.conv.res || P->n_in != 1) continue;
            /* Once the conv has overwritten x, only the ADD may have read it. */
            bool x_read = false;
            for (int k = pstep + 1; k < pr->n_steps; k++)
                for (int q = 0; q < pr->steps[k].n_in; q++)
                    x_read |= k != a && !pr->steps[k].in_const[q] && pr->steps[k].in[q] == x;
            bool io = false, view = false;
            for (int i = 0; i < g->n_inputs; i++) io |= g->inputs[i] == x;
            for (int i = 0; i < g->n_outputs; i++) io |= g->outputs[i] == x || g->outputs[i] == y;
            for (int i = 0; i < g->n_ops; i++)
                view |= !g->ops[i].dead && g->ops[i].alias && g->ops[i].in[0] == x;
            if (io || view || x_read || groups[x] < 0 || groups[x] == groups[P->in[0]]) continue;
            tfg_eltwise_params_t *res = tfg_graph_alloc(g, sizeof *res);
            if (!res) {
                *st = tfg_diag_set(d, TFG_ERR_NOMEM, "out of memory");
                return fused;
            }
            *res = A->p.elt;
            P->p.conv.res = res;
            /* it now writes over x, not over its input */
            P->p.conv.in_place = 0;
            g->ops[P->op].in_place = false;
            P->p.conv.res_conv_is_b = j == 1;
            P->out = A->out;
            P->in[P->n_in++] = x; /* read (and overwritten in place) by the conv */
            memmove(A, A + 1, sizeof *A * (size_t)(pr->n_steps - a - 1));
            pr->n_steps--;
            a--;
            fused++;
            break;
        }
    }
    return fused;
}
