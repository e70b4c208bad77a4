"""Generates the Chebyshev coefficients of erfcx(x) = exp(x^2) erfc(x) on [0.5, 4] that
src/privacy/special.ts embeds (ERFCX_CHEB): seven intervals of width 1/2, each expansion cut
where its coefficients fall below 1e-18 of erfcx's value on the interval. Run with mpmath:
    python3 test/privacy/gen_erfcx_chebyshev.py
and paste the printed table. test/privacy/special.test.ts checks the result against reference
values of erfc."""
import mpmath

mpmath.mp.dps = 60
N = 48  # Chebyshev nodes per interval

def erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)

rows = []
for i in range(7):
    a = mpmath.mpf(1) / 2 + mpmath.mpf(i) / 2
    b = a + mpmath.mpf(1) / 2
    nodes = [mpmath.cos(mpmath.pi * (j + mpmath.mpf(1) / 2) / N) for j in range(N)]
    vals = [erfcx((a + b) / 2 + (b - a) / 2 * t) for t in nodes]
    coefs = []
    for k in range(N):
        s = sum(v * mpmath.cos(mpmath.pi * k * (j + mpmath.mpf(1) / 2) / N) for j, v in enumerate(vals))
        coefs.append(2 * s / N)
    coefs[0] /= 2
    floor = mpmath.mpf('1e-18') * erfcx(b)
    last = max(k for k in range(N) if abs(coefs[k]) > floor)
    rows.append([mpmath.nstr(c, 17, min_fixed=-1, max_fixed=-1) for c in coefs[: last + 1]])

print('const ERFCX_CHEB: readonly (readonly number[])[] = [')
for r in rows:
    print('  [' + ', '.join(r) + '],')
print('];')
