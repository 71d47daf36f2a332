/**
 * Is a term's share of contacts in this period significantly above its share in the previous one? Dunning's
 * log-likelihood ratio G² over the 2x2 table (contacts mentioning it or not, this period or the previous),
 * compared with the chi-square distribution of one degree of freedom, at a level divided by the number of
 * terms tested (Bonferroni): with thousands of terms tested, a plain 0.05 would call dozens rising by chance.
 */

const xlogx = (x: number) => (x > 0 ? x * Math.log(x) : 0);

/** G² of mentions a of n contacts now against b of m before. */
export function logLikelihood(a: number, n: number, b: number, m: number): number {
  const c = n - a;
  const d = m - b;
  const total = n + m;
  const g2 =
    2 *
    (xlogx(a) +
      xlogx(b) +
      xlogx(c) +
      xlogx(d) +
      xlogx(total) -
      xlogx(a + b) -
      xlogx(c + d) -
      xlogx(n) -
      xlogx(m));
  return Math.max(0, g2);
}

/** erfc(x) for x >= 0 (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return y;
}

/** P(X >= g2) for X chi-square with one degree of freedom. */
export function chiSquare1Tail(g2: number): number {
  return g2 <= 0 ? 1 : Math.min(1, erfc(Math.sqrt(g2 / 2)));
}

/** The G² whose tail probability is p (bisection on chiSquare1Tail, which falls monotonically). */
export function chiSquare1Critical(p: number): number {
  let lo = 0;
  let hi = 200;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquare1Tail(mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}
