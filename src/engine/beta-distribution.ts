/**
 * The Beta distribution's CDF (regularised incomplete beta function) and its inverse, enough for
 * credible intervals and "P(θ ≥ threshold)" checks. Algorithms from Press et al., *Numerical
 * Recipes* 3rd ed., §6.4 (continued fraction by modified Lentz) and
 * §6.14.10 (inverse: initial guess from Abramowitz & Stegun 26.5.22, then Halley steps).
 */

// Stirling's series for ln Γ, accurate to ~2e-14 for x ≥ 10 (the next term is 691 / (360360 x¹¹)).
function logGammaStirling(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + 0.9189385332046728 + series; // ½ ln 2π
}

/**
 * ln Γ(x) for x > 0, absolute error below ~1e-13. Small x is shifted up by the recurrence
 * Γ(x + 1) = x Γ(x) so Stirling's series applies; cheaper than a Lanczos sum, which matters
 * because every CDF evaluation needs three of these.
 */
export function logGamma(x: number): number {
  if (x >= 10) return logGammaStirling(x);
  let product = 1;
  let y = x;
  while (y < 10) {
    product *= y;
    y += 1;
  }
  return logGammaStirling(y) - Math.log(product);
}

const FPMIN = 1e-300;
const EPS = 1e-15;

// Continued fraction for the incomplete beta function (modified Lentz's method).
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  return h;
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Regularised incomplete beta I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b); a, b > 0. */
export function betaCdf(x: number, a: number, b: number, lnBeta: number = logBeta(a, b)): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = a * Math.log(x) + b * Math.log1p(-x) - lnBeta;
  const front = Math.exp(lnFront);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The p-quantile of Beta(a, b): the x with I_x(a, b) = p; a, b > 0. Pass `lnBeta` when asking
 * several quantiles of one distribution.
 */
export function betaQuantile(p: number, a: number, b: number, lnBeta: number = logBeta(a, b)): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const a1 = a - 1;
  const b1 = b - 1;
  let x: number;
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    let z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) z = -z;
    const al = (z * z - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (z * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    x = a / (a + b * Math.exp(2 * w));
  } else {
    const lna = Math.log(a / (a + b));
    const lnb = Math.log(b / (a + b));
    const t = Math.exp(a * lna) / a;
    const u = Math.exp(b * lnb) / b;
    const w = t + u;
    x = p < t / w ? Math.pow(a * w * p, 1 / a) : 1 - Math.pow(b * w * (1 - p), 1 / b);
  }
  const afac = -lnBeta;
  for (let j = 0; j < 20; j++) {
    if (x <= 0 || x >= 1) break;
    const err = betaCdf(x, a, b, lnBeta) - p;
    const density = Math.exp(a1 * Math.log(x) + b1 * Math.log1p(-x) + afac);
    if (density === 0 || !Number.isFinite(density)) break;
    const u = err / density;
    // Halley step, damped so it cannot overshoot wildly near the ends.
    const step = u / (1 - 0.5 * Math.min(1, u * (a1 / x - b1 / (1 - x))));
    x -= step;
    if (x <= 0) x = 0.5 * (x + step);
    if (x >= 1) x = 0.5 * (x + step + 1);
    if (Math.abs(step) < 1e-12 * x && j > 0) break;
  }
  return Math.min(1, Math.max(0, x));
}
