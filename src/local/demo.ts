/**
 * The demo identities of `npm start` and `npm run call`: local only, printed in the banner,
 * never valid anywhere else.
 */

/** What the function signs KMS calls with (the emulator knows it). */
export const DEMO_ACCESS_KEY = {
  id: 'LTAI5tDemoKmsNormalizer',
  secret: 'demo-secret-for-the-local-emulator-only',
};

/** What callers sign with (the function's callers document holds it, every action allowed). */
export const DEMO_CALLER_KEY = {
  id: 'KMSNdemoCallerKey0001',
  secret: 'demo-caller-secret-for-local-use-only',
};

export const DEMO_ALIAS = 'alias/demo';
