/**
 * The bare baseline (baseline-handler.ts) that also signs, as any Alibaba client must: the same
 * Middy + fast-xml-parser handler with an HMAC over what it answers. A second anchor for the
 * cold import, so the cost of loading `node:crypto` is told apart from the gateway's own code.
 */
import { createHmac } from 'node:crypto';
import middy from '@middy/core';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const parser = new XMLParser();
const builder = new XMLBuilder();

export const handler = middy<{ body?: string; xml?: boolean }>().handler(async (event) => {
  const body = event.xml ? builder.build(parser.parse(event.body ?? '')) : JSON.stringify(event);
  return {
    statusCode: 200,
    headers: { signature: createHmac('sha1', 'key').update(body).digest('base64') },
    body,
  };
});
