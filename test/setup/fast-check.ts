import fc from 'fast-check';

// Property tests run with a fixed seed so a CI run is repeatable; set FC_SEED=random (or a
// number) to explore other inputs locally. A failure prints its seed and counterexample.
const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261123);
fc.configureGlobal({ seed });
