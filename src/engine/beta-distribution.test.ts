import fc from 'fast-check';
import { betaCdf, betaQuantile, logGamma } from './beta-distribution';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [10.5, Math.log(1133278.3889487856)],
  ])('ln Γ(%p) = %p', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });
});

describe('betaCdf', () => {
  it.each([
    // closed forms: Beta(1,1) uniform, Beta(2,1) x², Beta(1,2) 1-(1-x)², Beta(2,2) 3x²-2x³
    [0.3, 1, 1, 0.3],
    [0.3, 2, 1, 0.09],
    [0.3, 1, 2, 1 - 0.49],
    [0.3, 2, 2, 3 * 0.09 - 2 * 0.027],
    // Beta(0.5,0.5) is the arcsine law: (2/π) asin(√x)
    [0.2, 0.5, 0.5, (2 / Math.PI) * Math.asin(Math.sqrt(0.2))],
    // Binomial link: I_x(k, n-k+1) = P(Bin(n, x) ≥ k); n=10, k=7, x=0.5 → 176/1024
    [0.5, 7, 4, 176 / 1024],
  ])('I_%p(%p, %p) = %p', (x, a, b, expected) => {
    expect(betaCdf(x, a, b)).toBeCloseTo(expected, 10);
  });

  it('is 0 and 1 at the ends', () => {
    expect(betaCdf(0, 3, 4)).toBe(0);
    expect(betaCdf(1, 3, 4)).toBe(1);
  });
});

describe('betaQuantile', () => {
  it.each([
    [0.05, 1, 1, 0.05],
    [0.95, 2, 1, Math.sqrt(0.95)],
    [0.05, 6, 1, Math.pow(0.05, 1 / 6)],
    [0.5, 3, 3, 0.5],
  ])('Q(%p; %p, %p) = %p', (p, a, b, expected) => {
    expect(betaQuantile(p, a, b)).toBeCloseTo(expected, 9);
  });

  // Shapes the engine meets are at least the prior's (1 by default); below ~0.5 against a large
  // other shape the quantile sits closer to 0 or 1 than a double can resolve.
  it('inverts the CDF across shapes from 0.5 to 5000', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.5, max: 5000, noNaN: true }),
        fc.double({ min: 0.5, max: 5000, noNaN: true }),
        (p, a, b) => {
          const x = betaQuantile(p, a, b);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(1);
          expect(Math.abs(betaCdf(x, a, b) - p)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is increasing in p', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.98, noNaN: true }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        (p, a, b) => betaQuantile(p, a, b) <= betaQuantile(p + 0.01, a, b),
      ),
    );
  });
});
