/**
 * Conversion rows: the gateway's own work on an upstream answer (read, type by schema, render for
 * the caller, exactly the calls the product makes: readAnswer then renderSuccess) beside the
 * anchors, for each payload.
 */
import { renderSuccess } from '../src/codec/render.js';
import { ACTIONS } from '../src/kms/actions.generated.js';
import type { ActionSpec } from '../src/kms/schema.js';
import { readAnswer } from '../src/upstream/answer.js';
import { fxpLean, jsonFloor, jsonToXmlBuilder, txml, xml2jsSdk } from './anchors.js';
import { MICRO, timeRow } from './measure.js';
import { kB, PAYLOADS, type Payload } from './payloads.js';
import type { Line } from './table.js';

const HOST = 'kms.cn-hangzhou.aliyuncs.com';

function gateway(payload: Payload, wire: 'xml' | 'json', caller: 'JSON' | 'XML') {
  const spec = ACTIONS[payload.action] as ActionSpec;
  const body = Buffer.from(payload[wire]);
  const headers = {
    'content-type': wire === 'xml' ? 'text/xml;charset=UTF-8' : 'application/json',
  };
  return () =>
    renderSuccess(
      payload.action,
      readAnswer({ status: 200, headers, body }, { spec, host: HOST }),
      caller,
    );
}

export async function codecLines(): Promise<Line[]> {
  const lines: Line[] = [];
  for (const p of PAYLOADS) {
    const payload = `${p.name} (${kB(p.xml)})`;
    const t = await timeRow(
      {
        ours: gateway(p, 'xml', 'JSON'),
        fxp: () => fxpLean(p.xml),
        xml2js: () => xml2jsSdk(p.xml),
        txml: () => txml(p.xml),
      },
      MICRO,
    );
    const what = 'upstream XML → caller JSON';
    const ours = t.ours?.us as number;
    const unit = 'µs';
    lines.push(
      {
        what,
        payload,
        ours,
        anchor: 'txml (the limit)',
        theirs: t.txml?.us as number,
        unit,
        atMost: 2,
      },
      {
        what,
        payload,
        ours,
        anchor: 'xml2js explicitArray:false (SDKs)',
        theirs: t.xml2js?.us as number,
        unit,
        atMost: 1 / 3,
      },
      {
        what,
        payload,
        ours,
        anchor: 'fast-xml-parser, lean options',
        theirs: t.fxp?.us as number,
        unit,
      },
    );
  }
  for (const p of PAYLOADS) {
    const payload = `${p.name} (${kB(p.json)})`;
    const t = await timeRow(
      { ours: gateway(p, 'json', 'JSON'), floor: () => jsonFloor(p.json) },
      MICRO,
    );
    lines.push({
      what: 'upstream JSON → caller JSON',
      payload,
      ours: t.ours?.us as number,
      anchor: 'JSON.parse + JSON.stringify',
      theirs: t.floor?.us as number,
      unit: 'µs',
      atMost: 1.2,
    });
  }
  for (const p of PAYLOADS) {
    const payload = `${p.name} (${kB(p.json)})`;
    const t = await timeRow(
      { ours: gateway(p, 'json', 'XML'), builder: () => jsonToXmlBuilder(p.action, p.json) },
      MICRO,
    );
    lines.push({
      what: 'upstream JSON → caller XML',
      payload,
      ours: t.ours?.us as number,
      anchor: 'JSON.parse + fast-xml-parser XMLBuilder',
      theirs: t.builder?.us as number,
      unit: 'µs',
    });
  }
  return lines;
}
