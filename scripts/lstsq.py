"""Least squares for the Cortex-M4 cost models' fits (scripts/bench_flash.sh,
scripts/bench_latency.sh), in plain Python: the normal equations on scaled
columns with a little ridge, solved by Gauss-Jordan with partial pivoting.
Columns that are zero in every row keep a coefficient of 0."""


def fit(X, y):
    n = len(X[0])
    used = [j for j in range(n) if any(r[j] for r in X)]
    scale = [max(abs(r[j]) for r in X) or 1 for j in range(n)]
    A = [[sum(r[i] / scale[i] * r[j] / scale[j] for r in X) + (1e-6 if i == j else 0) for j in used] +
         [sum(r[i] / scale[i] * t for r, t in zip(X, y))] for i in used]
    m = len(used)
    for i in range(m):
        p = max(range(i, m), key=lambda r: abs(A[r][i]))
        A[i], A[p] = A[p], A[i]
        for r in range(m):
            if r != i:
                f = A[r][i] / A[i][i]
                A[r] = [a - f * b for a, b in zip(A[r], A[i])]
    coef = [0.0] * n
    for i, j in enumerate(used):
        coef[j] = A[i][m] / A[i][i] / scale[j]
    return coef
