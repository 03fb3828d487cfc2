import { gatewaySuite } from './gateway-suite.js';

gatewaySuite('sign mode, signature V1, upstream JSON', { signs: false });
