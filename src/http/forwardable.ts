/**
 * Passthrough forwards the caller's query text as sent. A URL parser drops raw TAB, CR and LF
 * characters and may re-encode others, so the query KMS receives could hold parameters other
 * than the ones checked here (`Act<TAB>ion=ScheduleKeyDeletion` becomes `Action=…`). What is
 * checked must be exactly what is forwarded: a query that does not survive the trip is refused.
 */
import { gatewayError } from '../kms/envelope.js';

/** @throws KmsError ParseRequestParameterException when the URL would change the parameters */
export function checkForwardable(rawQuery: string): void {
  if (rawQuery === '') return;
  const sent = [...new URLSearchParams(rawQuery)];
  const received = [...new URL(`/?${rawQuery}`, 'http://kms.invalid').searchParams];
  const same =
    sent.length === received.length &&
    sent.every(([name, value], i) => received[i]?.[0] === name && received[i]?.[1] === value);
  if (!same) {
    throw gatewayError('ParseRequestParameterException', {
      reason: 'query changes when forwarded',
      detail: 'The query holds characters a URL cannot carry as they are (percent-encode them).',
    });
  }
}
