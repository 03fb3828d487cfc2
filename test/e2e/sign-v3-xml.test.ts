import { gatewaySuite } from './gateway-suite.js';

// Callers sign V3 as the Tea OpenAPI clients do: Action and Version in headers.
gatewaySuite('sign mode, signature V3, upstream XML, V3 callers', {
  signs: false,
  signing: 'caller-v3',
  env: { KMS_SIGNATURE_VERSION: 'v3', KMS_UPSTREAM_FORMAT: 'XML' },
});
