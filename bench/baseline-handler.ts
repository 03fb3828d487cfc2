/**
 * The size/cold-start baseline: the smallest useful Middy handler that converts XML and JSON
 * (Middy core + fast-xml-parser, no negotiation, no envelope, no logging, no upstream).
 */
import middy from '@middy/core';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const parser = new XMLParser();
const builder = new XMLBuilder();

export const handler = middy<{ body?: string; xml?: boolean }>().handler(async (event) => ({
  statusCode: 200,
  body: event.xml ? builder.build(parser.parse(event.body ?? '')) : JSON.stringify(event),
}));
