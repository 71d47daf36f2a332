import { DateTime } from 'luxon';

export { ReportAggregator } from './aggregator';
export { reportsRouter } from './reports-api';

/** The service's time zone for reports: the option, SWITCHBOARD_TIME_ZONE, else Asia/Shanghai; checked. */
export function serviceTimeZone(option?: string): string {
  const zone = option ?? process.env.SWITCHBOARD_TIME_ZONE ?? 'Asia/Shanghai';
  if (!DateTime.now().setZone(zone).isValid)
    throw new Error(`Unknown time zone "${zone}": use an IANA name such as Asia/Shanghai or Europe/Berlin.`);
  return zone;
}
