/**
 * A syslog record as the collector received it, parsed as RFC 5424 (the structured format) or RFC 3164 (the older
 * BSD format most stacks still send). Written here rather than taken from npm: the parsers there (glossy and its
 * forks) are unmaintained and throw away what this harness judges, such as whether a time stamp had a zone at all.
 *
 * Lenient on purpose: a record that breaks the letter of RFC 5424 (a time stamp without offset, a missing field) is
 * still read, and what it lacks is kept as a fact (`zone: 'none'`) for the checks to judge.
 */

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'unparsed';
/** utc: "Z" or +00:00; offset: another numeric offset; none: a time without zone (local time of unknown zone); missing: no time stamp. */
export type TimeZoneMark = 'utc' | 'offset' | 'none' | 'missing';

export interface StructuredElement {
  id: string;
  params: Record<string, string>;
}

export interface SyslogRecord {
  format: SyslogFormat;
  facility?: number;
  severity?: number;
  /** The time stamp as written; absent when the record has none. */
  timestampText?: string;
  /** The time stamp as an instant; a zone-less stamp is read as UTC (so its offset from the harness shows any zone error). */
  timestamp?: Date;
  zone: TimeZoneMark;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  structuredData: StructuredElement[];
  /** The free-text part (MSG), without a leading BOM. */
  message: string;
  raw: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NIL = '-';
const ISO_STAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/i;
const BSD_STAMP = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: (\d{4}))?/;

function readIso(text: string): { date: Date; zone: TimeZoneMark } | undefined {
  const match = ISO_STAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zoneText] = match;
  const millis = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
  let ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  let zone: TimeZoneMark = 'none';
  if (zoneText && zoneText.toUpperCase() === 'Z') zone = 'utc';
  else if (zoneText) {
    const sign = zoneText.startsWith('-') ? -1 : 1;
    const digits = zoneText.slice(1).replace(':', '');
    const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    ms -= offsetMinutes * 60_000;
    zone = offsetMinutes === 0 ? 'utc' : 'offset';
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : { date, zone };
}

/** A BSD stamp has neither year nor zone: the year is the one that puts it nearest to `now`. */
function readBsd(match: RegExpExecArray, now: Date): Date | undefined {
  const [, monthName, day, hour, minute, second, yearText] = match;
  const month = MONTHS.indexOf(monthName!);
  if (month < 0) return undefined;
  const at = (year: number) => Date.UTC(year, month, Number(day), Number(hour), Number(minute), Number(second));
  if (yearText) return new Date(at(Number(yearText)));
  const year = now.getUTCFullYear();
  const candidates = [year - 1, year, year + 1].map(at);
  return new Date(candidates.reduce((best, candidate) => (Math.abs(candidate - now.getTime()) < Math.abs(best - now.getTime()) ? candidate : best)));
}

function readPri(text: string): { facility: number; severity: number; rest: string } | undefined {
  const match = /^<(\d{1,3})>/.exec(text);
  if (!match) return undefined;
  const pri = Number(match[1]);
  if (pri > 191) return undefined;
  return { facility: pri >> 3, severity: pri & 7, rest: text.slice(match[0].length) };
}

/** Structured data: "-" or one or more [id name="value" ...], with \" \\ \] escaped inside values. */
function readStructuredData(text: string): { elements: StructuredElement[]; rest: string } | undefined {
  if (text.startsWith(NIL)) return { elements: [], rest: text.slice(1) };
  const elements: StructuredElement[] = [];
  let position = 0;
  while (text[position] === '[') {
    position++;
    const idMatch = /^[^\s\]=" ]+/.exec(text.slice(position));
    if (!idMatch) return undefined;
    const element: StructuredElement = { id: idMatch[0], params: {} };
    position += idMatch[0].length;
    for (;;) {
      if (text[position] === ']') {
        position++;
        break;
      }
      if (text[position] !== ' ') return undefined;
      position++;
      const nameMatch = /^[^\s\]=" ]+/.exec(text.slice(position));
      if (!nameMatch || text[position + nameMatch[0].length] !== '=' || text[position + nameMatch[0].length + 1] !== '"') return undefined;
      position += nameMatch[0].length + 2;
      let value = '';
      for (;;) {
        const char = text[position];
        if (char === undefined) return undefined;
        if (char === '\\' && (text[position + 1] === '"' || text[position + 1] === '\\' || text[position + 1] === ']')) {
          value += text[position + 1];
          position += 2;
          continue;
        }
        position++;
        if (char === '"') break;
        value += char;
      }
      element.params[nameMatch[0]] = value;
    }
    elements.push(element);
  }
  return elements.length > 0 ? { elements, rest: text.slice(position) } : undefined;
}

const field = (value: string | undefined) => (value === undefined || value === NIL ? undefined : value);
const stripBom = (text: string) => text.replace(/^\uFEFF/, '');

