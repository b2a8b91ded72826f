/* Training losses: mean over every element of the batch output. */
#ifndef RL_LOSS_H
#define RL_LOSS_H

#include <stddef.h>

#include "real.h"
#include "rnnlite/rnnlite.h"

int rl__loss_valid(int loss);

/* Mean loss of pred against target (n elements), summed in double. */
double rl__loss_value(rl_loss loss, const real *pred, const real *target, size_t n);

/* grad[i] = d(mean loss)/d(pred[i]). */
void rl__loss_grad(rl_loss loss, const real *pred, const real *target, real *grad, size_t n);

#endif
