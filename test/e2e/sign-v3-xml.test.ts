import { gatewaySuite } from './gateway-suite.js';

gatewaySuite('sign mode, signature V3, upstream XML', {
  signs: false,
  env: { KMS_SIGNATURE_VERSION: 'v3', KMS_UPSTREAM_FORMAT: 'XML' },
});