function parse5424(pri: { facility: number; severity: number; rest: string }, raw: string): SyslogRecord | undefined {
  const header = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(pri.rest);
  if (!header) return undefined;
  const [, stamp, hostname, appName, procId, msgId] = header;
  const data = readStructuredData(pri.rest.slice(header[0].length));
  if (!data) return undefined;
  const time = stamp === NIL ? undefined : readIso(stamp!);
  if (stamp !== NIL && !time) return undefined;
  return {
    format: 'rfc5424',
    facility: pri.facility,
    severity: pri.severity,
    ...(time ? { timestampText: stamp, timestamp: time.date } : {}),
    zone: time?.zone ?? 'missing',
    hostname: field(hostname),
    appName: field(appName),
    procId: field(procId),
    msgId: field(msgId),
    structuredData: data.elements,
    message: stripBom(data.rest.replace(/^ /, '')),
    raw,
  };
}

/**
 * "<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG", also with an ISO stamp (rsyslog's forward format) and without HOST
 * (busybox syslogd and many embedded stacks leave it out; the token after the stamp is then the tag, ending in ":").
 */
function parse3164(pri: { facility: number; severity: number; rest: string }, raw: string, now: Date): SyslogRecord {
  let rest = pri.rest;
  let timestampText: string | undefined;
  let timestamp: Date | undefined;
  let zone: TimeZoneMark = 'missing';
  const bsd = BSD_STAMP.exec(rest);
  const isoToken = /^(\d{4}-\d{2}-\d{2}T\S+)/.exec(rest);
  if (bsd) {
    timestampText = bsd[0];
    timestamp = readBsd(bsd, now);
    zone = 'none';
    rest = rest.slice(bsd[0].length).replace(/^ /, '');
  } else if (isoToken && readIso(isoToken[1]!)) {
    const time = readIso(isoToken[1]!)!;
    timestampText = isoToken[1];
    timestamp = time.date;
    zone = time.zone;
    rest = rest.slice(isoToken[0].length).replace(/^ /, '');
  }
  let hostname: string | undefined;
  const first = /^(\S+)(\s|$)/.exec(rest);
  const looksLikeTag = (token: string) => /[:[\]]/.test(token);
  if (timestampText && first && !looksLikeTag(first[1]!)) {
    hostname = first[1];
    rest = rest.slice(first[0].length);
  }
  let appName: string | undefined;
  let procId: string | undefined;
  const tag = /^([^\s:[\]]{1,48})(?:\[([^\]]*)\])?:\s?/.exec(rest);
  if (tag) {
    appName = tag[1];
    procId = tag[2];
    rest = rest.slice(tag[0].length);
  }
  return {
    format: 'rfc3164',
    facility: pri.facility,
    severity: pri.severity,
    ...(timestampText ? { timestampText } : {}),
    ...(timestamp ? { timestamp } : {}),
    zone,
    ...(hostname ? { hostname } : {}),
    ...(appName ? { appName } : {}),
    ...(procId ? { procId } : {}),
    structuredData: [],
    message: stripBom(rest),
    raw,
  };
}

/** Parses one record (one frame, without its framing). `now` decides the year of a BSD time stamp. */
export function parseSyslog(text: string, now: Date = new Date()): SyslogRecord {
  const raw = text.replace(/[\r\n\0]+$/, '');
  const pri = readPri(raw);
  if (!pri) return { format: 'unparsed', zone: 'missing', structuredData: [], message: raw, raw };
  return parse5424(pri, raw) ?? parse3164(pri, raw, now);
}

/** key=value or key="value" pairs in a free-text message ("user=bob result=failure"), as many stacks write fields. */
export function keyValuePairs(message: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of message.matchAll(/(?:^|[\s,;])([A-Za-z][\w.-]{0,40})=(?:"([^"]*)"|([^\s,;"]+))/g)) pairs[match[1]!] = match[2] ?? match[3] ?? '';
  return pairs;
}

/**
 * The event fields of a record a machine can read without understanding prose: structured-data parameters, else
 * key=value pairs of the message, else the members of a JSON object message. Empty when there is only free text.
 */
export function eventFields(record: SyslogRecord): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const element of record.structuredData) {
    for (const [name, value] of Object.entries(element.params)) fields[name] = value;
  }
  if (Object.keys(fields).length > 0) return fields;
  const json = record.message.trim();
  if (json.startsWith('{')) {
    try {
      const parsed = JSON.parse(json) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [name, value] of Object.entries(parsed)) if (value !== null && typeof value !== 'object') fields[name] = String(value);
        return fields;
      }
    } catch {
      // not JSON after all: free text
    }
  }
  const pairs = keyValuePairs(record.message);
  return Object.keys(pairs).length >= 2 ? pairs : {};
}

/** All the text of a record a person or a search would look at: header names, parameters and message. */
export function recordText(record: SyslogRecord): string {
  const params = record.structuredData.flatMap((element) => [element.id, ...Object.entries(element.params).map(([name, value]) => `${name}=${value}`)]);
  return [record.appName, record.msgId, ...params, record.message].filter(Boolean).join(' ');
}
