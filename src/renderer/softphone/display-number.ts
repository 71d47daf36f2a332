import { formatPhone } from '../../shared/phone';

/** A number as the agent reads it: formatted when it is a phone number, as is for an extension. */
export function displayNumber(n: string): string {
  return n.length > 6 ? formatPhone(n) : n;
}
